import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from '../errors.js';
import { parseHostPort } from '../lib/host-port.js';

const NAME_PATTERN = /^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;

/** True when `host` is `name` or `name:port` with a name that needs no quoting anywhere. */
export function isValidHost(host: string): boolean {
  const parsed = parseHostPort(host);
  return parsed !== undefined && NAME_PATTERN.test(parsed.name);
}

/** The name part of `name:port`. */
export function hostName(host: string): string {
  return parseHostPort(host)?.name ?? host;
}

/** Parse a host file: one host per line, `#` comments and blank lines ignored. */
export function parseHostFile(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line !== '');
}

/** Read a host file, naming the config key in any error. */
export function readHostFile(key: string, path: string, baseDir: string): string[] {
  const full = resolve(baseDir, path);
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch (error) {
    throw new UserError(`${key}: cannot read host file ${full}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return parseHostFile(text);
}

/** Check each host's syntax and drop repeats, keeping the first place each host stands. */
export function normalizeHosts(key: string, hosts: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const host of hosts) {
    if (!isValidHost(host)) {
      throw new UserError(`${key}: "${host}" is not a host (expected name or name:port)`);
    }
    seen.add(host);
  }
  return [...seen];
}
