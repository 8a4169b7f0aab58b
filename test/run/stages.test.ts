import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { CanaryFailureAsker } from '../../src/run/prepare/deploy-options.js';
import { phpFpmRestart } from '../../src/services/php-fpm-restart.js';
import { syncFile } from '../../src/services/sync-file.js';
import { stepFixture, type StepFixture } from './fixture.js';

/** 12 targets: canaries mw01, mw02; stage one (a share), two (a list), three (a share), the rest. */
const TARGETS = Array.from({ length: 12 }, (_, index) => `mw${String(index + 1).padStart(2, '0')}`);
const DEST = '/srv/mediawiki/php/index.php';
/** Every byte value, so a rollback that is not byte-exact shows. */
const OLD = Buffer.from(Array.from({ length: 512 }, (_, index) => (index * 7) % 256));
const ALWAYS = '9223372036854775807';

let fixture: StepFixture;
afterEach(async () => fixture?.cleanup());

interface HostEntry {
  host: string;
  phase: string;
  outcome: string;
  error?: string;
}

/** Three stages: one takes 20% of the 10 non-canaries (2: mw03, mw05, passing over mw04 named by two), two lists mw04 and mw06, three takes 2. */
function threeStages(twoChecks: unknown[]): unknown[] {
  return [
    { name: 'one', share: '20%', checks: ['echo "$DEPLOY_STAGE $DEPLOY_STAGE_HOSTS {hosts}" >> stage-env.txt'] },
    { name: 'two', hosts: ['mw06', 'mw04'], checks: twoChecks },
    { name: 'three', share: 2 },
  ];
}

/** Given: every host has the old file (mode 640) but mw05, which has none. */
async function fleet(config: Record<string, unknown>): Promise<void> {
  fixture = await stepFixture({ targets: TARGETS, canaries: ['mw01', 'mw02'], ...config });
  for (const host of TARGETS) if (host !== 'mw05') fixture.fleet.files.set(host, new Map([[DEST, { content: OLD, mode: 0o100640 }]]));
}

const fileOn = (host: string) => fixture.fleet.files.get(host)?.get(DEST);
const restartsOf = (host: string): string[][] =>
  fixture.fleet.records.filter((record) => record.host === host && record.action === 'exec-start').map((record) => [...(record.argv ?? [])]);
const entries = (report: { hosts: HostEntry[] }, phase: string): string[] =>
  report.hosts.filter((host) => host.phase === phase).map((host) => `${host.host} ${host.outcome}${host.error ? `: ${host.error}` : ''}`);

