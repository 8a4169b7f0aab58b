import { beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, runCli } from '../helpers/cli.js';

let cwd: string;
beforeAll(async () => {
  cwd = await makeTempDir('deploy-help-');
});

describe('help for a new user', () => {
  it('answers -h, --help and `help <command>`, with examples and the exit statuses', async () => {
    // Given no project at all / When asked for help three ways
    const short = await runCli(['-h'], { cwd });
    const command = await runCli(['help', 'sync-file'], { cwd });
    const flag = await runCli(['sync-file', '-h'], { cwd });
    // Then each answers with exit 0; the top level shows examples and the exit statuses
    expect([short.exitCode, command.exitCode, flag.exitCode]).toEqual([0, 0, 0]);
    expect(short.stdout).toContain('Examples:');
    expect(short.stdout).toContain('3 another deploy holds the lock');
    expect(command.stdout).toContain('deploy sync-file PATH');
    expect(command.stdout).toBe(flag.stdout);
  });

  it.each([
    ['sync', 'sync-file'],
    ['unlok', 'unlock'],
  ])('says "did you mean" for `deploy %s`, exit 2', async (typed, meant) => {
    // Given a mistyped command / When run / Then one line names the likely command
    const result = await runCli([typed], { cwd });
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim()).toBe(`Error: deploy ${typed}: not a command (did you mean ${meant}?)`);
  });

  it('shows examples in lock and unlock help', async () => {
    const lock = await runCli(['lock', '--help'], { cwd });
    const unlock = await runCli(['unlock', '--help'], { cwd });
    expect(lock.stdout).toContain('EXAMPLES');
    expect(unlock.stdout).toContain('deploy unlock --force');
  });
});

describe('shell completion', () => {
  it('gives bash a completion script that knows the commands and their flags', async () => {
    // Given a cache folder of its own / When the bash script and its cache are made
    const env = { XDG_CACHE_HOME: cwd, HOME: cwd };
    const script = await runCli(['autocomplete', 'script', 'bash'], { cwd, env, timeoutMs: 60_000 });
    const setup = await runCli(['autocomplete', 'bash'], { cwd, env, timeoutMs: 60_000 });
    // Then both exit 0, and the cache lists sync-file with its --dry-run flag
    expect([script.exitCode, setup.exitCode], script.stderr + setup.stderr).toEqual([0, 0]);
    expect(script.stdout).toContain('DEPLOY_AC_BASH_SETUP_PATH');
    const { readFileSync, readdirSync } = await import('node:fs');
    const { join } = await import('node:path');
    const folder = join(cwd, 'deploy', 'autocomplete', 'functions', 'bash');
    const text = readdirSync(folder)
      .map((name) => readFileSync(join(folder, name), 'utf8'))
      .join('\n');
    expect(text).toContain('sync-file');
    expect(text).toContain('--dry-run');
  });
});
