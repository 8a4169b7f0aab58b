import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDirs } from '../../helpers/temp-dirs.js';
import { temporaries } from './tree-fleet.js';

const tempDir = useTempDirs();

describe('temporaries (the watch the cut-transfer tests poll while a run changes the tree)', () => {
  it('finds a transfer temporary, and walks on when a folder is removed under it (as a release prepare does)', async () => {
    // Given a tree with one rsync temporary in it
    const root = join(await tempDir('deploy-tree-fleet-'), 'tree');
    await mkdir(join(root, 'lib', '.~tmp~'), { recursive: true });
    expect(await temporaries(root)).toEqual(['lib/.~tmp~']);
    // When trees are removed while the walk runs, 30 times over
    const failures: unknown[] = [];
    for (let round = 0; round < 30; round++) {
      for (let index = 0; index < 10; index++) {
        await mkdir(join(root, `d${index}`, 'a', 'b'), { recursive: true });
        await writeFile(join(root, `d${index}`, 'a', 'b', 'x.php'), '<?php\n');
      }
      const removal = rm(root, { recursive: true });
      await temporaries(root).catch((error: unknown) => failures.push(error));
      await removal;
    }
    // Then no walk failed (before: ENOENT from the scandir of a folder just removed)
    expect(failures).toEqual([]);
  });
});
