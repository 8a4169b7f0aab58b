import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_KEYS, SCHEMA } from '../../src/config/schema.js';
import { makeTempDir, runCli } from '../helpers/cli.js';

const BASH_DRIVER = fileURLToPath(new URL('./bash-complete.bash', import.meta.url));
const ZSH_DRIVER = fileURLToPath(new URL('./zsh-complete.zsh', import.meta.url));

let cache: string;
let functions: string;

beforeAll(async () => {
  // Given the scripts as `deploy autocomplete` writes them, in a cache folder of our own
  cache = await makeTempDir('deploy-completion-');
  const result = await runCli(['autocomplete', '--refresh-cache'], { cwd: cache, env: { DEPLOY_CACHE_DIR: cache }, timeoutMs: 60_000 });
  expect(result.exitCode, result.stderr).toBe(0);
  functions = join(cache, 'autocomplete', 'functions');
});

afterAll(async () => {
  await rm(cache, { recursive: true, force: true });
});

/** COMPREPLY for `line`, `words` split as bash splits them (at `:` and `=` too). */
async function bashReplies(line: string, words: string[], wordBreaks?: string): Promise<string[]> {
  const script = join(functions, 'bash', 'deploy.bash');
  const result = await execa('bash', ['--norc', '--noprofile', BASH_DRIVER, script, line, String(words.length - 1), ...words], {
    reject: false,
    timeout: 30_000,
    env: wordBreaks === undefined ? {} : { WORDBREAKS: wordBreaks },
  });
  expect(result.exitCode, result.stderr).toBe(0);
  return result.stdout.split('\n').filter((reply) => reply !== '');
}

describe('bash: -D completes config keys from the schema', () => {
  it('completes `-D tra` to `transport:`', async () => {
    // When <TAB> after `-D tra` / Then the one key that starts so, with its colon
    expect(await bashReplies('deploy sync-file -D tra', ['deploy', 'sync-file', '-D', 'tra'])).toEqual(['transport:']);
    // And the same after --define and --define=
    expect(await bashReplies('deploy sync-file --define tra', ['deploy', 'sync-file', '--define', 'tra'])).toEqual(['transport:']);
    expect(await bashReplies('deploy sync-file --define=tra', ['deploy', 'sync-file', '--define', '=', 'tra'])).toEqual(['transport:']);
  });

  it('offers local and ssh after `-D transport:`', async () => {
    // When <TAB> after the colon (bash keeps `transport:`, replies replace what follows it)
    const all = await bashReplies('deploy sync-file -D transport:', ['deploy', 'sync-file', '-D', 'transport', ':']);
    const some = await bashReplies('deploy sync-file -D transport:l', ['deploy', 'sync-file', '-D', 'transport', ':', 'l']);
    // Then both values, and only `local` once an `l` is typed
    expect(all.sort()).toEqual(['local', 'ssh']);
    expect(some).toEqual(['local']);
  });

  it('replies with the whole `key:value` when `:` does not break words', async () => {
    // Given a user whose COMP_WORDBREAKS has no colon / When <TAB> / Then the whole word
    const words = ['deploy', 'sync-file', '-D', 'transport:l'];
    expect(await bashReplies('deploy sync-file -D transport:l', words, ' \t\n"\'><=;|&(')).toEqual(['transport:local']);
  });

  it('offers every key of the schema, and the fixed values of every key that has them', async () => {
    // When <TAB> after `-D ` / Then every key, in schema order: a new key needs no edit here
    expect(await bashReplies('deploy sync-file -D ', ['deploy', 'sync-file', '-D', ''])).toEqual(CONFIG_KEYS.map((key) => `${key}:`));
    // And each enum or boolean key offers exactly its values
    const fixed = CONFIG_KEYS.filter((key) => SCHEMA[key].kind.values !== undefined);
    expect(fixed).toContain('always_restart');
    for (const key of fixed) {
      const replies = await bashReplies(`deploy php-fpm-restart -D ${key}:`, ['deploy', 'php-fpm-restart', '-D', key, ':']);
      expect(replies, key).toEqual([...(SCHEMA[key].kind.values ?? [])]);
    }
  });

  it('leaves commands and flags to the plugin', async () => {
    // When <TAB> on a command or a flag, not after -D / Then the plugin's completion answers
    expect(await bashReplies('deploy sta', ['deploy', 'sta'])).toEqual(['status']);
    expect(await bashReplies('deploy sync-file --dr', ['deploy', 'sync-file', '--dr'])).toEqual(['--dry-run']);
    expect(await bashReplies('deploy sync-file -D transport:ssh --dr', ['deploy', 'sync-file', '-D', 'transport', ':', 'ssh', '--dr'])).toEqual(['--dry-run']);
  });
});

const hasZsh = (await execa('zsh', ['--version'], { reject: false })).exitCode === 0;

/** The command line after each <TAB> in a real interactive zsh (menu completion: one candidate per <TAB>). */
async function zshLines(line: string, tabs: number): Promise<string[]> {
  const out = join(cache, `zsh-${Date.now()}-${Math.random().toString(16).slice(2)}.out`);
  const result = await execa('zsh', ['-f', ZSH_DRIVER, join(functions, 'zsh'), out, line, String(tabs)], {
    reject: false,
    timeout: 90_000,
    env: { HOME: cache },
  });
  expect(result.exitCode, result.stderr).toBe(0);
  return readFileSync(out, 'utf8')
    .split('\n')
    .filter((text) => text !== '');
}

describe.skipIf(!hasZsh)('zsh: -D completes config keys from the schema', () => {
  it('completes `-D tra` to `transport:`', async () => {
    // When <TAB> once after `-D tra` / Then the key and its colon, no space
    expect(await zshLines('deploy sync-file -D tra', 1)).toEqual(['deploy sync-file -D transport:']);
  });

  it('offers local and ssh after `-D transport:`, true and false after a boolean key', async () => {
    // When <TAB> twice after the colon / Then each value in turn
    expect(await zshLines('deploy sync-file -D transport:', 2)).toEqual(['deploy sync-file -D transport:local', 'deploy sync-file -D transport:ssh']);
    expect(await zshLines('deploy php-fpm-restart --define always_restart:', 2)).toEqual([
      'deploy php-fpm-restart --define always_restart:false',
      'deploy php-fpm-restart --define always_restart:true',
    ]);
  });
});
