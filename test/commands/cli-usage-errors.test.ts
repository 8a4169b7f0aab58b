import { existsSync } from 'node:fs';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempProject, type CliResult, type TempProject } from '../helpers/cli.js';

/**
 * Bad usage or configuration: exit 2, one line on stderr naming the culprit, nothing on
 * stdout, no stack trace, and nothing touched (no lock file, no fleet folder).
 * The CLI must be built first (`npm test` does it).
 */
let project: TempProject;

beforeEach(async () => {
  project = await makeTempProject();
});

afterEach(async () => {
  await project.cleanup();
});

function expectUsageError(result: CliResult, ...culprits: string[]): void {
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  expect(result.exitCode, `stderr: ${result.stderr}`).toBe(2);
  expect(lines, `stderr: ${result.stderr}`).toHaveLength(1);
  for (const culprit of culprits) expect(lines[0]).toContain(culprit);
  expect(result.stderr).not.toContain('    at ');
  expect(result.stdout).toBe('');
  expect(existsSync(project.lockFile), 'the lock file was created').toBe(false);
  expect(existsSync(project.fleetDir), 'the fleet folder was created').toBe(false);
}

async function writeConfig(config: Record<string, unknown> | string): Promise<void> {
  const text = typeof config === 'string' ? config : JSON.stringify({ ...project.config, ...config }, null, 2);
  await writeFile(project.configPath, `${text}\n`);
}

describe('deploy: bad configuration exits 2 and touches nothing', () => {
  it('an unknown key in the config file', async () => {
    // Given a config with a typo for restart_timeout
    await writeConfig({ restart_timout: 30 });
    // When sync-file runs
    const result = await project.run(['sync-file', project.stagedPath, 'msg']);
    // Then a usage error names the key, the file and the likely key
    expectUsageError(result, 'restart_timout', project.configPath, 'restart_timeout');
  });

  it('a value of the wrong type in the config file', async () => {
    // Given ssh_port as a string
    await writeConfig({ ssh_port: 'twenty-two' });
    // When sync-file runs
    const result = await project.run(['sync-file', project.stagedPath]);
    // Then the key and what was expected are named
    expectUsageError(result, 'ssh_port', 'a port from 1 to 65535');
  });

  it.each([
    ['a trailing comma in an object', '{\n  "transport": "local",\n  "targets": ["a"],\n}'],
    ['a trailing comma in an array', '{\n  "transport": "local",\n  "targets": ["a", "b",]\n}'],
    ['single quotes', '{\n  "transport": \'local\',\n  "targets": ["a"]\n}'],
  ])('malformed JSON: %s', async (_what, text) => {
    // Given a config that is not valid JSON
    await writeConfig(text);
    // When sync-file runs
    const result = await project.run(['sync-file', project.stagedPath]);
    // Then the file is named, on one line
    expectUsageError(result, project.configPath, 'not valid JSON');
  });

  it('a canary that is not in the targets', async () => {
    // Given canary z outside targets a, b, c
    await writeConfig({ canaries: ['a', 'z'] });
    // When sync-file runs
    const result = await project.run(['sync-file', project.stagedPath]);
    // Then canaries and z are named
    expectUsageError(result, 'canaries', 'z not in targets');
  });

  it('--config naming a missing file', async () => {
    // Given no such file / When sync-file -c runs
    const result = await project.run(['sync-file', '-c', 'nope/scap.json', project.stagedPath]);
    // Then the path is named
    expectUsageError(result, 'nope/scap.json');
  });
});