describe('sync-file with stages', () => {
  it('runs every stage in order between the canaries and the rest, each checked with its own hosts', async () => {
    // Given three stages whose checks pass
    await fleet({ stages: threeStages(['test "$DEPLOY_STAGE" = two']) });
    // When the file is synced with --json
    const code = await syncFile({ ...fixture.options({ json: true }), path: 'php/index.php' });
    // Then it succeeds, through every stage's phases in order
    expect(code).toBe(0);
    const report = JSON.parse(fixture.stdout.text);
    expect(report.status).toBe('success');
    expect(report.phases.map((phase: { name: string }) => phase.name)).toEqual([
      'sync-canaries',
      'restart-canaries',
      'check-canaries',
      'sync-one',
      'restart-one',
      'check-one',
      'sync-two',
      'restart-two',
      'check-two',
      'sync-three',
      'restart-three',
      'sync-hosts',
      'restart-hosts',
    ]);
    expect(entries(report, 'restart-one')).toEqual(['mw03 ok', 'mw05 ok']);
    expect(entries(report, 'sync-two')).toEqual(['mw06 ok', 'mw04 ok']);
    expect(entries(report, 'restart-three')).toEqual(['mw07 ok', 'mw08 ok']);
    expect(entries(report, 'sync-hosts')).toEqual(['mw09 ok', 'mw10 ok', 'mw11 ok', 'mw12 ok']);
    // And the stage's shell check saw DEPLOY_STAGE, DEPLOY_STAGE_HOSTS and {hosts}
    expect(await readFile(join(fixture.dir, 'stage-env.txt'), 'utf8')).toBe('one mw03,mw05 mw03|mw05\n');
    expect(report.checks.map((check: { check: string; ok: boolean }) => [check.check, check.ok])).toEqual([
      ['echo "$DEPLOY_STAGE $DEPLOY_STAGE_HOSTS mw03|mw05" >> stage-env.txt', true],
      ['test "$DEPLOY_STAGE" = two', true],
    ]);
    // And every host was restarted once
    for (const host of TARGETS) expect(restartsOf(host).length).toBe(1);
  });

  it("rolls back the canaries and the first stages byte-exact when the second stage's checks fail, and touches nothing later", async () => {
    // Given three stages, the second one's check failing
    await fleet({ stages: threeStages(['echo "5xx up" >&2; exit 1']) });
    // When the file is synced with --json
    const code = await syncFile({ ...fixture.options({ json: true }), path: 'php/index.php' });
    // Then the run is rolled back, exit 1
    expect(code).toBe(1);
    const report = JSON.parse(fixture.stdout.text);
    expect(report.status).toBe('rolled-back');
    // And every host synced so far has its old content and mode back (mw05, which had none, has none again)
    for (const host of ['mw01', 'mw02', 'mw03', 'mw04', 'mw06']) {
      expect(fileOn(host)?.content.equals(OLD), host).toBe(true);
      expect((fileOn(host)?.mode ?? 0) & 0o7777).toBe(0o640);
    }
    expect(fileOn('mw05')).toBeUndefined();
    // And each was restarted a second time, with the always threshold
    for (const host of ['mw01', 'mw02', 'mw03', 'mw05', 'mw04', 'mw06']) expect(restartsOf(host).map((argv) => argv.at(-1))).toEqual(['100', ALWAYS]);
    // And no later host was touched
    expect(fixture.fleet.touched().sort()).toEqual(['mw01', 'mw02', 'mw03', 'mw04', 'mw05', 'mw06']);
    // And the report has the rollback phases after check-two, and the later phases not started
    expect(report.phases.map((phase: { name: string }) => phase.name).slice(8, 11)).toEqual(['check-two', 'rollback-sync', 'rollback-restart']);
    expect(entries(report, 'rollback-sync')).toEqual(['mw01 ok', 'mw02 ok', 'mw03 ok', 'mw05 ok', 'mw06 ok', 'mw04 ok']);
    expect(entries(report, 'sync-three')).toEqual([
      'mw07 not-started: rolled back: checks of stage two failed',
      'mw08 not-started: rolled back: checks of stage two failed',
    ]);
    expect(entries(report, 'restart-hosts')).toHaveLength(4);
  });

  it('ends with the last line the contract gives for a stage', async () => {
    // Given the failing second stage
    await fleet({ stages: threeStages(['exit 3']) });
    // When the file is synced (human output)
    const code = await syncFile({ ...fixture.options(), path: 'php/index.php' });
    // Then the failed check names its stage, and the last line names the stage and the hosts rolled back
    expect(code).toBe(1);
    expect(fixture.stdout.text).toContain('Check of stage two failed: exit 3 returned [3]');
    expect(fixture.stdout.text).toContain('checks of stage two failed: rolling back php/index.php on 6 hosts');
    expect(fixture.stdout.text).toMatch(/\d\d:\d\d:\d\d Rolled back php\/index.php on 6 hosts: checks of stage two failed \(duration: 00m \d\ds\)\n$/);
  });

  it('with canary_failure_action abort, stops there and names the hosts that keep the new file', async () => {
    // Given the failing second stage and the abort action
    await fleet({ stages: threeStages(['exit 1']), canary_failure_action: 'abort' });
    // When the file is synced
    const code = await syncFile({ ...fixture.options(), path: 'php/index.php' });
    // Then it is aborted, nothing rolled back, no later host touched
    expect(code).toBe(1);
    expect(fileOn('mw04')?.content.toString()).toBe('<?php echo 1;\n');
    expect(fixture.fleet.touched().sort()).toEqual(['mw01', 'mw02', 'mw03', 'mw04', 'mw05', 'mw06']);
    expect(fixture.stdout.text).toMatch(
      /Aborted sync-file php\/index.php: checks of stage two failed; mw01, mw02, mw03, mw05, mw06, mw04 keep the new php\/index.php \(not rolled back\)/,
    );
  });

  it('on a terminal, asks about the stage, and going on after an ignore is a warning', async () => {
    // Given the failing second stage, and a deployer who answers ignore
    await fleet({ stages: threeStages(['exit 1']) });
    const asked: Array<string | undefined> = [];
    const ask: CanaryFailureAsker = async (_default, _signal, stage) => {
      asked.push(stage);
      return 'ignore';
    };
    // When the file is synced on a terminal
    Object.assign(fixture.stdout, { isTTY: true });
    const stdin = Object.assign(new PassThrough(), { isTTY: true });
    const code = await syncFile({ ...fixture.options({ env: {}, stdin, askOnCanaryFailure: ask }), path: 'php/index.php' });
    // Then the question named stage two, and the run went on to the end with warnings
    expect(asked).toEqual(['two']);
    expect(code).toBe(0);
    expect(fixture.stdout.text).toContain('checks of stage two failed, ignored as asked');
    expect(fixture.stdout.text).toMatch(/Synchronized php\/index.php: test deploy/);
    expect(fileOn('mw12')?.content.toString()).toBe('<?php echo 1;\n');
  });

  it('takes the max_ratio baseline of every stage before any host is touched', async () => {
    // Given a Prometheus stand-in that notes when each query comes, and a stage check with max_ratio
    const seen: Array<{ query: string; at: number }> = [];
    const server: Server = createServer((request, response) => {
      const query = new URL(request.url ?? '/', 'http://x').searchParams.get('query') ?? '';
      seen.push({ query, at: performance.now() });
      response.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [0, '1'] }] } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      await fleet({
        stages: [
          { name: 'one', share: 1 },
          { name: 'two', share: 1, checks: [{ prometheus: url, query: 'sum(errors{host=~"{hosts}"})', max_ratio: 2 }] },
        ],
      });
      // When the file is synced
      const code = await syncFile({ ...fixture.options(), path: 'php/index.php' });
      // Then the stage's query ran once before the first host was touched (its baseline) and once as the check
      expect(code).toBe(0);
      expect(seen.map((query) => query.query)).toEqual(['sum(errors{host=~"mw04"})', 'sum(errors{host=~"mw04"})']);
      const firstTouch = Math.min(...fixture.fleet.records.map((record) => record.at));
      expect(seen[0]?.at).toBeLessThan(firstTouch);
    } finally {
      server.close();
    }
  });
});

