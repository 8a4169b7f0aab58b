import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { phpFpmRestart } from '../../src/services/php-fpm-restart.js';
import { stepFixture, type StepFixture } from './fixture.js';

let fixture: StepFixture;
afterEach(async () => fixture?.cleanup());

const hostsOf = (prefix: string, count: number): string[] => Array.from({ length: count }, (_, i) => `${prefix}${i + 1}`);
const APP = hostsOf('app', 6);
const API = hostsOf('api', 3);
const JOB = hostsOf('job', 2);

/** The most hosts of `hosts` running at once, from the fleet's exec records. */
function maxRunningOf(f: StepFixture, hosts: readonly string[]): number {
  let running = 0;
  let most = 0;
  for (const record of f.fleet.records) {
    if (!hosts.includes(record.host)) continue;
    if (record.action === 'exec-start') most = Math.max(most, ++running);
    if (record.action === 'exec-end') running--;
  }
  return most;
}

describe('pools', () => {
  it('a host in two pools is a usage error naming both pools (exit 2), and nothing is touched', async () => {
    // Given mw02 listed in pools appserver and api (api from a host file)
    fixture = await stepFixture({ targets: ['mw01', 'mw02', 'mw03'], pools: { appserver: ['mw01', 'mw02'], api: 'api.hosts' } });
    await writeFile(join(fixture.dir, 'api.hosts'), '# api\nmw02\nmw03\n');
    // When restarted
    const run = phpFpmRestart(fixture.options());
    // Then it is a usage error naming the host and both pools
    await expect(run).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/mw02 is in two pools, appserver and api/) });
    expect(fixture.fleet.records).toHaveLength(0);
  });

  it("holds each pool to pool_concurrency and reports each host's pool and the pools in --json", async () => {
    // Given three pools (job hosts in none: "default"), 50% per pool, a window of 4
    fixture = await stepFixture(
      { targets: [...APP, ...API, ...JOB], pools: { appserver: APP, api: API }, pool_concurrency: '50%', restart_concurrency: 4 },
      { defaults: { execMs: 15 } },
    );
    // When restarted with --json
    const code = await phpFpmRestart(fixture.options({ json: true }));
    // Then every pool stayed within its cap (50% rounds up: 3, 2, 1)
    expect(code).toBe(0);
    expect(maxRunningOf(fixture, APP)).toBeLessThanOrEqual(3);
    expect(maxRunningOf(fixture, API)).toBeLessThanOrEqual(2);
    expect(maxRunningOf(fixture, JOB)).toBe(1);
    expect(fixture.fleet.maxRunning).toBeLessThanOrEqual(4);
    // And the report names each host's pool, and lists the pools
    const report = JSON.parse(fixture.stdout.text);
    expect(report.hosts.find((h: { host: string }) => h.host === 'api2')).toMatchObject({ pool: 'api', outcome: 'ok' });
    expect(report.hosts.find((h: { host: string }) => h.host === 'job1')).toMatchObject({ pool: 'default' });
    expect(report.pools).toEqual([
      { name: 'appserver', hosts: APP, halted: false },
      { name: 'api', hosts: API, halted: false },
      { name: 'default', hosts: JOB, halted: false },
    ]);
  });

  it('without pools, host entries carry no pool and the report no pools', async () => {
    fixture = await stepFixture({ targets: ['a', 'b'] });
    await phpFpmRestart(fixture.options({ json: true }));
    const report = JSON.parse(fixture.stdout.text);
    expect(report.pools).toBeUndefined();
    expect(report.hosts[0].pool).toBeUndefined();
  });

  it('halts a pool past pool_failure_limit, the others go on; aborted, exit 1, the last line names it', async () => {
    // Given api1 and api2 refuse, no failure tolerated per pool, the phase limit high
    fixture = await stepFixture(
      { targets: [...API, ...APP], pools: { appserver: APP, api: API }, pool_concurrency: 1, pool_failure_limit: 0, failure_limit: 10, restart_concurrency: 2 },
      { hosts: { api1: { refuse: true }, api2: { refuse: true } } },
    );
    // When restarted
    const code = await phpFpmRestart(fixture.options());
    // Then api stopped after its first failure, appserver ran entirely
    expect(code).toBe(1);
    const started = new Set(fixture.fleet.records.filter((r) => r.action === 'exec-start').map((r) => r.host));
    expect(APP.every((host) => started.has(host))).toBe(true);
    expect(fixture.fleet.records.some((r) => r.host === 'api3')).toBe(false);
    const lines = fixture.stdout.text.trim().split('\n');
    expect(fixture.stdout.text).toMatch(/restart-hosts pools: appserver ok 6 fail 0; api ok 0 fail 1 not-started 2/);
    expect(lines.at(-1)).toMatch(/pool_failure_limit reached: pool api halted/);
  });

  it("--dry-run shows each pool's cap per restart phase, in text and JSON", async () => {
    // Given pools with a canary in appserver, 34% per pool, at most 2 pools at once
    fixture = await stepFixture({
      targets: [...APP, ...API],
      canaries: ['app1'],
      pools: { appserver: APP, api: API },
      pool_concurrency: '34%',
      max_parallel_pools: 2,
      pool_failure_limit: '50%',
    });
    // When dry-run
    await phpFpmRestart(fixture.options({ dryRun: true }));
    // Then restart-hosts shows appserver's 5 remaining hosts at 2 at once, api's 3 at 2 at once
    expect(fixture.stdout.text).toMatch(/pools \(max_parallel_pools 2\): appserver 1 host, at most 1 at once, pool_failure_limit 0\n/);
    expect(fixture.stdout.text).toMatch(
      /pools \(max_parallel_pools 2\): appserver 5 hosts, at most 2 at once, pool_failure_limit 2; api 3 hosts, at most 2 at once, pool_failure_limit 1/,
    );
    fixture.stdout.text = '';
    await phpFpmRestart(fixture.options({ dryRun: true, json: true }));
    const plan = JSON.parse(fixture.stdout.text);
    const restartHosts = plan.phases.find((phase: { name: string }) => phase.name === 'restart-hosts');
    expect(restartHosts.maxParallelPools).toBe(2);
    expect(restartHosts.pools).toEqual([
      { name: 'appserver', hosts: APP.slice(1), concurrency: 2, failureLimit: 2 },
      { name: 'api', hosts: API, concurrency: 2, failureLimit: 1 },
    ]);
    expect(fixture.fleet.records).toHaveLength(0);
  });
});
