import { checkHostFolder, hostCommand } from './host-script.js';
import { RELEASE_FUNCTIONS } from './releases.js';

/**
 * Keeping the newest folders of a host, by name (release names and run ids sort by time, and
 * the shell's glob lists them in byte order under LC_ALL=C): `keep_releases` releases, and the
 * in-place backups of the last runs. Each removal prints `removed=<name>`.
 */

/** Shell: `$n` the folders (not links) matching the glob "$1"/*. */
const COUNT_FOLDERS = 'count_folders() { n=0; for e in "$1"/*; do if [ -d "$e" ] && [ ! -L "$e" ]; then n=$((n + 1)); fi; done; }';

/**
 * Shell: remove the folders of "$1"/* but "$2" (may be empty), all but the newest `$slots`, in
 * one remove_tree (one `find` and one `rm` however many: each process costs the host), then
 * print their names, oldest first.
 */
const REMOVE_OLDEST = [
  'remove_oldest() {',
  '  from=$1 spare=$2 i=0',
  '  set --',
  '  for e in "$from"/*; do',
  '    if [ ! -d "$e" ] || [ -L "$e" ] || [ "${e##*/}" = "$spare" ]; then continue; fi',
  '    i=$((i + 1))',
  '    if [ "$i" -gt "$others" ] || [ "$i" -gt $((others - slots)) ]; then continue; fi',
  '    set -- "$@" "$e"',
  '  done',
  '  if [ "$#" -eq 0 ]; then return 0; fi',
  '  remove_tree "$@" || exit',
  '  for e in "$@"; do printf "removed=%s\\n" "${e##*/}"; done',
  '}',
  'keep=$2',
  'case $keep in ""|*[!0-9]*|0) echo "not a count of at least 1: $keep" >&2; exit 2 ;; esac',
].join('\n');

/**
 * prune: keeps the `keep` newest releases, the one `current` points to always among them
 * (counted in `keep`), and removes the others. Refuses (65), removing nothing, when `current`
 * is not a link to a release: what is live would be unknown.
 */
export const PRUNE_RELEASES_SCRIPT = [
  RELEASE_FUNCTIONS,
  COUNT_FOLDERS,
  REMOVE_OLDEST,
  'current_release',
  'count_folders "$d/releases"',
  'others=$n slots=$keep',
  'if [ -n "$live" ]; then others=$((n - 1)) slots=$((keep - 1)); fi',
  'remove_oldest "$d/releases" "$live"',
].join('\n');

/** prune backups: keeps the `keep` newest run folders of <deploy_dir>/.deploy/backups. */
export const PRUNE_BACKUPS_SCRIPT = [
  'local_path "$1"; d=$out',
  COUNT_FOLDERS,
  REMOVE_OLDEST,
  'count_folders "$d/.deploy/backups"',
  'others=$n slots=$keep',
  'remove_oldest "$d/.deploy/backups" ""',
].join('\n');

function checkKeep(keep: number): string {
  if (!Number.isInteger(keep) || keep < 1) throw new Error(`keep must be a whole number of at least 1, got ${keep}`);
  return String(keep);
}

/** The argv that keeps the `keep` newest releases of deploy_dir (current's always). */
export function buildPruneReleases(deployDir: string, keep: number): string[] {
  return hostCommand('prune-releases', PRUNE_RELEASES_SCRIPT, [checkHostFolder(deployDir), checkKeep(keep)]);
}

/** The argv that keeps the `keepRuns` newest run folders of <deploy_dir>/.deploy/backups. */
export function buildPruneBackups(deployDir: string, keepRuns: number): string[] {
  return hostCommand('prune-backups', PRUNE_BACKUPS_SCRIPT, [checkHostFolder(deployDir), checkKeep(keepRuns)]);
}

/** The names a prune removed, oldest first. */
export function parsePruned(stdout: string): { removed: string[] } {
  return {
    removed: stdout
      .split('\n')
      .filter((line) => line.startsWith('removed='))
      .map((line) => line.slice('removed='.length)),
  };
}
