import { posix } from 'node:path';
import { buildRestoreInPlace, type RestoreEntry } from '../../remote-commands/in-place-restore.js';
import { restoreManifest } from '../../remote-commands/in-place-restore.js';
import { refusalReason } from '../../remote-commands/host-script.js';
import type { HostContext, TaskResult } from '../../rollout/types.js';
import { type ChangeSet, type InPlaceChange, readChangeSet } from '../../state/kept-trees.js';
import type { Transport } from '../../transport/types.js';
import { runHostScript } from './release-tasks.js';

/** The restore manifest's entries for a change set (remote-commands/in-place-restore). */
export function restoreEntries(changes: ChangeSet): RestoreEntry[] {
  const added = new Set(changes.added);
  const entries: RestoreEntry[] = changes.wrote.map(([path, content]): RestoreEntry => {
    if (content.startsWith('->')) return { kind: added.has(path) ? 'added-link' : 'written-link', path, target: content.slice(2) };
    return { kind: added.has(path) ? 'added' : 'written', path, sha256: content };
  });
  for (const path of changes.removed) entries.push({ kind: 'removed', path });
  for (const path of changes.folders ?? []) entries.push({ kind: 'added-folder', path });
  return entries;
}

/**
 * In-place: put back on one host what a run replaced and removed (from the host's backup of
 * that run) and remove what it added, only while every file it wrote is still its own. The
 * manifest the host checks against is written next to the backups first, and removed after.
 */
export async function restoreInPlace(
  transport: Transport,
  host: string,
  change: InPlaceChange,
  restore: { runId: string; folder: string },
  context: HostContext,
): Promise<TaskResult> {
  const changes = await readChangeSet(restore.folder, change.changes);
  const backups = change.backupDir.slice(0, change.backupDir.indexOf(`/${restore.runId}`));
  const manifest = posix.join(backups, `.restore-${restore.runId}.manifest`);
  const signal = context.signal;
  await transport.writeFile(host, manifest, Buffer.from(restoreManifest(restoreEntries(changes))), { mode: 0o600, signal });
  try {
    const path = (remote: string): string => transport.commandPath(host, remote);
    const argv = buildRestoreInPlace(path(change.destination), path(change.backupDir), path(manifest));
    const result = await transport.exec(host, argv, { signal, onRetry: (attempt, error, delayMs) => context.retrying(attempt, error, delayMs) });
    const refused = refusalReason(result);
    if (refused !== undefined) return { outcome: 'skipped', error: refused.replace(/^changed since run/, `changed since run ${restore.runId}`) };
    if (result.exitCode !== 0) await runHostScript(transport, host, argv, 'restoring the tree', context);
    return { outcome: 'ok' };
  } finally {
    await transport.removeFile(host, manifest, { signal }).catch(() => undefined);
  }
}
