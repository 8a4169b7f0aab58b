import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addTreeHosts, readTreeHosts } from '../../src/state/tree-hosts.js';
import { useTempDirs } from '../helpers/temp-dirs.js';

const tempDir = useTempDirs();

describe('the hosts known to have a tree', () => {
  it('adds hosts per path, owner-only, and reads a path with the hosts of the paths enclosing it', async () => {
    // Given sync-world on mw01, php/ on mw02 then mw03, and php/lib on mw04
    const folder = join(await tempDir('deploy-tree-hosts-'), 'tree-hosts');
    await addTreeHosts(folder, '.', ['mw01']);
    await addTreeHosts(folder, 'php', ['mw02']);
    await addTreeHosts(folder, 'php', ['mw03', 'mw02']);
    await addTreeHosts(folder, 'php/lib', ['mw04']);
    // Then php/lib is on all four, php on three, the whole stage on mw01, and an unrelated path on mw01 only
    expect([...(await readTreeHosts(folder, 'php/lib'))].sort()).toEqual(['mw01', 'mw02', 'mw03', 'mw04']);
    expect([...(await readTreeHosts(folder, 'php'))].sort()).toEqual(['mw01', 'mw02', 'mw03']);
    expect([...(await readTreeHosts(folder, '.'))]).toEqual(['mw01']);
    expect([...(await readTreeHosts(folder, 'static'))]).toEqual(['mw01']);
    expect(JSON.parse(await readFile(join(folder, 'p-php.json'), 'utf8'))).toEqual({ path: 'php', hosts: ['mw02', 'mw03'] });
    expect((await stat(folder)).mode & 0o777).toBe(0o700);
    expect((await stat(join(folder, 'p-php.json'))).mode & 0o777).toBe(0o600);
    expect((await readdir(folder)).sort()).toEqual(['p-..json', 'p-php%2Flib.json', 'p-php.json']);
  });

  it('knows no host from a missing or damaged record', async () => {
    const folder = join(await tempDir('deploy-tree-hosts-'), 'tree-hosts');
    expect([...(await readTreeHosts(folder, 'php'))]).toEqual([]);
    await addTreeHosts(folder, 'php', ['mw01']);
    await writeFile(join(folder, 'p-php.json'), '{"path": "php", "hosts": [');
    expect([...(await readTreeHosts(folder, 'php'))]).toEqual([]);
    // And adding to a damaged record starts it again
    await addTreeHosts(folder, 'php', ['mw02']);
    expect([...(await readTreeHosts(folder, 'php'))]).toEqual(['mw02']);
  });
});