describe('deploy: bad stages exit 2 and touch nothing', () => {
  it.each([
    ['a stage host not in targets', [{ name: 'group1', hosts: ['a', 'z'] }], ['stages[0] (group1)', 'z not in targets']],
    ['a stage host that is a canary', [{ name: 'group1', hosts: ['a'] }], ['stages[0] (group1)', 'a is a canary']],
    [
      'a host in two stages',
      [
        { name: 'one', hosts: ['b'] },
        { name: 'two', hosts: ['c', 'b'] },
      ],
      ['stages', 'host b is in two stages, one and two'],
    ],
    [
      'a share that leaves a stage empty',
      [
        { name: 'all', share: '100%' },
        { name: 'more', share: 1 },
      ],
      ['stages[1] (more)', 'leaves the stage empty'],
    ],
    [
      'a duplicate name',
      [
        { name: 'one', share: 1 },
        { name: 'one', share: 1 },
      ],
      ['stages[1].name', 'not used by another stage', '"one"'],
    ],
    ['the reserved name canaries', [{ name: 'canaries', share: 1 }], ['stages[0].name', 'reserved', '"canaries"']],
    ['the reserved name hosts', [{ name: 'hosts', share: 1 }], ['stages[0].name', 'reserved', '"hosts"']],
    ['a name with a dot', [{ name: 'eqiad.1', share: 1 }], ['stages[0].name', 'letters, digits and "-"', '"eqiad.1"']],
    ['both hosts and share', [{ name: 'one', share: 1, hosts: ['b'] }], ['stages[0]', 'exactly one of "hosts" and "share"']],
  ])('%s', async (_what, stages, culprits) => {
    // Given canary a among targets a, b, c and the bad stages
    await writeConfig({ canaries: ['a'], stages });
    // When sync-file runs
    const result = await project.run(['sync-file', project.stagedPath, 'msg']);
    // Then one line names the stage and what was expected
    expectUsageError(result, ...culprits);
  });

  it('-D stages with a host not in targets', async () => {
    // Given a good config / When -D sets a stage naming host z
    const result = await project.run(['sync-file', project.stagedPath, '-D', 'stages:[{"name":"one","hosts":["z"]}]']);
    // Then the stage and z are named
    expectUsageError(result, 'stages[0] (one)', 'z not in targets');
  });
});

describe('deploy: bad -D exits 2 and touches nothing', () => {
  it('-D without a colon', async () => {
    // Given -D ssh_port22 / When sync-file runs
    const result = await project.run(['sync-file', '-D', 'ssh_port22', project.stagedPath]);
    // Then the define and the expected shape are named
    expectUsageError(result, 'ssh_port22', 'key:value');
  });

  it('-D with an unknown key', async () => {
    // Given -D unknown_key:1 / When sync-file runs
    const result = await project.run(['sync-file', '-D', 'unknown_key:1', project.stagedPath]);
    // Then the key is named
    expectUsageError(result, 'unknown_key');
  });

  it('-D with a value of the wrong type', async () => {
    // Given -D ssh_port:abc / When sync-file runs
    const result = await project.run(['sync-file', '-D', 'ssh_port:abc', project.stagedPath]);
    // Then the key and what was expected are named
    expectUsageError(result, 'ssh_port', 'a port from 1 to 65535');
  });

  it('-D naming a bad host', async () => {
    // Given -D targets:a,b;c / When php-fpm-restart runs
    const result = await project.run(['php-fpm-restart', '-D', 'targets:a,b;c', '-D', 'canaries:']);
    // Then the key and the host are named
    expectUsageError(result, 'targets', '"b;c"');
  });

  it('-D with a comma in a list key that is not a host list (a regex could hold one)', async () => {
    // Given two secrets' patterns written comma-separated, as hosts are
    const result = await project.run(['sync-file', '-D', 'redact_patterns:tok_[a-z]+,pw_[a-z]+', project.stagedPath]);
    // Then it is refused, naming the key and showing the JSON-array form, and nothing ran
    expectUsageError(result, 'redact_patterns', `-D 'redact_patterns:["tok_[a-z]+","pw_[a-z]+"]'`);
  });
});

