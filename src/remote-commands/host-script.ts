import { posix } from 'node:path';

/**
 * What the host scripts of trees (releases.ts, release-carry-over.ts, release-prune.ts,
 * in-place-restore.ts) share: how they are run, how a host refuses, and the shell functions
 * every one of them starts with. Each command is `sh -c <fixed script> deploy-<name> <args>`:
 * the script text never changes with the input, every input is a positional parameter
 * (quoted by the transport), so nothing a user typed is read by a shell.
 *
 * Exit status: 0 done; REFUSED_STATUS (65) this host refuses and nothing was touched, the
 * reason is the last line of stderr; anything else is an error (the tool's own message on
 * stderr).
 */
export const REFUSED_STATUS = 65;

/**
 * Shell functions, fixed text put at the top of each script:
 * - `refuse <words>`: print them as one line on stderr (newlines made spaces), exit 65;
 * - `local_path <path>`: sets `$out` to the path with `./` before a relative one (so neither
 *   rsync, which reads `a:b` as a host, nor an option parser sees it as anything but a path);
 * - `read_link <link>`: sets `$out` to the link's exact target (trailing newlines kept);
 * - `remove_tree <path>...`: gives write permission back to their folders (never to files: they
 *   may be hard links shared with a live release), then removes them (one `find` and one `rm`
 *   for all).
 */
export const SHELL_PRELUDE = [
  'set -u',
  'LC_ALL=C',
  'export LC_ALL',
  `refuse() { printf '%s' "$*" | tr '\\n' ' ' >&2; printf '\\n' >&2; exit ${REFUSED_STATUS}; }`,
  'local_path() { case $1 in /*) out=$1 ;; *) out=./$1 ;; esac; }',
  'read_link() { out=$(readlink -- "$1" && echo .) || return 1; out=${out%??}; }',
  'remove_tree() { find "$@" -type d ! -perm -u=w -exec chmod u+w {} + 2>/dev/null; rm -rf -- "$@"; }',
].join('\n');

/** The argv of a host script: `sh -c <prelude + body> deploy-<name> <args>`. */
export function hostCommand(name: string, body: string, args: readonly string[]): string[] {
  return ['sh', '-c', `${SHELL_PRELUDE}\n${body}`, `deploy-${name}`, ...args];
}

/** The argv that removes the folder `path` on a host with remove_tree: read-only folders in it included, as `rm -rf` alone (not root) cannot. */
export function buildRemoveTree(path: string): string[] {
  return hostCommand('remove-tree', 'local_path "$1"\nremove_tree "$out"', [checkHostFolder(path)]);
}

/** What a host said when it refused (exit 65): the last line of its stderr; undefined otherwise. */
export function refusalReason(result: { exitCode: number; stderr: string }): string | undefined {
  if (result.exitCode !== REFUSED_STATUS) return undefined;
  const lines = result.stderr.split('\n').filter((line) => line.trim() !== '');
  return lines.at(-1) ?? 'refused (no reason given)';
}

/** The values of `key=value` lines of a script's stdout, by key (the first line of each key wins). */
export function keyValues(stdout: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0 && !values.has(line.slice(0, at))) values.set(line.slice(0, at), line.slice(at + 1));
  }
  return values;
}

/** A release name is one path component: not empty, no `/`, not `.` or `..`, no newline. */
export function checkReleaseName(name: string): string {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\n') || name.includes('\0')) {
    throw new Error(`not a release name: ${JSON.stringify(name)}`);
  }
  return name;
}

/**
 * A path relative to the release root, normalized: `.` for the whole tree, otherwise no
 * leading `/` or `./`, no trailing `/`, and nothing that climbs out (`..`).
 */
export function releasePath(path: string): string {
  const normalized = posix.normalize(path.replace(/^\/+/, '')).replace(/\/+$/, '');
  if (normalized === '' || normalized === '.') return '.';
  if (normalized === '..' || normalized.startsWith('../') || path.includes('\0')) throw new Error(`not a path inside a release: ${JSON.stringify(path)}`);
  return normalized;
}

/**
 * A folder on the host, as the transport names it (ssh: absolute; local: may be relative to the
 * command's working folder, which the scripts read as `./<path>`): not empty, no NUL, no
 * trailing `/`.
 */
export function checkHostFolder(path: string): string {
  if (path === '' || path.includes('\0')) throw new Error(`not a folder: ${JSON.stringify(path)}`);
  return path.length > 1 ? path.replace(/\/+$/, '') || '/' : path;
}