describe('sync-file --force with stages', () => {
  it("skips each stage's checks as it skips the canaries', with a warning line", async () => {
    // Given the failing second stage
    await fleet({ stages: threeStages(['exit 1']) });
    // When the file is synced with --force
    const code = await syncFile({ ...fixture.options({ force: true }), path: 'php/index.php' });
    // Then stage two's checks are skipped with a warning, and every host gets the file
    expect(code).toBe(0);
    expect(fixture.stdout.text).toContain('--force: skipping checks of stage two (1 configured) and the wait before them');
    for (const host of TARGETS) expect(fileOn(host)?.content.toString(), host).toBe('<?php echo 1;\n');
  });
});

describe('php-fpm-restart with stages', () => {
  it("aborts when a stage's checks fail (there is nothing to roll back), restarting no later host", async () => {
    // Given the failing second stage
    await fleet({ stages: threeStages(['exit 1']) });
    // When php-fpm-restart runs with --json
    const code = await phpFpmRestart({ ...fixture.options({ json: true }) });
    // Then it is aborted, exit 1, and no host after stage two was restarted
    expect(code).toBe(1);
    const report = JSON.parse(fixture.stdout.text);
    expect(report.status).toBe('aborted');
    expect(report.phases.map((phase: { name: string }) => phase.name)).not.toContain('rollback-restart');
    expect(fixture.fleet.touched().sort()).toEqual(['mw01', 'mw02', 'mw03', 'mw04', 'mw05', 'mw06']);
    expect(entries(report, 'restart-three')).toEqual(['mw07 not-started: run aborted', 'mw08 not-started: run aborted']);
  });
});
