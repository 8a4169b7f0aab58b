import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { poolsKind } from '../../src/config/list-kinds.js';

let dir: string | undefined;
afterEach(async () => dir && rm(dir, { recursive: true, force: true }));
const source = (baseDir: string) => ({ key: 'pools', baseDir, origin: 'in test.json' });

describe('poolsKind', () => {
  it('reads host lists and host files relative to the config folder', async () => {
    // Given a host file beside the config
    dir = await mkdtemp(join(tmpdir(), 'deploy-pools-'));
    await writeFile(join(dir, 'app.hosts'), 'mw01\nmw02 # comment\n');
    // When pools mixes a file and a list
    const pools = poolsKind.fromJson({ appserver: 'app.hosts', api: ['mw20', 'mw21:2222'] }, source(dir));
    // Then both are read as host lists
    expect(pools).toEqual({ appserver: ['mw01', 'mw02'], api: ['mw20', 'mw21:2222'] });
  });

  it('rejects a host in two pools naming both, a non-object and a bad pool name', () => {
    expect(() => poolsKind.fromJson({ a: ['x', 'y'], b: ['y'] }, source('/'))).toThrow(/host y is in two pools, a and b/);
    expect(() => poolsKind.fromJson(['x'], source('/'))).toThrow(/expected an object/);
    expect(() => poolsKind.fromJson({ 'bad name': ['x'] }, source('/'))).toThrow(/pool names/);
  });

  it('takes a JSON object from -D', () => {
    expect(poolsKind.fromDefine('{"a":["x"],"b":["y"]}', source('/'))).toEqual({ a: ['x'], b: ['y'] });
    expect(() => poolsKind.fromDefine('a=x', source('/'))).toThrow(/expected an object/);
  });
});
