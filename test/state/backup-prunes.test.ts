import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backupPruneDue, noteBackupPrune, PRUNE_EVERY } from '../../src/state/backup-prunes.js';
import { useTempDirs } from '../helpers/temp-dirs.js';

const tempDir = useTempDirs();

/** Run `count` runs on `deployDir` as a run does: ask, then note whether it pruned; which of them pruned. */
async function runs(folder: string, deployDir: string, count: number): Promise<boolean[]> {
  const pruned: boolean[] = [];
  for (let run = 0; run < count; run++) {
    const due = await backupPruneDue(folder, deployDir);
    await noteBackupPrune(folder, deployDir, due);
    pruned.push(due);
  }
  return pruned;
}

describe('which in-place runs prune old backups', () => {
  it('the first run from this machine, then every fifth, per deploy_dir, in an owner-only record', async () => {
    // Given no record yet
    const folder = join(await tempDir('deploy-backup-prunes-'), 'backup-prunes');
    // When eleven runs go to /srv/app, and two to /srv/other after the first five
    const app = await runs(folder, '/srv/app', 5);
    const other = await runs(folder, '/srv/other', 2);
    app.push(...(await runs(folder, '/srv/app', 6)));
    // Then /srv/app pruned on runs 1, 6 and 11, /srv/other on its own first
    expect(PRUNE_EVERY).toBe(5);
    expect(app.flatMap((due, index) => (due ? [index + 1] : []))).toEqual([1, 6, 11]);
    expect(other).toEqual([true, false]);
    expect((await stat(folder)).mode & 0o777).toBe(0o700);
    for (const name of await readdir(folder)) expect((await stat(join(folder, name))).mode & 0o777).toBe(0o600);
  });

  it('a damaged record, or one for another folder, makes the next run prune', async () => {
    // Given a record counting runs, then damaged
    const folder = join(await tempDir('deploy-backup-prunes-'), 'backup-prunes');
    await runs(folder, '/srv/app', 2);
    expect(await backupPruneDue(folder, '/srv/app')).toBe(false);
    const [file] = await readdir(folder);
    await writeFile(join(folder, file as string), '{"deployDir": "/srv/app", "runs": -1}\n');
    // Then the next run prunes, as it would with no record
    expect(await backupPruneDue(folder, '/srv/app')).toBe(true);
    await writeFile(join(folder, file as string), '{"deployDir": "/srv/elsewhere", "runs": 1}\n');
    expect(await backupPruneDue(folder, '/srv/app')).toBe(true);
  });
});
