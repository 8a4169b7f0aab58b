import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshdAvailable, startSshdFleet, type SshdFleet } from './fleet/sshd-fleet.js';
import { writeFleetDeployConfig } from './fleet/deploy-config.js';
import { BIN, runCli } from '../helpers/cli.js';
import { TEST_NETWORK_OFFSET, testNetwork } from '../helpers/test-network.js';

// In CI the suite must really run against sshd: a skip there would hide a missing install.
const available = sshdAvailable();
if (!available && process.env.CI) throw new Error('the end-to-end suite needs root, /usr/sbin/sshd and unshare (see .ci/run)');

const PATH = 'php/settings.php';
/** Every byte value, so a rollback that is not byte-exact shows. */
const OLD = Buffer.from(Array.from({ length: 40_000 }, (_, index) => (index * 11) % 256));
const NEW = Buffer.from('<?php return ["paused" => true];\n');

describe.skipIf(!available)('a paused deploy over SSH to a real OpenSSH fleet', () => {
  let fleet: SshdFleet;
  let project: string;
  const deployed = (host: string) => join(fleet.hosts.find((h) => h.name === host)?.root ?? '', 'deploy', PATH);
  const cli = (args: string[]) => runCli(args, { cwd: project, timeoutMs: 120_000 });
  const startRun = () =>
    execa(process.execPath, [BIN, 'sync-file', '--pause-after', 'canaries', '--json', PATH, 'paused over ssh'], {
      cwd: project,
      env: { CI: '1', NO_COLOR: '1', XDG_STATE_HOME: join(project, 'state') },
      reject: false,
      stdin: 'ignore',
    });
  const untilPaused = async (): Promise<{ paused?: { after: string; left: Array<{ phase: string; hosts?: number }> } }> => {
    const until = Date.now() + 90_000;
    while (Date.now() < until) {
      const view = JSON.parse((await cli(['status', '--json'])).stdout || '{}');
      if (view.paused) return view;
      await sleep(200);
    }
    throw new Error('the run never paused');
  };

  beforeAll(async () => {
    const { network, port } = testNetwork(TEST_NETWORK_OFFSET.pauseSsh);
    fleet = await startSshdFleet({ count: 3, network, port });
    project = await mkdtemp(join(tmpdir(), 'deploy-e2e-pause-'));
    await mkdir(join(project, 'stage', 'php'), { recursive: true });
    await writeFile(join(project, 'stage', PATH), NEW);
    await writeFleetDeployConfig(project, fleet, { canaries: ['mw01'] });
  }, 120_000);
  afterAll(async () => {
    await fleet?.stop();
    if (project) await rm(project, { recursive: true, force: true });
  });

  it('pauses after the canary keeping the lock; deploy status shows it paused; deploy promote from another process lets it finish', async () => {
    // Given the old file on every host
    for (const host of fleet.hosts) {
      await mkdir(join(deployed(host.name), '..'), { recursive: true });
      await writeFile(deployed(host.name), OLD, { mode: 0o640 });
    }
    // When sync-file --pause-after canaries runs
    const run = startRun();
    const view = await untilPaused();
    // Then it is paused after the canary with the rest left, only the canary has the new file
    expect(view.paused).toMatchObject({
      after: 'canaries',
      left: [
        { phase: 'sync-hosts', hosts: 2 },
        { phase: 'restart-hosts', hosts: 2 },
      ],
    });
    expect(await readFile(deployed('mw01'))).toEqual(NEW);
    expect(await readFile(deployed('mw02'))).toEqual(OLD);
    expect(existsSync(join(project, 'deploy.lock'))).toBe(true);
    // When deploy promote runs from another process
    const promoted = await cli(['promote']);
    // Then it exits 0 and the run finishes on every host
    expect(promoted.exitCode, promoted.stderr).toBe(0);
    const result = await run;
    expect(result.exitCode, String(result.stderr)).toBe(0);
    for (const host of fleet.hosts) expect(await readFile(deployed(host.name))).toEqual(NEW);
    const report = JSON.parse(String(result.stdout));
    expect(report.pauses).toEqual([expect.objectContaining({ after: 'canaries', answer: 'promote' })]);
    expect(existsSync(join(project, 'deploy.lock'))).toBe(false);
  }, 180_000);

  it('deploy abort --rollback puts the canary back byte-exact and touches no other host', async () => {
    // Given the old file on every host again
    for (const host of fleet.hosts) await writeFile(deployed(host.name), OLD, { mode: 0o640 });
    const restartsBefore = (await fleet.restartLog('mw02')).length;
    // When the run pauses and is aborted with rollback
    const run = startRun();
    await untilPaused();
    const aborted = await cli(['abort', '--rollback']);
    // Then the run is rolled back, the canary has its old file again, the others were never changed or restarted
    expect(aborted.exitCode, aborted.stderr).toBe(0);
    const result = await run;
    expect(result.exitCode).toBe(1);
    expect(JSON.parse(String(result.stdout)).status).toBe('rolled-back');
    for (const host of fleet.hosts) expect(await readFile(deployed(host.name)), host.name).toEqual(OLD);
    expect((await fleet.restartLog('mw02')).length).toBe(restartsBefore);
  }, 180_000);
});
