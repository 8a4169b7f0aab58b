import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { sshdAvailable, startSshdFleet, type SshdFleet } from './fleet/sshd-fleet.js';
import { writeFleetDeployConfig } from './fleet/deploy-config.js';
import { TEST_NETWORK_OFFSET, testNetwork } from '../helpers/test-network.js';

/**
 * A file written over SFTP is flushed to the host's disk (fsync@openssh.com) before it is
 * renamed into place. Seen on the host: its sshd runs OpenSSH's sftp-server at log level
 * VERBOSE, which logs every open, fsync, close and rename. Own fleet, on this file's test
 * network (test/helpers/test-network.ts).
 */
const available = sshdAvailable();
const SFTP_SERVER = '/usr/lib/openssh/sftp-server';
const PATH = 'php/flushed.php';

describe.skipIf(!available)('sync-file over SFTP to a real OpenSSH host', () => {
  let fleet: SshdFleet;
  let project: string;

  beforeAll(async () => {
    const net = testNetwork(TEST_NETWORK_OFFSET.sftpFsync);
    fleet = await startSshdFleet({ count: 1, network: net.network, port: net.port });
    // mw01 serves SFTP with OpenSSH's sftp-server, logging to /srv/fleet/sftp.log on the host
    const [host] = fleet.hosts;
    if (host === undefined) throw new Error('no host');
    const wrapper = join(host.root, 'bin', 'sftp-logged');
    await writeFile(wrapper, `#!/bin/sh\nexec ${SFTP_SERVER} -e -l VERBOSE 2>>/srv/fleet/sftp.log\n`);
    await chmod(wrapper, 0o755);
    const sshdConfig = join(fleet.dir, 'etc', host.name, 'sshd_config');
    const config = await readFile(sshdConfig, 'utf8');
    await writeFile(sshdConfig, config.replace('Subsystem sftp internal-sftp', 'Subsystem sftp /srv/fleet/bin/sftp-logged'));
    await fleet.stopHost(host.name);
    await fleet.startHost(host.name);
    project = await mkdtemp(join(tmpdir(), 'deploy-e2e-sftp-'));
    await mkdir(join(project, 'stage', 'php'), { recursive: true });
    await writeFile(join(project, 'stage', PATH), '<?php echo "flushed";\n');
  });
  afterAll(async () => {
    await fleet?.stop();
    if (project) await rm(project, { recursive: true, force: true });
  });

  it('flushes the temporary file to disk (fsync@openssh.com) before renaming it over the target', async () => {
    // Given a project deploying to mw01
    const [host] = fleet.hosts;
    if (host === undefined) throw new Error('no host');
    await writeFleetDeployConfig(project, fleet, { targets: [host.name], canaries: [host.name] });
    // When sync-file runs
    const result = await runCli(['sync-file', PATH, 'flush it'], { cwd: project });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(await readFile(join(host.root, 'deploy', PATH), 'utf8')).toBe('<?php echo "flushed";\n');
    // Then the host's sftp-server saw: open the temporary, fsync it, close it, rename it over the file
    const log = (await readFile(join(host.root, 'sftp.log'), 'utf8')).split('\n');
    const target = `${fleet.deployDir}/${PATH}`;
    const temporary = /open "([^"]*\.flushed\.php\.deploy-[0-9a-f]{12}\.tmp)" flags WRITE,CREATE/.exec(log.join('\n'))?.[1];
    expect(temporary, log.join('\n')).toBeDefined();
    const at = (pattern: string): number => log.findIndex((line) => line.includes(pattern));
    const opened = at(`open "${temporary}"`);
    const synced = at(`fsync "${temporary}"`);
    const closed = at(`close "${temporary}"`);
    const renamed = at(`rename old "${temporary}" new "${target}"`);
    expect(synced, log.join('\n')).toBeGreaterThan(opened);
    expect(closed).toBeGreaterThan(synced);
    expect(renamed).toBeGreaterThan(closed);
  });
});
