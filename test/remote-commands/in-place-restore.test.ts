import { createHash } from 'node:crypto';
import { lstat, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { REFUSED_STATUS, refusalReason } from '../../src/remote-commands/host-script.js';
import { buildRestoreInPlace, parseRestore, RESTORE_SCRIPT, type RestoreEntry, restoreManifest } from '../../src/remote-commands/in-place-restore.js';
import { renderCommand } from '../../src/transport/quote.js';
import { makeTempDir } from '../helpers/cli.js';
import { fingerprint, readTree, run, writeTree } from './host-tree.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');
/** Names a shell would trip on: a space, quotes, a newline, a backslash, a leading dash. */
const ODD = '-x \'q\' "d"\nz\\n.php';

/** The host's tree before the run, the stage the run syncs, and what the run's manifest says it did. */
const BEFORE = { 'index.php': 'old index', [`lib/${ODD}`]: 'old odd', 'lib/gone.php': 'gone', 'lib/l': { link: 'index.php' }, 'keep.php': 'same' };
const STAGE = { 'index.php': 'the new index', [`lib/${ODD}`]: 'new odd!', 'lib/l': { link: 'a b/c\\d' }, 'keep.php': 'same', 'new/deep/added.php': 'added' };
const MANIFEST: RestoreEntry[] = [
  { kind: 'written', path: 'index.php', sha256: sha('the new index') },
  { kind: 'written', path: `lib/${ODD}`, sha256: sha('new odd!') },
  { kind: 'written-link', path: 'lib/l', target: 'a b/c\\d' },
  { kind: 'removed', path: 'lib/gone.php' },
  { kind: 'added', path: 'new/deep/added.php', sha256: sha('added') },
  { kind: 'added-folder', path: 'new' },
  { kind: 'added-folder', path: 'new/deep' },
];

/** A host folder after an in-place run (rsync --backup-dir, as the run's), with the manifest written. */
async function afterRun(): Promise<{ dest: string; backup: string; manifest: string; original: Record<string, string> }> {
  dir = await makeTempDir('deploy-restore-');
  const deployDir = join(dir, "-my app's\ndeploy");
  const dest = join(deployDir, 'php');
  await writeTree(dest, BEFORE);
  await execa('touch', ['-d', '2026-01-02 03:04:05', join(dest, 'index.php')]);
  const original = { ...(await readTree(dest)), mtime: String((await lstat(join(dest, 'index.php'))).mtimeMs) };
  const stage = join(dir, 'stage');
  await writeTree(stage, STAGE);
  await execa('touch', ['-r', join(dest, 'keep.php'), join(stage, 'keep.php')]);
  const backup = join(deployDir, '.deploy/backups/20261207-041500-4f2a/php');
  const manifest = join(deployDir, '.deploy/backups/20261207-041500-4f2a.manifest');
  await writeTree(join(deployDir, '.deploy/backups'), {});
  await writeFile(manifest, restoreManifest(MANIFEST));
  await execa('rsync', ['-rlpt', '--delay-updates', '--delete', '--delete-delay', '--backup', `--backup-dir=${backup}`, '--', `${stage}/`, `${dest}/`]);
  return { dest, backup, manifest, original };
}

describe('restoreManifest and buildRestoreInPlace', () => {
  it('writes one escaped record a line, folders last and deepest first', () => {
    expect(restoreManifest(MANIFEST).split('\n')).toEqual([
      'deploy-restore-manifest 1',
      `W ${sha('the new index')} index.php`,
      `W ${sha('new odd!')} lib/-x 'q' "d"\\nz\\\\n.php`,
      'WL a\\040b/c\\\\d lib/l',
      'R - lib/gone.php',
      `A ${sha('added')} new/deep/added.php`,
      'D - new/deep',
      'D - new',
      '',
    ]);
    expect(() => restoreManifest([{ kind: 'removed', path: '../etc/passwd' }])).toThrow(/not a path in the tree/);
  });

  it('passes the folder, the backup and the manifest as words after a fixed script', () => {
    const argv = buildRestoreInPlace('/srv/app/php', '/srv/app/.deploy/backups/r1/php', '/srv/app/.deploy/backups/r1.manifest');
    expect(argv[2]).toContain(RESTORE_SCRIPT);
    expect(renderCommand(argv.slice(3))).toBe('deploy-restore-in-place /srv/app/php /srv/app/.deploy/backups/r1/php /srv/app/.deploy/backups/r1.manifest');
  });
});

describe('restore in place', () => {
  it('puts back byte for byte what the run replaced and removed, and removes what it added', async () => {
    // Given a host folder after a run that replaced, removed and added files and a link
    const { dest, backup, manifest, original } = await afterRun();
    expect(await readFile(join(dest, 'index.php'), 'utf8')).toBe('the new index');
    // When restored
    const result = await run(buildRestoreInPlace(dest, backup, manifest));
    // Then the folder is what it was (contents, modes, links, times), and the counts are printed
    expect(result.exitCode, result.stderr).toBe(0);
    expect(parseRestore(result.stdout)).toEqual({ restored: 4, removed: 1 });
    expect({ ...(await readTree(dest)), mtime: String((await lstat(join(dest, 'index.php'))).mtimeMs) }).toEqual(original);
    expect(await readlink(join(dest, 'lib/l'))).toBe('index.php');
  });

  it('refuses, touching nothing, when a file the run wrote changed since, a removed one is back, or a link moved', async () => {
    const changes: Array<[string, (dest: string) => Promise<void>, string]> = [
      ['a written file edited', (dest) => writeFile(join(dest, `lib/${ODD}`), 'edited by hand'), `changed since run: lib/-x 'q' "d"\\nz\\\\n.php`],
      ['an added file edited', (dest) => writeFile(join(dest, 'new/deep/added.php'), 'edited'), 'changed since run: new/deep/added.php'],
      ['a removed file back', (dest) => writeFile(join(dest, 'lib/gone.php'), 'back'), 'changed since run: lib/gone.php'],
      [
        'a link pointing elsewhere',
        async (dest) => {
          await rm(join(dest, 'lib/l'));
          await symlink('keep.php', join(dest, 'lib/l'));
        },
        'changed since run: lib/l',
      ],
      ['a written file gone', (dest) => rm(join(dest, 'index.php')), 'changed since run: index.php'],
    ];
    for (const [what, change, reason] of changes) {
      // Given a host folder after the run, then changed by hand
      const { dest, backup, manifest } = await afterRun();
      await change(dest);
      const before = await fingerprint(join(dest, '..'));
      // When restored / Then refused with the first path that differs, everything as it was
      const result = await run(buildRestoreInPlace(dest, backup, manifest));
      expect(result.exitCode, `${what}: ${result.stderr}`).toBe(REFUSED_STATUS);
      expect(refusalReason(result), what).toBe(reason);
      expect(await fingerprint(join(dest, '..')), what).toEqual(before);
      await rm(dir as string, { recursive: true, force: true });
    }
  });

  it('refuses, touching nothing, when the backup is gone', async () => {
    const { dest, backup, manifest } = await afterRun();
    await rm(backup, { recursive: true });
    const before = await fingerprint(join(dest, '..'));
    const result = await run(buildRestoreInPlace(dest, backup, manifest));
    expect(result.exitCode).toBe(REFUSED_STATUS);
    expect(refusalReason(result)).toMatch(/^the backup of index.php is gone from /);
    expect(await fingerprint(join(dest, '..'))).toEqual(before);
  });
});
