import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { TEST_NETWORK_OFFSET, testNetwork } from '../helpers/test-network.js';
import { createLossyNetns, lossyNetnsUnavailable, type LossyNetns } from './fleet/netns.js';
import { sshdAvailable, startSshdFleet, type SshdFleet } from './fleet/sshd-fleet.js';

// Issue 9, defect 4: under packet loss the exit status can arrive in the same read as the
// channel opening; a listener attached after an await missed it and a restart that exited 0
// was reported "connection lost: the session closed without an exit status". How often a run
// hits that depends on the loss pattern (before the fix about 1 host run in 20 failed here, so
// this test failed about 3 times in 4); the deterministic check is
// test/transport/ssh/remote-exec.test.ts. DEPLOY_LOSSY_RUNS raises the number of runs, to measure.
const HOSTS = 4;
const ROUNDS = lossyRuns(process.env.DEPLOY_LOSSY_RUNS);
const LOSS_PERCENT = 20;

function lossyRuns(text: string | undefined): number {
  if (text === undefined || text.trim() === '') return 6;
  const runs = Number(text);
  if (!Number.isInteger(runs) || runs < 1 || runs > 1000) throw new Error(`DEPLOY_LOSSY_RUNS must be a whole number of runs (1-1000); got "${text}"`);
  return runs;
}

const { network, port } = testNetwork(TEST_NETWORK_OFFSET.lossyLink);
const unavailable = sshdAvailable() ? lossyNetnsUnavailable() : 'needs root, /usr/sbin/sshd, ssh-keygen and unshare';
const title = `deploy over a lossy link (${LOSS_PERCENT}% random TCP packet loss, own network namespace)`;

interface Report {
  status: string;
  hosts: Array<{ host: string; phase: string; outcome: string; error?: string }>;
}

describe.skipIf(unavailable !== undefined)(unavailable === undefined ? title : `${title}: skipped, ${unavailable}`, () => {
  let netns: LossyNetns | undefined;
  let fleet: SshdFleet | undefined;
  let project: string | undefined;

  beforeAll(async () => {
    netns = await createLossyNetns();
    fleet = await startSshdFleet({ count: HOSTS, network, port, netns: netns.name });
    project = await mkdtemp(join(tmpdir(), 'deploy-lossy-'));
    await writeFile(
      join(project, 'scap.config.json'),
      JSON.stringify({
        transport: 'ssh',
        targets: fleet.hosts.map((h) => h.name),
        canaries: [],
        deploy_dir: fleet.deployDir,
        ssh_user: fleet.user,
        ssh_key: fleet.clientKeyPath,
        ssh_known_hosts: fleet.knownHostsPath,
        ssh_config: fleet.sshConfigPath,
        // Lost SYNs are resent after 1 s, 3 s, 7 s: connecting may take a while, and must not fail.
        ssh_connect_timeout: 30,
        ssh_connect_retries: 3,
        php_fpm_restart_script: fleet.restartScript,
        php_fpm: 'php8.2-fpm',
        restart_sudo_user: '',
        restart_concurrency: HOSTS,
        restart_timeout: 40,
        failure_limit: HOSTS,
        canary_wait_time: 0,
        lock_file: 'deploy.lock',
        history_file: 'history.jsonl',
      }),
    );
  });

  afterAll(async () => {
    try {
      await fleet?.stop();
    } finally {
      await netns?.remove();
      if (project !== undefined) await rm(project, { recursive: true, force: true });
    }
  });

  /** One `deploy php-fpm-restart --json`, run inside the namespace; one line per host that is not ok. */
  async function restartRound(round: number): Promise<string[]> {
    const [cmd, ...args] = netns!.argv([process.execPath, BIN, 'php-fpm-restart', `lossy round ${round}`, '--json']);
    const result = await execa(cmd!, args, {
      cwd: project,
      env: { CI: '1', NO_COLOR: '1', XDG_STATE_HOME: join(project!, 'state') },
      reject: false,
      stdin: 'ignore',
      timeout: 90_000,
    });
    let report: Report;
    try {
      report = JSON.parse(String(result.stdout)) as Report;
    } catch {
      return [`round ${round}: no report (exit ${result.exitCode}): ${String(result.stderr).trim()}`];
    }
    return report.hosts.filter((h) => h.outcome !== 'ok').map((h) => `round ${round} ${h.host}: ${h.outcome}: ${h.error ?? ''}`);
  }

  it(
    `reports every host ok over ${ROUNDS} runs x ${HOSTS} hosts of restarts that exit 0 at once`,
    async () => {
      // Given 4 hosts whose restart exits 0 at once, behind a link that drops 20% of the packets each way
      await netns!.dropPackets(port, LOSS_PERCENT);
      const droppedBefore = await netns!.dropped();

      // When php-fpm is restarted on all of them at once, 6 times
      const failures: string[] = [];
      for (let round = 1; round <= ROUNDS; round++) failures.push(...(await restartRound(round)));

      // Then every host run is ok
      const dropped = (await netns!.dropped()) - droppedBefore;
      console.log(`lossy link: ${failures.length} of ${ROUNDS * HOSTS} host runs not ok, ${dropped} packets dropped`);
      expect(failures, `${failures.length} of ${ROUNDS * HOSTS} host runs not ok`).toEqual([]);
      // And every host ran its restart once per run, and the link did lose packets
      for (const host of fleet!.hosts) expect((await fleet!.restartLog(host.name)).length).toBe(ROUNDS);
      expect(dropped).toBeGreaterThan(0);
    },
    30_000 + ROUNDS * 20_000,
  );
});
