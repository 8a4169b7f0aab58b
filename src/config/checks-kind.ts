import { UserError } from '../errors.js';
import type { Kind, ValueSource } from './kinds.js';
import { oneDefinedItem } from './list-kinds.js';

/** One item of `canary_checks`, as the config holds it. */
export type CheckSpec = string | { http: string; status?: number; contains?: string } | { prometheus: string; query: string; max?: number; max_ratio?: number };

const EXPECTED = 'a list of shell commands (strings), {"http": url, "status"?, "contains"?} or {"prometheus": base url, "query", "max"?, "max_ratio"?}';

function bad(source: ValueSource, index: number, item: unknown, what: string): never {
  throw new UserError(`${source.key}[${index}]: expected ${what}, got ${JSON.stringify(item) ?? String(item)} (${source.origin})`);
}

const isUrl = (value: unknown): value is string => typeof value === 'string' && URL.canParse(value) && /^https?:$/.test(new URL(value).protocol);
const isNumber = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value);

function onlyKeys(object: Record<string, unknown>, allowed: string[]): string | undefined {
  return Object.keys(object).find((key) => !allowed.includes(key));
}

function item(value: unknown, index: number, source: ValueSource): CheckSpec {
  if (typeof value === 'string') {
    if (value.trim() === '') bad(source, index, value, 'a non-empty shell command');
    return value;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    bad(source, index, value, 'a shell command (string) or an object with "http" or "prometheus"');
  const object = value as Record<string, unknown>;
  if ('http' in object) {
    const extra = onlyKeys(object, ['http', 'status', 'contains']);
    if (extra) bad(source, index, value, `an HTTP check with only "http", "status", "contains" (not "${extra}")`);
    if (!isUrl(object.http)) bad(source, index, value, '"http": an http:// or https:// URL');
    if (object.status !== undefined && !(Number.isInteger(object.status) && (object.status as number) >= 100 && (object.status as number) <= 599)) {
      bad(source, index, value, '"status": an HTTP status code (100-599)');
    }
    if (object.contains !== undefined && typeof object.contains !== 'string') bad(source, index, value, '"contains": a string');
    return object as CheckSpec;
  }
  if ('prometheus' in object) {
    const extra = onlyKeys(object, ['prometheus', 'query', 'max', 'max_ratio']);
    if (extra) bad(source, index, value, `a Prometheus check with only "prometheus", "query", "max", "max_ratio" (not "${extra}")`);
    if (!isUrl(object.prometheus)) bad(source, index, value, '"prometheus": the server\'s http:// or https:// base URL');
    if (typeof object.query !== 'string' || object.query.trim() === '') bad(source, index, value, '"query": a PromQL expression');
    if (object.max !== undefined && !isNumber(object.max)) bad(source, index, value, '"max": a number');
    if (object.max_ratio !== undefined && !(isNumber(object.max_ratio) && (object.max_ratio as number) > 0))
      bad(source, index, value, '"max_ratio": a positive number');
    return object as CheckSpec;
  }
  return bad(source, index, value, 'an object with "http" or "prometheus"');
}

function list(value: unknown, source: ValueSource): CheckSpec[] {
  if (!Array.isArray(value)) throw new UserError(`${source.key}: expected ${EXPECTED}, got ${JSON.stringify(value)} (${source.origin})`);
  return value.map((one, index) => item(one, index, source));
}

/** `canary_checks`: strings (shell commands) or HTTP / Prometheus check objects. `-D`: JSON, or one shell command. */
export const checksKind: Kind<CheckSpec[]> = {
  type: 'list of checks',
  expected: EXPECTED,
  fromJson: list,
  fromDefine: (raw, source) => {
    if (raw.trim() === '') return [];
    if (!raw.trim().startsWith('[')) return list([oneDefinedItem(raw, source, 'a list of checks')], source);
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new UserError(`${source.key}: expected ${EXPECTED} as JSON, got ${JSON.stringify(raw)} (${source.origin})`);
    }
    return list(parsed, source);
  },
};
