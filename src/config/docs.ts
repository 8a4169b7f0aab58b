import { CONFIG_KEYS, SCHEMA, type ConfigKey, type KeySpec } from './schema.js';

const isCount = (value: unknown): value is { value: number; percent: boolean } =>
  typeof value === 'object' && value !== null && 'percent' in value && 'value' in value && Object.keys(value).length === 2;

/** A value as the README and `deploy config` show it: `"10%"`, `300`, `[]`, `"ssh"`; a count inside (a stage's share) as written. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'unset';
  if (isCount(value)) return value.percent ? `"${value.value}%"` : String(value.value);
  return JSON.stringify(value, (_key, inner: unknown) => (isCount(inner) ? (inner.percent ? `${inner.value}%` : inner.value) : inner));
}

/** The default of `key` as documented: its shown text, or the plain value in backticks. */
export function shownDefault(key: ConfigKey): string {
  const spec = SCHEMA[key] as KeySpec<unknown>;
  if (spec.shownDefault !== undefined) return spec.shownDefault;
  return typeof spec.default === 'function' ? '(computed)' : `\`${showValue(spec.default)}\``;
}

const cell = (text: string): string => text.replace(/\|/g, '\\|');

/** The README's configuration table, one row per key, generated from the schema. */
export function configTable(): string[] {
  return [
    '| key | type | default | meaning |',
    '|---|---|---|---|',
    ...CONFIG_KEYS.map((key) => `| \`${key}\` | ${cell(SCHEMA[key].kind.type)} | ${cell(shownDefault(key))} | ${cell(SCHEMA[key].meaning)} |`),
  ];
}

export const TABLE_START = '<!-- config-table: generated from src/config/schema.ts by `npm run docs` -->';
export const TABLE_END = '<!-- /config-table -->';

/** `readme` with the text between the table markers replaced by the generated table. */
export function withConfigTable(readme: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`README.md: the markers ${TABLE_START} and ${TABLE_END} are missing`);
  return `${readme.slice(0, start + TABLE_START.length)}\n${configTable().join('\n')}\n${readme.slice(end)}`;
}
