import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempProject, type TempProject } from '../helpers/cli.js';

/**
 * An ssh_known_hosts set in the config that does not exist is a usage error (exit 2) found
 * before anything is touched, not a failure of every host. The CLI must be built first.
 */
let project: TempProject | undefined;

afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

describe('deploy over ssh with ssh_known_hosts set', () => {
  it('exits 2 naming the key and the path when that file does not exist, and touches nothing', async () => {
    // Given an SSH config with a usable key, a host nothing listens on, and a known_hosts path with a typo
    project = await makeTempProject({
      config: {
        transport: 'ssh',
        targets: ['127.0.0.1'],
        canaries: [],
        ssh_port: 9,
        ssh_key: 'id_ed25519',
        ssh_known_hosts: 'known_hsots',
        ssh_connect_retries: 0,
        ssh_config: '/dev/null',
      },
    });
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(project.dir, 'id_ed25519')]);
    // When php-fpm-restart runs
    const result = await project.run(['php-fpm-restart', 'typo']);
    // Then exit 2 with one line naming ssh_known_hosts and the path, and no lock taken
    expect(result.exitCode, result.stdout + result.stderr).toBe(2);
    const lines = result.stderr.split('\n').filter((line) => line !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('ssh_known_hosts');
    expect(lines[0]).toContain(join(project.dir, 'known_hsots'));
    expect(lines[0]).toContain('does not exist');
    expect(result.stdout).toBe('');
    expect(existsSync(project.lockFile)).toBe(false);
  });
});
