import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashTree } from '../../../src/run/prepare/hash-tree.js';
import { resolveStagedTree } from '../../../src/run/prepare/staged-tree.js';
import { useTempDirs } from '../../helpers/temp-dirs.js';

const tempDir = useTempDirs();
const sha = (content: string | Buffer): string => createHash('sha256').update(content).digest('hex');
const never = new AbortController().signal;

describe('hashTree', () => {
  it('hashes each regular file (small, and large streamed), keyed by its path in stage_dir; links and folders are not files', async () => {
    // Given a stage with a small file, a 9 MB one and a link, and sync-file php/
    const stageDir = await tempDir('deploy-hash-');
    mkdirSync(join(stageDir, 'php/lib'), { recursive: true });
    const big = Buffer.alloc(9 * 1024 * 1024, 7);
    writeFileSync(join(stageDir, 'php/a.php'), '<?php\n');
    writeFileSync(join(stageDir, 'php/lib/big.bin'), big);
    const tree = await resolveStagedTree(stageDir, '/srv', 'php', []);
    // When hashed
    const hashes = await hashTree(tree, never, { concurrency: 2 });
    // Then
    expect(hashes).toEqual(
      new Map([
        ['php/a.php', sha('<?php\n')],
        ['php/lib/big.bin', sha(big)],
      ]),
    );
    expect(await hashTree(tree, never, { only: (path) => path.endsWith('.php') })).toEqual(new Map([['php/a.php', sha('<?php\n')]]));
  });

  it('names the one file of a file tree by its stage path, and stops when the signal aborts', async () => {
    const stageDir = await tempDir('deploy-hash-');
    writeFileSync(join(stageDir, 'x.json'), '{}');
    const tree = await resolveStagedTree(stageDir, '/srv', 'x.json', []);
    expect(await hashTree(tree, never)).toEqual(new Map([['x.json', sha('{}')]]));
    const controller = new AbortController();
    controller.abort(new Error('interrupted'));
    await expect(hashTree(tree, controller.signal)).rejects.toThrow('interrupted');
  });
});
