import { z } from 'zod';
import { UserError } from '../errors.js';
import { normalizeHosts, readHostFile } from './hosts.js';
import { check, fail, type Kind, type ValueSource } from './kinds.js';

/** The kinds of the list keys: host lists, lists of strings, named pools of hosts. */

/** `-D key:[...]`: any list key takes a JSON array after the colon (items may hold commas). */
function jsonArray(raw: string, source: ValueSource, expected: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return fail(source, expected, raw);
  }
  return Array.isArray(parsed) ? parsed : fail(source, expected, raw);
}

const isJsonArray = (raw: string): boolean => raw.trim().startsWith('[');

/** A list of hosts: a JSON array, or a host file. `-D`: comma-separated, a JSON array, or `@file`. */
export const hostsKind: Kind<string[]> = {
  type: 'hosts or host file',
  expected: 'a list of hosts or the path of a host file',
  fromJson: (value, source) => {
    if (typeof value === 'string') return normalizeHosts(source.key, readHostFile(source.key, value, source.baseDir));
    const list = check(z.array(z.string()), value, source, hostsKind.expected);
    return normalizeHosts(source.key, list);
  },
  fromDefine: (raw, source) => {
    if (raw.startsWith('@')) return normalizeHosts(source.key, readHostFile(source.key, raw.slice(1), source.baseDir));
    if (isJsonArray(raw)) return hostsKind.fromJson(jsonArray(raw, source, hostsKind.expected), source);
    const list = raw
      .split(',')
      .map((host) => host.trim())
      .filter((host) => host !== '');
    return normalizeHosts(source.key, list);
  },
};

/**
 * A plain `-D` value of a list key other than a host list is one item, and a comma in it is
 * refused: comma-separated hosts are a list, so `-D redact_patterns:a,b` would read as two items
 * to some and one (with a comma) to the parser, and a guess could let a secret through. The
 * JSON-array form says which is meant.
 */
export function oneDefinedItem(raw: string, source: ValueSource, expected: string): string {
  if (!raw.includes(',')) return raw;
  const items = JSON.stringify(raw.split(','));
  throw new UserError(
    `-D ${source.key}:${raw}: a comma is ambiguous in ${expected}; write a JSON array: -D '${source.key}:${items}' for ${raw.split(',').length} items, ` +
      `or -D '${source.key}:${JSON.stringify([raw])}' for one item holding a comma`,
  );
}

/** A list of strings (shell commands, patterns). `-D`: a JSON array, or one item without a comma. */
export function listKind(itemExpected: string, item: z.ZodType<string> = z.string().min(1)): Kind<string[]> {
  const expected = `a list of ${itemExpected}`;
  const schema = z.array(item);
  return {
    type: `list of ${itemExpected}`,
    expected,
    fromJson: (value, source) => check(schema, value, source, expected),
    fromDefine: (raw, source) => {
      if (raw.trim() === '') return [];
      const items = isJsonArray(raw) ? jsonArray(raw, source, expected) : [oneDefinedItem(raw, source, expected)];
      return check(schema, items, source, expected);
    },
  };
}

/** Pool names: what a deployer can type and every output can show unquoted. */
const POOL_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/**
 * Named pools of hosts: `{"name": [hosts] | "host file"}`, each value read like `targets`.
 * A host in two pools is an error naming both. `-D pools:{...}`: a JSON object.
 */
export const poolsKind: Kind<Record<string, string[]>> = {
  type: 'object of host lists or host files',
  expected: 'an object mapping pool names to a list of hosts or the path of a host file',
  fromJson: (value, source) => {
    const object = check(z.record(z.string(), z.unknown()), value, source, poolsKind.expected);
    const owner = new Map<string, string>();
    const pools: Record<string, string[]> = {};
    for (const [name, hosts] of Object.entries(object)) {
      if (!POOL_NAME.test(name)) fail(source, `pool names of letters, digits, ".", "_" and "-"`, name);
      const list = hostsKind.fromJson(hosts, { ...source, key: `${source.key}.${name}` });
      for (const host of list) {
        const other = owner.get(host);
        if (other !== undefined && other !== name) {
          throw new UserError(`${source.key}: host ${host} is in two pools, ${other} and ${name} (${source.origin})`, 'each host belongs to at most one pool');
        }
        owner.set(host, name);
      }
      pools[name] = list;
    }
    return pools;
  },
  fromDefine: (raw, source) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return fail(source, poolsKind.expected, raw);
    }
    return poolsKind.fromJson(parsed, source);
  },
};
