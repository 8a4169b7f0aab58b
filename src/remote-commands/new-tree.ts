import { posix } from 'node:path';
import { checkHostFolder, hostCommand, keyValues } from './host-script.js';

/**
 * In-place, a tree the host does not have yet: rsync writes it whole into a new folder beside
 * where it goes (`.<name>.deploy-new-<run id>`, which nothing reads, so no `--delay-updates`),
 * and one rename puts that folder in place: the tree appears all at once, as no per-file
 * renaming at the end could make it. Two host scripts frame that sync:
 *
 * - probe: removes the new-tree folders runs left beside the destination (a transfer stopped
 *   half-way: the next run leaves no temporary behind), then says whether the destination
 *   exists (`present=yes`: anything there, a dangling link included, takes the usual sync) or
 *   not (`present=no`).
 * - place: renames the new folder to the destination (`placed=yes`). `rename(2)` refuses a
 *   destination that came meanwhile and is not an empty folder; then the new folder is removed
 *   and `placed=no`: the usual sync follows.
 */

/** The folder a new tree is written into on the host, beside `destination` (the tree's folder). */
export function newTreeFolder(destination: string, runId: string): string {
  const dest = checkHostFolder(destination);
  if (runId === '' || runId.includes('/') || runId.includes('\n')) throw new Error(`not a run id: ${JSON.stringify(runId)}`);
  return posix.join(posix.dirname(dest), `${NEW_PREFIX(dest)}${runId}`);
}

const NEW_PREFIX = (destination: string): string => `.${posix.basename(destination)}.deploy-new-`;

const PROBE_SCRIPT = [
  'dest=$1; prefix=$2',
  'for left in "$prefix"*; do',
  '  if [ -d "$left" ] && [ ! -L "$left" ]; then remove_tree "$left" || exit 1; fi',
  'done',
  'if [ -e "$dest" ] || [ -L "$dest" ]; then echo present=yes; else echo present=no; fi',
].join('\n');

const PLACE_SCRIPT = [
  'new=$1; dest=$2',
  'if mv -T -- "$new" "$dest" 2>/dev/null; then echo placed=yes; exit 0; fi',
  'remove_tree "$new" || exit 1',
  'echo placed=no',
].join('\n');

/** Whether the host has `destination`, after clearing what earlier new-tree syncs left beside it. */
export function buildProbeTree(destination: string): string[] {
  const dest = checkHostFolder(destination);
  if (dest === '/') throw new Error('the root folder cannot be a new tree');
  return hostCommand('probe-tree', PROBE_SCRIPT, [dest, posix.join(posix.dirname(dest), NEW_PREFIX(dest))]);
}

/** Rename the new tree's folder `folder` to `destination`, or remove it when the destination came meanwhile. */
export function buildPlaceTree(folder: string, destination: string): string[] {
  return hostCommand('place-tree', PLACE_SCRIPT, [checkHostFolder(folder), checkHostFolder(destination)]);
}

/** A probe's or a placing's answer: true (present / placed), false, or undefined when the script did not say. */
export function parseYesNo(stdout: string, key: 'present' | 'placed'): boolean | undefined {
  const value = keyValues(stdout).get(key);
  return value === 'yes' ? true : value === 'no' ? false : undefined;
}
