import { readdirSync } from 'node:fs';
import { UserError } from '../../errors.js';
import { errorCode, readTextIfExists } from '../../lib/read-file.js';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { expandHome } from '../../lib/paths.js';
import { matchPatternList, matchWildcard } from './host-pattern.js';

/**
 * The few ssh_config(5) settings deploy honours for a host: HostName, Port, User and
 * IdentityFile. Everything else in the file is ignored. As in OpenSSH, the first value
 * obtained for a keyword wins; `Host` lines take several patterns, `*`/`?` wildcards and
 * `!` negation; `Include` is followed (with `*` globs in the file name).
 */
export interface SshConfigEntry {
  hostName?: string;
  port?: number;
  user?: string;
  /** IdentityFile values in file order, `~` and `%d`/`%h`/`%r`/`%u` expanded. */
  identityFiles: string[];
}

/** One `Keyword value` line, keyword lower-cased, value unquoted. */
export interface SshConfigLine {
  keyword: string;
  args: string[];
  /** Where the line came from (for Include recursion). */
  file: string;
}

const MAX_INCLUDE_DEPTH = 16;

/** Split an ssh_config value into words, honouring double quotes. */
export function splitConfigArgs(value: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quoted = false;
  for (const ch of value) {
    if (ch === '"') {
      quoted = !quoted;
      inWord = true;
    } else if (!quoted && /\s/.test(ch)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  return words;
}

/** Parse ssh_config text into keyword lines (comments and blank lines dropped). */
export function parseSshConfigText(text: string, file = '<text>'): SshConfigLine[] {
  const lines: SshConfigLine[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([A-Za-z]+)\s*(?:=\s*|\s+)(.*)$/.exec(line);
    if (!match) continue;
    const keyword = (match[1] ?? '').toLowerCase();
    const args = splitConfigArgs(match[2] ?? '');
    lines.push({ keyword, args, file });
  }
  return lines;
}

function expandTokens(value: string, tokens: Record<string, string>): string {
  return value.replace(/%(.)/g, (whole, letter: string) => tokens[letter] ?? whole);
}

function includeFiles(pattern: string, home: string, configDir: string): string[] {
  const expanded = expandHome(pattern, home);
  const full = isAbsolute(expanded) ? expanded : join(configDir, expanded);
  const name = basename(full);
  if (!name.includes('*') && !name.includes('?')) return [full];
  try {
    return readdirSync(dirname(full))
      .filter((entry) => matchWildcard(entry, name))
      .sort()
      .map((entry) => join(dirname(full), entry));
  } catch {
    return [];
  }
}

/**
 * Read a config file and any files it includes; a missing file is an empty config. A file
 * that exists but cannot be read is a usage error, as it is for `ssh` itself.
 */
export function readSshConfigFile(path: string, home: string, depth = 0): SshConfigLine[] {
  let text: string | undefined;
  try {
    text = readTextIfExists(path);
  } catch (error) {
    throw new UserError(`ssh_config: cannot read ${path} (${errorCode(error)})`, 'fix its permissions, or point ssh_config elsewhere');
  }
  if (text === undefined) return [];
  const result: SshConfigLine[] = [];
  for (const line of parseSshConfigText(text, path)) {
    if (line.keyword === 'include' && depth < MAX_INCLUDE_DEPTH) {
      // Relative includes are relative to ~/.ssh for the user config, like OpenSSH.
      for (const pattern of line.args) {
        for (const file of includeFiles(pattern, home, join(home, '.ssh'))) {
          result.push(...readSshConfigFile(file, home, depth + 1));
        }
      }
    } else {
      result.push(line);
    }
  }
  return result;
}

/**
 * Settings that apply to `alias` (the name deploy was given, without any `:port`).
 * `Match` blocks are skipped, except `Match all`.
 */
export function resolveSshConfig(
  lines: readonly SshConfigLine[],
  alias: string,
  context: { home: string; localUser: string },
): SshConfigEntry {
  const entry: SshConfigEntry = { identityFiles: [] };
  let active = true;
  for (const line of lines) {
    if (line.keyword === 'host') {
      active = matchPatternList(alias, line.args);
      continue;
    }
    if (line.keyword === 'match') {
      active = line.args.length === 1 && line.args[0]?.toLowerCase() === 'all';
      continue;
    }
    if (!active) continue;
    const value = line.args[0];
    if (value === undefined) continue;
    switch (line.keyword) {
      case 'hostname':
        entry.hostName ??= expandTokens(value, { h: alias, '%': '%' });
        break;
      case 'port': {
        const port = Number(value);
        if (entry.port === undefined && Number.isInteger(port) && port >= 1 && port <= 65535) {
          entry.port = port;
        }
        break;
      }
      case 'user':
        entry.user ??= value;
        break;
      case 'identityfile':
        if (value.toLowerCase() !== 'none') entry.identityFiles.push(value);
        break;
      default:
        break;
    }
  }
  const host = entry.hostName ?? alias;
  const user = entry.user ?? context.localUser;
  entry.identityFiles = entry.identityFiles.map((file) =>
    expandHome(
      expandTokens(file, { d: context.home, h: host, r: user, u: context.localUser, '%': '%' }),
      context.home,
    ),
  );
  return entry;
}
