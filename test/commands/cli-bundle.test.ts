import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { useTempDirs } from '../helpers/temp-dirs.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A module hook (node:module register) writing every ES module URL node loads to $LOADED_LOG. */
const RECORDER = `
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(\`
import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(process.env.LOADED_LOG, url + '\\\\n');
  return next(url, context);
}\`));
`;

describe('the CLI runs from its bundle (scripts/bundle.mjs)', () => {
  const tempDir = useTempDirs();

  it('a run loads the bundle and its chunks, none of dist/src, and zod inlined', async () => {
    // Given the example project and a hook that records each ES module node loads
    const dir = await tempDir('deploy-bundle-');
    const recorder = join(dir, 'recorder.mjs');
    const log = join(dir, 'loaded.txt');
    await writeFile(recorder, RECORDER);
    await writeFile(log, '');

    // When a dry run of sync-world goes through bin/run.js
    const run = await execa(process.execPath, ['--import', pathToFileURL(recorder).href, BIN, 'sync-world', '-c', 'scap.config.example.json', '--dry-run'], {
      cwd: ROOT,
      env: { CI: '1', NO_COLOR: '1', XDG_STATE_HOME: dir, LOADED_LOG: log },
      reject: false,
      timeout: 45_000,
    });

    // Then it ran, from dist/bundle: the commands, the run and its dependencies inlined
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    const loaded = (await readFile(log, 'utf8')).split('\n').filter((url) => url !== '');
    const bundle = pathToFileURL(join(ROOT, 'dist', 'bundle')).href;
    expect(loaded).toContain(`${bundle}/index.js`);
    expect(loaded.some((url) => url.startsWith(`${bundle}/chunks/sync-world-`))).toBe(true);
    expect(loaded.filter((url) => url.startsWith(pathToFileURL(join(ROOT, 'dist', 'src')).href))).toEqual([]);
    expect(loaded.filter((url) => url.includes('/node_modules/zod/'))).toEqual([]);
  }, 60_000);
});
