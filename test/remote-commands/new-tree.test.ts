import { chmod, lstat, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildRemoveTree } from '../../src/remote-commands/host-script.js';
import { buildPlaceTree, buildProbeTree, newTreeFolder, parseYesNo } from '../../src/remote-commands/new-tree.js';
import { renderCommand } from '../../src/transport/quote.js';
import { useTempDirs } from '../helpers/temp-dirs.js';
import { run, writeTree } from './host-tree.js';

const tempDir = useTempDirs();

/** deploy_dir with a hostile name, empty. */
async function deployDir(): Promise<string> {
  const d = join(await tempDir('deploy-new-tree-'), "-my app's\ndeploy");
  await mkdir(d);
  return d;
}

describe('a new tree on a host', () => {
  it('is written into a folder beside its destination, named after it and the run; the scripts are fixed text taking paths', () => {
    expect(newTreeFolder('/srv/app/php', '20261207-101500-ab12')).toBe('/srv/app/.php.deploy-new-20261207-101500-ab12');
    expect(newTreeFolder('/srv/app/', 'r1')).toBe('/srv/.app.deploy-new-r1');
    expect(() => newTreeFolder('/srv/app', '../x')).toThrow(/not a run id/);
    expect(() => buildProbeTree('/')).toThrow(/root folder/);
    expect(renderCommand(buildProbeTree('/srv/app/php').slice(3))).toBe('deploy-probe-tree /srv/app/php /srv/app/.php.deploy-new-');
    expect(renderCommand(buildPlaceTree('/srv/app/.php.deploy-new-r1', '/srv/app/php').slice(3))).toBe(
      'deploy-place-tree /srv/app/.php.deploy-new-r1 /srv/app/php',
    );
  });

  it("probe: says whether anything is at the destination, a dangling link included, and removes earlier runs' new folders, never anything else", async () => {
    // Given a destination missing, and beside it two folders killed runs left (one read-only inside), a like-named file and a like-named link, and another name
    const d = await deployDir();
    await writeTree(join(d, '.php.deploy-new-r1'), { 'a.php': 'a', 'ro/b.php': 'b' });
    await chmod(join(d, '.php.deploy-new-r1', 'ro'), 0o555);
    await mkdir(join(d, '.php.deploy-new-r2'));
    await writeFile(join(d, '.php.deploy-new-file'), 'not ours: a file');
    await mkdir(join(d, 'elsewhere'));
    await symlink('elsewhere', join(d, '.php.deploy-new-link'));
    await writeFile(join(d, '.php.other'), 'kept');
    const dest = join(d, 'php');
    // When probed
    const missing = await run(buildProbeTree(dest));
    // Then the destination is absent, the two folders are gone, the rest is there
    expect(missing.exitCode, missing.stderr).toBe(0);
    expect(parseYesNo(missing.stdout, 'present')).toBe(false);
    expect((await readdir(d)).sort()).toEqual(['.php.deploy-new-file', '.php.deploy-new-link', '.php.other', 'elsewhere']);
    // And a folder, a file and a dangling link at the destination are each "present"
    await mkdir(dest);
    expect(parseYesNo((await run(buildProbeTree(dest))).stdout, 'present')).toBe(true);
    await rm(dest, { recursive: true });
    await writeFile(dest, 'x');
    expect(parseYesNo((await run(buildProbeTree(dest))).stdout, 'present')).toBe(true);
    await rm(dest);
    await symlink('nowhere', dest);
    expect(parseYesNo((await run(buildProbeTree(dest))).stdout, 'present')).toBe(true);
  });

  it('place: renames the new folder to the destination, the very folder (same inode), when nothing or an empty folder is there', async () => {
    // Given a new tree beside a missing destination
    const d = await deployDir();
    const folder = join(d, '.php.deploy-new-r1');
    await writeTree(folder, { 'index.php': '<?php 1;', 'lib/a.php': 'a' });
    const inode = (await lstat(folder)).ino;
    // When placed
    const placed = await run(buildPlaceTree(folder, join(d, 'php')));
    // Then the destination is that folder, and nothing is left beside it
    expect(placed.exitCode, placed.stderr).toBe(0);
    expect(parseYesNo(placed.stdout, 'placed')).toBe(true);
    expect((await lstat(join(d, 'php'))).ino).toBe(inode);
    expect(await readdir(d)).toEqual(['php']);
    // And over an empty folder too
    await writeTree(join(d, '.app.deploy-new-r2'), { 'x.php': 'x' });
    await mkdir(join(d, 'app'));
    expect(parseYesNo((await run(buildPlaceTree(join(d, '.app.deploy-new-r2'), join(d, 'app')))).stdout, 'placed')).toBe(true);
    expect(await readFile(join(d, 'app', 'x.php'), 'utf8')).toBe('x');
  });

  it('place: a destination that came meanwhile with something in it is left as it is, and the new folder removed', async () => {
    // Given a destination that now holds a file, and the new tree (read-only inside) beside it
    const d = await deployDir();
    await writeTree(join(d, 'php'), { 'theirs.php': 'theirs' });
    const folder = join(d, '.php.deploy-new-r1');
    await writeTree(folder, { 'ro/a.php': 'a' });
    await chmod(join(folder, 'ro'), 0o555);
    // When placed
    const placed = await run(buildPlaceTree(folder, join(d, 'php')));
    // Then it says so, the destination is untouched, the new folder is gone
    expect(placed.exitCode, placed.stderr).toBe(0);
    expect(parseYesNo(placed.stdout, 'placed')).toBe(false);
    expect(await readdir(join(d, 'php'))).toEqual(['theirs.php']);
    expect(await readdir(d)).toEqual(['php']);
  });

  it.skipIf(process.getuid?.() !== 0)(
    "a cut transfer's new folder is removed whole as the remote user, read-only folders in it included, which rm -rf alone leaves",
    async () => {
      // Given nobody's new folder holding a read-only folder with a file in it
      const d = await deployDir();
      await chmod(dirname(d), 0o755);
      const folder = join(d, '.php.deploy-new-r1');
      await writeTree(folder, { 'ro/a.php': 'a', 'b.php': 'b' });
      await chmod(join(folder, 'ro'), 0o555);
      await run(['chown', '-R', '65534:65534', d]);
      // When nobody removes it with rm -rf, then with the host script
      const plain = await run(['rm', '-rf', '--', folder], { uid: 65534, gid: 65534 });
      const removed = await run(buildRemoveTree(folder), { uid: 65534, gid: 65534 });
      // Then rm -rf alone could not, and the script removed it all
      expect(plain.exitCode).not.toBe(0);
      expect(removed.exitCode, removed.stderr).toBe(0);
      expect(await readdir(d)).toEqual([]);
      expect(renderCommand(buildRemoveTree('/srv/app/.php.deploy-new-r1').slice(3))).toBe('deploy-remove-tree /srv/app/.php.deploy-new-r1');
    },
  );
});
