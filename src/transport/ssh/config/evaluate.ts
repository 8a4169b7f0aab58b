import { fstatSync, openSync, readFileSync, closeSync } from 'node:fs';
import { errorCode } from '../../../lib/read-file.js';
import { matchPattern } from '../host-pattern.js';
import { type Collected, applyKeyword } from './apply-keyword.js';
import { SshConfigError, atLine } from './errors.js';
import { configPermissionsOk } from './file-permissions.js';
import { globPaths } from './glob.js';
import { type ConfigLine, parseConfigText } from './lines.js';
import { evaluateMatch } from './match.js';
import { expandTilde, expandTokens } from './tokens.js';

/**
 * Reads ssh_config files for one host the way OpenSSH 9's readconf.c does: `Host` and `Match`
 * switch lines on and off, an `Include` is read where it stands (globs in any part of the
 * path, relative to ~/.ssh or /etc/ssh), an included file cannot change whether the lines
 * after the `Include` apply, and an `Include` in a block that does not apply is read only for
 * its syntax.
 */
export interface ConfigSource {
  path: string;
  /** `-F`-like (the deploy config named it): must exist. */
  explicit: boolean;
  /** The user's config (vs /etc/ssh/ssh_config): relative includes are under ~/.ssh. */
  user: boolean;
  /** Refuse it unless owned by root or this user and not writable by others (~/.ssh/config). */
  checkPermissions: boolean;
}

export interface EvaluateContext {
  originalHost: string;
  localUser: string;
  home: string;
  uid: number;
  /** Parsed files, kept for the run: every host reads the same files. */
  cache?: ConfigFileCache;
}

/** Parsed config files by path (undefined: missing), or why one cannot be used. */
export type ConfigFileCache = Map<string, ConfigLine[] | undefined | SshConfigError>;

interface Flags {
  user: boolean;
  neverMatch: boolean;
}

const MAX_DEPTH = 16;

export function evaluateConfig(sources: readonly ConfigSource[], state: Collected, context: EvaluateContext): void {
  for (const source of sources) {
    const lines = cachedLines(context, source.path, () => readConfig(source.path, source.checkPermissions, context.uid, source.explicit));
    if (lines === undefined) continue;
    const active = { value: true };
    processLines(lines, state, context, { user: source.user, neverMatch: false }, active, 0);
  }
}

function processLines(lines: readonly ConfigLine[], state: Collected, context: EvaluateContext, flags: Flags, active: { value: boolean }, depth: number): void {
  for (const line of lines) {
    if (line.error !== undefined) throw new SshConfigError(atLine(line, line.error));
    switch (line.keyword) {
      case 'host':
        active.value = !flags.neverMatch && hostLineMatches(line, context.originalHost);
        break;
      case 'match': {
        const matched = evaluateMatch(line, {
          host: state.hostName !== undefined ? expandTokens(state.hostName, { h: context.originalHost }) : context.originalHost,
          originalHost: context.originalHost,
          user: state.user ?? context.localUser,
          localUser: context.localUser,
        });
        active.value = !flags.neverMatch && matched;
        break;
      }
      case 'include':
        include(line, state, context, flags, active, depth);
        break;
      default:
        applyKeyword(line, state, active.value, flags.user);
    }
  }
}

/** A Host line: any plain pattern matching the host as given, unless a negated one matches. */
function hostLineMatches(line: ConfigLine, host: string): boolean {
  let matched = false;
  for (const arg of line.args) {
    if (arg === '') throw new SshConfigError(atLine(line, 'keyword host empty argument'));
    const negated = arg.startsWith('!');
    if (matchPattern(host, negated ? arg.slice(1) : arg)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

function include(line: ConfigLine, state: Collected, context: EvaluateContext, flags: Flags, active: { value: boolean }, depth: number): void {
  if (depth + 1 > MAX_DEPTH) throw new SshConfigError(atLine(line, 'Too many recursive configuration includes'));
  for (const arg of line.args) {
    if (arg === '') throw new SshConfigError(atLine(line, 'keyword include empty argument'));
    if (arg.startsWith('~') && !flags.user) throw new SshConfigError(atLine(line, `bad include path ${arg}.`));
    const anchored = arg.startsWith('/') || arg.startsWith('~') ? arg : `${flags.user ? '~/.ssh' : '/etc/ssh'}/${arg}`;
    const wasActive = active.value;
    for (const path of globPaths(expandTilde(anchored, context.home))) {
      const lines = cachedLines(context, path, () => readConfig(path, true, context.uid, false, line));
      if (lines !== undefined) {
        const inner = { user: flags.user, neverMatch: flags.neverMatch || !wasActive };
        processLines(lines, state, context, inner, active, depth + 1);
      }
      // An included file's Host/Match lines never change whether the including block applies.
      active.value = wasActive;
    }
  }
}

/** A file's lines, read once per cache. */
function cachedLines(context: EvaluateContext, path: string, read: () => string | undefined): ConfigLine[] | undefined {
  let entry = context.cache?.get(path);
  if (entry === undefined && !context.cache?.has(path)) {
    try {
      const text = read();
      entry = text === undefined ? undefined : parseConfigText(text, path);
    } catch (error) {
      if (!(error instanceof SshConfigError)) throw error;
      entry = error;
    }
    context.cache?.set(path, entry);
  }
  if (entry instanceof SshConfigError) throw entry;
  return entry;
}

/**
 * A config file's text; undefined when it is missing (or, for the default ~/.ssh/config,
 * unreadable: ssh then ignores it too, so deploy refuses rather than guess).
 */
function readConfig(path: string, checkPermissions: boolean, uid: number, mustExist: boolean, from?: ConfigLine): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT' && !mustExist) return undefined;
    const where = from !== undefined ? atLine(from, '') : '';
    throw new SshConfigError(`${where}cannot open ssh config file ${path} (${code})`);
  }
  try {
    const stat = fstatSync(fd);
    if (checkPermissions && !configPermissionsOk(stat, uid)) {
      throw new SshConfigError(`Bad owner or permissions on ${path} (ssh refuses it too: it must be owned by you or root and not writable by others)`);
    }
    if (stat.isDirectory()) return '';
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}
