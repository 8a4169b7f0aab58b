import { readRsyncName } from '../lib/rsync-names.js';
import { checkHostFolder, checkReleaseName, hostCommand, releasePath } from './host-script.js';
import { RELEASE_FUNCTIONS } from './releases.js';

/**
 * Carry-over, after the run's rsync built releases/<release>/<path> from the stage (with
 * `--link-dest` on the live release's <path>): what the new release must keep from the live
 * one is brought over by a host-local rsync, as hard links of the live files (never copies,
 * never written through):
 * - without delete (sync_delete off): everything under <path> the new release lacks;
 * - with delete: only what the exclude patterns match (matched as the run's rsync matches them,
 *   relative to <path>: `.git/`, `*.swp`, `/cache/`), with everything inside a matched folder.
 *   Empty folders matching a pattern are not carried (rsync's `--prune-empty-dirs`).
 * Folders the new release has keep the stage's modes and times (saved before, put back after,
 * in <deploy_dir>/.deploy/carry-<release>/). Then it prints, as rsync itemizes them
 * (`deploy-item *deleting   <name>`, names escaped as rsync does), the files, links and folders
 * of the live <path> the new release no longer has, excluded paths aside: what the run removed;
 * first a line `removed-count=<n>` (files and links), exact even when a transport cuts a long list.
 *
 * Arguments: deploy_dir, release, live release, path, `delete` or `keep`, then the patterns
 * (written to a filter file, one `- <pattern>` rule a line: a pattern cannot hold a newline).
 * Refuses (65) when the new release is missing; a live release without <path>: nothing to do.
 */
export const CARRY_OVER_SCRIPT = [
  RELEASE_FUNCTIONS,
  'rel=$2 live=$3 p=$4 mode=$5',
  'shift 5',
  'check_release "$rel"',
  'check_release "$live"',
  'case $p in /*|..|../*|*/..|*/../*|"") echo "not a path inside a release: $p" >&2; exit 2 ;; esac',
  '[ -d "$d/releases/$rel" ] || refuse "release $rel is missing: no folder $d/releases/$rel"',
  'old=$d/releases/$live/$p new=$d/releases/$rel/$p',
  'case $old in /*) ;; *) old=$(pwd)/$old ;; esac',
  '[ -e "$old" ] || [ -L "$old" ] || exit 0',
  'if [ -L "$old" ] || [ ! -d "$old" ]; then',
  '  [ ! -e "$new" ] && [ ! -L "$new" ] || exit 0',
  '  if [ "$mode" = keep ]; then cp -al -- "$old" "$new" || exit; exit 0; fi',
  '  printf "removed-count=1\\ndeploy-item *deleting   %s\\n" "${p##*/}"',
  '  exit 0',
  'fi',
  '[ -d "$new" ] && [ ! -L "$new" ] || { echo "$new is not a folder" >&2; exit 1; }',
  'work=$d/.deploy/carry-$rel',
  'remove_tree "$work"',
  'mkdir -p -- "$work" || exit',
  'for pat do printf -- "- %s\\n" "$pat"; done > "$work/excludes" || exit',
  'for pat do printf "+ %s\\n+ %s/**\\n" "$pat" "${pat%/}"; done > "$work/carried" || exit',
  'printf "+ */\\n- *\\n" >> "$work/carried" || exit',
  'rsync -rpt --filter=\'+ */\' --filter=\'- *\' -- "$new/" "$work/folders/" || exit',
  'if [ "$mode" = keep ]; then',
  '  rsync -rlpt --ignore-existing --link-dest="$old" -- "$old/" "$new/" || exit',
  'else',
  '  rsync -rlpt -m --ignore-existing --link-dest="$old" --filter="merge $work/carried" -- "$old/" "$new/" || exit',
  'fi',
  'rsync -rpt --filter=\'+ */\' --filter=\'- *\' -- "$work/folders/" "$new/" || exit',
  'rsync -rln --dry-run --delete --existing --ignore-existing --filter="merge $work/excludes" --out-format=\'deploy-item %i %n\' -- "$new/" "$old/" > "$work/removed" || exit',
  'count=$(grep -c \'^deploy-item \\*deleting .*[^/]$\' "$work/removed") || count=0',
  'printf "removed-count=%s\\n" "$count"',
  'cat -- "$work/removed" || exit',
  'remove_tree "$work"',
].join('\n');

export interface CarryOverOptions {
  /** sync_delete: carry only what `exclude` matches; otherwise everything the new release lacks. */
  delete: boolean;
  /** sync_exclude: rsync-style patterns, relative to the synced folder. */
  exclude: readonly string[];
}

/** The argv that completes releases/<release>/<path> from releases/<live>/<path> (see CARRY_OVER_SCRIPT). */
export function buildCarryOver(deployDir: string, release: string, live: string, path: string, options: CarryOverOptions): string[] {
  for (const pattern of options.exclude) {
    if (pattern === '' || pattern.includes('\n') || pattern.includes('\0')) throw new Error(`not an exclude pattern: ${JSON.stringify(pattern)}`);
  }
  return hostCommand('carry-over', CARRY_OVER_SCRIPT, [
    checkHostFolder(deployDir),
    checkReleaseName(release),
    checkReleaseName(live),
    releasePath(path),
    options.delete ? 'delete' : 'keep',
    ...options.exclude,
  ]);
}

const ITEM = 'deploy-item ';

/**
 * What the new release no longer has under <path> (files and links; folders are not counted),
 * relative to <path>; `removedCount` is the host's count, exact even when the list was cut.
 */
export function parseCarryOver(stdout: string): { removed: string[]; removedCount: number } {
  const removed: string[] = [];
  let removedCount: number | undefined;
  for (const line of stdout.split('\n')) {
    const count = /^removed-count=(\d+)$/.exec(line);
    if (count !== null && removedCount === undefined) removedCount = Number(count[1]);
    if (!line.startsWith(`${ITEM}*deleting`)) continue;
    const name = readRsyncName(line.slice(ITEM.length + 12));
    if (!name.endsWith('/')) removed.push(name);
  }
  return { removed, removedCount: removedCount ?? removed.length };
}
