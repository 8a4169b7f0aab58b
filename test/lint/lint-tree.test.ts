import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintTree } from '../../src/lint/lint-tree.js';
import { findPhp, previewLint } from '../../src/lint/select.js';
import { hashTree } from '../../src/run/prepare/hash-tree.js';
import { resolveStagedTree } from '../../src/run/prepare/staged-tree.js';
import { useTempDirs } from '../helpers/temp-dirs.js';

const tempDir = useTempDirs();
const never = new AbortController().signal;
const hasPhp = (await findPhp()) !== undefined;

/** A stage holding `files` under php/, resolved as `sync-file php/`, with its hashes. */
async function stagedPhp(files: Record<string, string>) {
  const stageDir = await tempDir('deploy-lint-');
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(stageDir, 'php', path, '..'), { recursive: true });
    writeFileSync(join(stageDir, 'php', path), content);
  }
  const tree = await resolveStagedTree(stageDir, '/srv', 'php', []);
  return { stageDir, tree, hashes: await hashTree(tree, never) };
}

/** A fake `php` in its own folder, for a PATH: a shell script. */
async function fakePhp(script: string): Promise<string> {
  const bin = await tempDir('deploy-fake-php-');
  writeFileSync(join(bin, 'php'), `#!/bin/sh\n${script}\n`);
  chmodSync(join(bin, 'php'), 0o755);
  return bin;
}

describe('lintTree: JSON', () => {
  it('passes good JSON and fails bad JSON with the parser message on one line, control characters visible', async () => {
    // Given a good and a bad .json (the bad one holds an escape byte and a newline)
    const { tree, hashes } = await stagedPhp({ 'ok.json': '{"a": [1, 2]}', 'conf/bad.json': '{"a": 1,\n\x1b}' });
    // When linted with no previous run
    const outcome = await lintTree(tree, hashes, undefined, { signal: never });
    // Then the bad one is named by its stage path, with JSON.parse's message made one visible line
    expect(outcome.failure?.file).toBe('php/conf/bad.json');
    let expected = '';
    try {
      JSON.parse('{"a": 1,\n\x1b}');
    } catch (error) {
      expected = (error as Error).message;
    }
    expect(outcome.failure?.message).toBe(expected.replace(/\n/g, '\\x0a').replace(/\x1b/g, '\\x1b'));
    expect(outcome.failure?.message).not.toMatch(/[\x00-\x1f]/);
  });

  it('fails a .json that is not UTF-8', async () => {
    const { tree, hashes } = await stagedPhp({ 'x.json': '"caf\xe9"' });
    writeFileSync(join(tree.source, 'x.json'), Buffer.from([0x22, 0xe9, 0x22]));
    expect((await lintTree(tree, hashes, undefined, { signal: never })).failure).toEqual({ file: 'php/x.json', message: 'not valid UTF-8' });
  });
});

