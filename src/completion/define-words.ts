import { CONFIG_KEYS, SCHEMA } from '../config/schema.js';
import { oneLine } from '../lib/text.js';

/** One word `-D` completes: a config key, and its values when the set is fixed. */
export interface DefineWord {
  key: string;
  /** Empty when any value goes (paths, numbers, strings). */
  values: readonly string[];
  /** The key's meaning, on one line, for shells that show descriptions (zsh). */
  meaning: string;
}

/** Every key of the schema, in schema order: a new key completes without other edits. */
export function defineWords(): DefineWord[] {
  return CONFIG_KEYS.map((key) => {
    const spec = SCHEMA[key];
    return { key, values: spec.kind.values ?? [], meaning: oneLine(spec.meaning) };
  });
}

/** A shell function name for this CLI: `_deploy_<part>`. */
export function shellFunctionName(bin: string, part: string): string {
  return `_${bin.replaceAll(/[^A-Za-z0-9_]/g, '_')}_${part}`;
}
