import { showValue } from '../config/docs.js';
import { loadConfig } from '../config/load.js';
import { CONFIG_KEYS, SCHEMA, isConfigKey, type ConfigKey } from '../config/schema.js';
import { closestKey } from '../config/suggest.js';
import { UserError } from '../errors.js';
import type { AdminOptions } from './admin-options.js';

export interface ConfigOptions extends AdminOptions {
  /** Show only this key. */
  key?: string;
}

interface Row {
  key: ConfigKey;
  value: unknown;
  /** The layer the value came from: a config file's path, `-D`, or `default`. */
  from: string;
  meaning: string;
}

/** `deploy config [key]`: each key's effective value and the layer it came from. */
export function showConfig(options: ConfigOptions): number {
  if (options.key !== undefined && !isConfigKey(options.key)) {
    const near = closestKey(options.key, CONFIG_KEYS);
    throw new UserError(`unknown config key "${options.key}"`, near ? `did you mean ${near}?` : '`deploy config` lists every key');
  }
  const { config, origins } = loadConfig({ ...options, requireTargets: false });
  const keys = options.key !== undefined ? [options.key as ConfigKey] : CONFIG_KEYS;
  const rows: Row[] = keys.map((key) => ({ key, value: config[key], from: origins.get(key) ?? 'default', meaning: SCHEMA[key].meaning }));
  const out = options.stdout ?? process.stdout;
  if (options.json) {
    out.write(`${JSON.stringify(Object.fromEntries(rows.map(({ key, value, from }) => [key, { value, from }])), null, 2)}\n`);
    return 0;
  }
  const width = Math.max(...rows.map((row) => row.key.length));
  for (const row of rows) out.write(`${row.key.padEnd(width)}  ${showValue(row.value)}  (${row.from})\n`);
  if (options.key !== undefined) out.write(`${' '.repeat(width)}  ${rows[0]?.meaning}\n`);
  return 0;
}