describe.runIf(hasPhp)('lintTree: PHP with php -l', () => {
  it("passes valid PHP and names the broken file with php's one-line message, its path relative to stage_dir", async () => {
    // Given valid files, and one with a syntax error on line 3
    const { tree, hashes } = await stagedPhp({ 'a.php': '<?php echo 1;\n', 'lib/b.php': '<?php\necho 1\n$x = ;\n', 'c.json': '{}' });
    // When linted
    const outcome = await lintTree(tree, hashes, undefined, { signal: never });
    // Then
    expect(outcome.failure?.file).toBe('php/lib/b.php');
    expect(outcome.failure?.message).toMatch(/^(PHP )?Parse error: syntax error, unexpected variable "\$x".* in php\/lib\/b\.php on line 3$/);
    expect(outcome.failure?.message).not.toContain(tree.source);
  });

  it('fails a compile error php -l finds (not only parse errors)', async () => {
    const { tree, hashes } = await stagedPhp({ 'dup.php': '<?php\nfunction f() {}\nfunction f() {}\n' });
    const outcome = await lintTree(tree, hashes, undefined, { signal: never });
    expect(outcome.failure?.message).toMatch(/Fatal error: Cannot redeclare f\(\).* in php\/dup\.php on line 3$/);
  });

  it('checks only the files whose content differs from what the last run sent; all with no record', async () => {
    // Given a broken b.php that the last run already sent, and a changed a.php
    const { tree, hashes } = await stagedPhp({ 'a.php': '<?php echo 2;\n', 'b.php': '<?php (\n', 'c.txt': 'not checked', 'd.json': '{}' });
    const previous = new Map([
      ['php/a.php', 'an older content'],
      ['php/b.php', hashes.get('php/b.php') as string],
      ['php/d.json', hashes.get('php/d.json') as string],
    ]);
    // When linted against that record / Then only a.php is checked, and it passes
    expect(await lintTree(tree, hashes, previous, { signal: never })).toEqual({ checked: 1 });
    // And with no record, all three are checked and b.php fails
    const outcome = await lintTree(tree, hashes, undefined, { signal: never, concurrency: 1 });
    expect(outcome.failure?.file).toBe('php/b.php');
  });
});

describe('lintTree: php missing, processes', () => {
  it('with no php on PATH, checks the JSON and says how many .php files were not checked', async () => {
    const { tree, hashes } = await stagedPhp({ 'a.php': '<?php (', 'b.php': '<?php', 'c.json': '{}' });
    const outcome = await lintTree(tree, hashes, undefined, { signal: never, searchPath: '/nonexistent:/also-not' });
    expect(outcome).toEqual({ checked: 1, skippedLine: "lint: php is not on this machine's PATH: 2 .php files not checked" });
    // And the dry run's preview counts the same
    expect(await previewLint(tree, hashes, undefined, '/nonexistent')).toEqual({ php: 2, json: 1, phpFound: false, previousRun: false });
  });

  it('runs at most `concurrency` php at once', async () => {
    // Given a fake php that notes when it starts and ends
    const log = join(await tempDir('deploy-lint-log-'), 'log');
    const bin = await fakePhp(`echo + >> ${log}; sleep 0.2; echo - >> ${log}`);
    const { tree, hashes } = await stagedPhp(Object.fromEntries(Array.from({ length: 6 }, (_, index) => [`f${index}.php`, '<?php'])));
    // When linted with concurrency 2
    expect(await lintTree(tree, hashes, undefined, { signal: never, searchPath: bin, concurrency: 2 })).toEqual({ checked: 6 });
    // Then never more than 2 ran at once
    let running = 0;
    let most = 0;
    for (const mark of readFileSync(log, 'utf8').trim().split('\n')) {
      running += mark === '+' ? 1 : -1;
      most = Math.max(most, running);
    }
    expect(most).toBe(2);
  });

  it('stops every php, process group and all, when the signal aborts', async () => {
    // Given a php that starts a child and hangs
    const pids = join(await tempDir('deploy-lint-pids-'), 'pids');
    const bin = await fakePhp(`sleep 30 & echo $! >> ${pids}; echo $$ >> ${pids}; wait`);
    const { tree, hashes } = await stagedPhp({ 'a.php': '<?php', 'b.php': '<?php' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('interrupted')), 500);
    // When aborted / Then it rejects with the reason, soon, and nothing it started is left
    const started = Date.now();
    await expect(lintTree(tree, hashes, undefined, { signal: controller.signal, searchPath: bin })).rejects.toThrow('interrupted');
    expect(Date.now() - started).toBeLessThan(5000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const alive = readFileSync(pids, 'utf8')
      .trim()
      .split('\n')
      .filter((pid) => {
        // Running, not a zombie waiting for a reaper: /proc/<pid>/stat's state after the name
        const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
        return stat !== '' && !/\) Z /.test(stat);
      });
    expect(alive).toEqual([]);
  });
});
