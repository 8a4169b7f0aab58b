import { resolve } from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { parseHostPort } from '../lib/host-port.js';
import { expandHome } from '../lib/paths.js';

/** Where a value came from: paths and host files are relative to `baseDir`. */
export interface ValueSource {
  key: string;
  baseDir: string;
  /** "/etc/scap.config.json", "-D", ...: named in errors. */
  origin: string;
  /** The key's meaning from the schema: the hint of a bad value's error. */
  meaning?: string;
}

/** One kind of config value: how to read it from JSON, and from a `-D key:value` string. */
export interface Kind<T> {
  /** What a valid value looks like, for error messages. */
  expected: string;
  /** The type as the README's table and `deploy config` name it: `path`, `seconds`, ... */
  type: string;
  fromJson(value: unknown, source: ValueSource): T;
  fromDefine(raw: string, source: ValueSource): T;
  /** Every value a `-D key:value` may take, when the set is fixed: shell completion offers them. */
  values?: readonly string[];
}

/** A count that may be a percentage of the hosts in a phase ("10%"). */
export interface Count {
  value: number;
  percent: boolean;
}

export function fail(source: ValueSource, expected: string, got: unknown): never {
  const shown = typeof got === 'string' ? JSON.stringify(got) : (JSON.stringify(got) ?? String(got));
  throw new UserError(`${source.key}: expected ${expected}, got ${shown} (${source.origin})`, source.meaning ? `${source.key}: ${source.meaning}` : undefined);
}

export function check<T>(schema: z.ZodType<T>, value: unknown, source: ValueSource, expected: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) fail(source, expected, value);
  return parsed.data;
}

function kind<T>(type: string, expected: string, schema: z.ZodType<T>, coerce: (raw: string) => unknown): Kind<T> {
  return {
    type,
    expected,
    fromJson: (value, source) => check(schema, value, source, expected),
    fromDefine: (raw, source) => {
      // Check the coerced value, but name what the user typed.
      const parsed = schema.safeParse(coerce(raw));
      if (!parsed.success) fail(source, expected, raw);
      return parsed.data;
    },
  };
}

/** Plain decimal numbers only: `0x16` or `1e3` are not what a deployer means by a port. */
const numberFrom = (raw: string): unknown => (/^\s*-?\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : raw);

export const stringKind = kind('string', 'a string', z.string(), (raw) => raw);

/** `host` or `host:port` (a statsd server), or empty for off. */
export const hostPortKind = kind(
  '`host[:port]`',
  'host or host:port (port 1-65535), or empty for off',
  z.string().refine((value) => value === '' || (!/\s/.test(value) && parseHostPort(value)?.name !== undefined && parseHostPort(value)?.name !== '')),
  (raw) => raw.trim(),
);

/** One ProxyJump hop: `[ssh://][user@]host[:port]`, the host possibly `[ipv6]`. */
const JUMP_HOP = /^(ssh:\/\/)?([^@\s,]+@)?(\[[^\]\s]+\]|[^:@\s,[\]/]+)(:\d{1,5})?\/?$/;

/** ssh_proxy_jump: hops `[user@]host[:port]`, comma-separated, first hop first; or `none`. */
export const proxyJumpKind = kind(
  '`[user@]host[:port],...` or `none`',
  '[user@]host[:port], several comma-separated, or none',
  z.string().refine((value) => value.trim().toLowerCase() === 'none' || value.split(',').every((hop) => JUMP_HOP.test(hop.trim()))),
  (raw) => raw.trim(),
);

export function enumKind<const V extends string>(values: readonly [V, ...V[]]): Kind<V> {
  const names = values.map((v) => `"${v}"`).join(' or ');
  return { ...kind(names, names, z.enum(values), (raw) => raw), values };
}

export function intKind(min = 0): Kind<number> {
  return kind('integer', `an integer >= ${min}`, z.number().int().min(min).max(Number.MAX_SAFE_INTEGER), numberFrom);
}

/** A TCP port. */
export const portKind = kind('port', 'a port from 1 to 65535', z.number().int().min(1).max(65535), numberFrom);

/** Node's timers hold at most 2^31-1 ms; a longer limit would fire at once. */
export const MAX_SECONDS = Math.floor((2 ** 31 - 1) / 1000);
export const secondsKind = kind('seconds', `a number of seconds from 0 to ${MAX_SECONDS}`, z.number().min(0).max(MAX_SECONDS), numberFrom);

const TRUE = ['1', 'yes', 'true', 'on'];
const FALSE = ['0', 'no', 'false', 'off'];
export const boolKind: Kind<boolean> = {
  ...kind('boolean', 'a boolean (true/false, yes/no, on/off, 1/0)', z.boolean(), (raw) => {
    const word = raw.trim().toLowerCase();
    if (TRUE.includes(word)) return true;
    if (FALSE.includes(word)) return false;
    return raw;
  }),
  values: ['true', 'false'],
};

/** A path on this machine: `~` expanded, relative paths taken from the source's folder. */
export const localPathKind: Kind<string> = {
  type: 'path',
  expected: 'a path',
  fromJson: (value, source) => resolve(source.baseDir, expandHome(check(z.string().min(1), value, source, 'a path'))),
  fromDefine: (raw, source) => localPathKind.fromJson(raw, source),
};

/** A path on this machine that may be empty, meaning "off". */
export const optionalLocalPathKind: Kind<string> = {
  type: 'path',
  expected: 'a path, or empty for off',
  fromJson: (value, source) => (value === '' ? '' : localPathKind.fromJson(value, source)),
  fromDefine: (raw, source) => optionalLocalPathKind.fromJson(raw, source),
};

/** A path on the hosts: kept as written, must be absolute. */
export const remotePathKind = kind('absolute path', 'an absolute path on the hosts', z.string().startsWith('/'), (raw) => raw);

const COUNT_EXPECTED = 'an integer or a percentage like "10%"';
function countKind(min: number): Kind<Count> {
  const parse = (value: unknown, source: ValueSource): Count => {
    if (typeof value === 'number' && Number.isInteger(value) && value >= min) return { value, percent: false };
    if (typeof value === 'string') {
      const match = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(value);
      if (match) {
        const number = Number(match[1]);
        const percent = match[2] === '%';
        if ((percent && (min > 0 ? number > 0 : number >= 0) && number <= 100) || (!percent && Number.isInteger(number) && number >= min)) {
          return { value: number, percent };
        }
      }
    }
    return fail(source, `${COUNT_EXPECTED}${min > 0 ? ` (at least ${min})` : ''}`, value);
  };
  return { type: 'integer or `"N%"`', expected: COUNT_EXPECTED, fromJson: parse, fromDefine: parse };
}
export const concurrencyKind = countKind(1);
export const limitKind = countKind(0);