describe('deploy sync-file: a bad path exits 2 and touches nothing', () => {
  it('a file missing from stage_dir', async () => {
    // Given no such staged file / When sync-file runs
    const result = await project.run(['sync-file', 'php/missing.php', 'msg']);
    // Then the path is named
    expectUsageError(result, 'php/missing.php');
  });

  it('a path escaping stage_dir with ..', async () => {
    // Given a real file next to stage/ / When sync-file ../scap.config.json runs
    const result = await project.run(['sync-file', '../scap.config.json']);
    // Then the path and "outside stage_dir" are named
    expectUsageError(result, '../scap.config.json', 'outside stage_dir');
  });

  it('a .. path that only passes through stage_dir', async () => {
    // Given php/../../scap.config.json (lexically outside stage_dir) / When sync-file runs
    const result = await project.run(['sync-file', 'php/../../scap.config.json']);
    // Then refused
    expectUsageError(result, 'php/../../scap.config.json', 'outside stage_dir');
  });

  it('an absolute path outside stage_dir', async () => {
    // Given the project's own config, outside stage/ / When sync-file names it absolutely
    const result = await project.run(['sync-file', project.configPath]);
    // Then refused, naming the path
    expectUsageError(result, project.configPath, 'outside stage_dir');
  });

  it('a symlink inside stage_dir that points outside it', async () => {
    // Given stage/leak.php -> ../scap.config.json
    await symlink(project.configPath, join(project.stageDir, 'leak.php'));
    // When sync-file leak.php runs
    const result = await project.run(['sync-file', 'leak.php']);
    // Then refused, naming the link and where it leads
    expectUsageError(result, 'leak.php', project.configPath);
  });

  it('a path that is neither a file nor a folder (a FIFO)', async () => {
    // Given stage/php/fifo is a named pipe / When sync-file php/fifo runs
    await execa('mkfifo', [join(project.stageDir, 'php', 'fifo')]);
    const result = await project.run(['sync-file', 'php/fifo']);
    // Then refused, naming it
    expectUsageError(result, 'php/fifo', 'not a regular file');
  });
});

describe('deploy: bad command line exits 2 and touches nothing', () => {
  it('an unknown flag', async () => {
    // Given --bogus / When sync-file runs
    const result = await project.run(['sync-file', '--bogus', project.stagedPath]);
    // Then the flag is named
    expectUsageError(result, '--bogus');
  });

  it('sync-file with no path', async () => {
    // Given no argument / When sync-file runs
    const result = await project.run(['sync-file']);
    // Then the missing argument is named
    expectUsageError(result, 'path');
  });

  it('-D with no value at the end of the line', async () => {
    // Given -D as the last word / When sync-file runs
    const result = await project.run(['sync-file', project.stagedPath, '-D']);
    // Then the flag is named
    expectUsageError(result, '--define');
  });
});

describe('deploy --json: a usage error is a JSON object on stdout too', () => {
  it('names the culprit in {error, exitCode} and still touches nothing', async () => {
    // Given an unknown config key with --json / When sync-file runs
    const result = await project.run(['sync-file', '--json', '-D', 'restart_timout:5', project.stagedPath]);
    // Then stderr has the one line, and stdout one JSON object with the same message and exit 2
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    const parsed = JSON.parse(result.stdout) as { error: { message: string; hint?: string }; exitCode: number };
    expect(parsed.exitCode).toBe(2);
    expect(parsed.error.message).toContain('restart_timout');
    expect(parsed.error.hint).toContain('restart_timeout');
    expect(existsSync(project.lockFile)).toBe(false);
  });
});

describe('deploy: first-hour mistakes exit 2 and touch nothing', () => {
  it('sync-file with a second staged file where the message starts', async () => {
    // Given two staged files / When both are named as if sync-file took several paths
    await mkdir(join(project.stageDir, 'php'), { recursive: true });
    await writeFile(join(project.stageDir, 'php', 'other.php'), '<?php\n');
    const result = await project.run(['sync-file', project.stagedPath, 'php/other.php', 'fix']);
    // Then it is refused, naming the second file
    expectUsageError(result, 'sync-file takes one path', 'php/other.php');
  });

  it('no config file anywhere', async () => {
    // Given a folder with no scap.config.json (and no system config in the way)
    await rm(project.configPath);
    const result = await project.run(['php-fpm-restart', 'msg']);
    // Then it says there is no config file, not "no hosts"
    expectUsageError(result, 'no config file');
  });
});
