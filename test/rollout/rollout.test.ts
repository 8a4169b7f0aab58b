import { describe, expect, it } from 'vitest';
import { rollout } from '../../src/rollout/rollout.js';
import type { HostTask, RolloutEvent } from '../../src/rollout/types.js';
import { FakeFleet, type FakeHostBehaviour } from '../../testing/fake-fleet.js';

const hostsNamed = (count: number): string[] => Array.from({ length: count }, (_, i) => `h${String(i + 1).padStart(3, '0')}`);

/** A task that runs one command on the fake fleet and classifies it like a restart phase. */
function restartOn(fleet: FakeFleet): HostTask {
  return async (host, context) => {
    const result = await fleet.exec(host, ['restart'], {
      signal: context.signal,
      onStart: () => context.commandStarted(),
      onOutput: () => context.activity(),
      onRetry: (attempt, error, delayMs) => context.retrying(attempt, error, delayMs),
    });
    return { outcome: result.exitCode === 0 ? 'ok' : 'warning', exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
  };
}

function fleetOf(hosts: Record<string, FakeHostBehaviour>, defaults: FakeHostBehaviour = {}): FakeFleet {
  return new FakeFleet({ hosts, defaults });
}

describe('rollout: the sliding window', () => {
  it('never runs more hosts at once than the concurrency, and reaches it', async () => {
    // Given 40 hosts with varied durations and a window of 7
    const hosts = hostsNamed(40);
    const fleet = fleetOf(Object.fromEntries(hosts.map((host, i) => [host, { execMs: 5 + ((i * 7) % 13) }])));
    // When they are rolled out
    const { results } = await rollout({ phase: 'restart-hosts', hosts, concurrency: 7, failureLimit: 0, task: restartOn(fleet) });
    // Then the window was filled but never exceeded
    expect(fleet.maxRunning).toBe(7);
    expect(results.map((result) => result.outcome)).toEqual(hosts.map(() => 'ok'));
  });

  it('starts the next host the moment any host finishes: a slow host holds nobody back', async () => {
    // Given a window of 2, one host taking 400 ms and eight taking 10 ms
    const hosts = hostsNamed(9);
    const fleet = fleetOf({ h001: { execMs: 400 } }, { execMs: 10 });
    // When they are rolled out
    await rollout({ phase: 'restart-hosts', hosts, concurrency: 2, failureLimit: 0, task: restartOn(fleet) });
    // Then every other host started and finished while the slow one was still running
    const slowEnd = fleet.records.find((r) => r.host === 'h001' && r.action === 'exec-end')?.at ?? 0;
    const othersEnded = fleet.records.filter((r) => r.host !== 'h001' && r.action === 'exec-end');
    expect(othersEnded).toHaveLength(8);
    for (const record of othersEnded) expect(record.at).toBeLessThan(slowEnd);
  });

  it('reports a non-zero exit as a warning with its output, and a refused host as failed', async () => {
    // Given one host whose script exits 3, one that refuses connections
    const fleet = fleetOf({ a: { exitCode: 3, stdout: 'out\n', stderr: 'err\n' }, b: { refuse: true } });
    // When they are rolled out with one failure tolerated
    const { results, stoppedBy } = await rollout({ phase: 'restart-hosts', hosts: ['a', 'b', 'c'], concurrency: 1, failureLimit: 1, task: restartOn(fleet) });
    // Then a is a warning carrying its output, b failed with a reason, c ran, and nothing stopped
    expect(results[0]).toMatchObject({ host: 'a', outcome: 'warning', exitCode: 3, stdout: 'out\n', stderr: 'err\n' });
    expect(results[1]).toMatchObject({ host: 'b', outcome: 'failed' });
    expect(results[1]?.error).toMatch(/connection refused/);
    expect(results[2]).toMatchObject({ host: 'c', outcome: 'ok' });
    expect(stoppedBy).toBeUndefined();
  });
});

describe('rollout: failure_limit', () => {
  it('takes a host the task found it must leave alone as skipped, with the reason, never toward the limit', async () => {
    // Given a task that skips h002 when it runs, and a failure limit of 0
    const hosts = hostsNamed(3);
    const task: HostTask = async (host) => (host === 'h002' ? { outcome: 'skipped', error: 'changed since run r1' } : { outcome: 'ok' });
    // When the hosts are rolled out
    const { results, stoppedBy } = await rollout({ phase: 'sync-hosts', hosts, concurrency: 1, failureLimit: 0, task });
    // Then h002 is skipped with its reason and the others ran: nothing stopped the phase
    expect(results.map((result) => [result.host, result.outcome, result.error])).toEqual([
      ['h001', 'ok', undefined],
      ['h002', 'skipped', 'changed since run r1'],
      ['h003', 'ok', undefined],
    ]);
    expect(stoppedBy).toBeUndefined();
  });

  it('starts no new host once failures pass the limit', async () => {
    // Given 20 hosts of which the first three refuse connections, window 1, one failure tolerated
    const hosts = hostsNamed(20);
    const fleet = fleetOf({ h001: { refuse: true }, h002: { refuse: true }, h003: { refuse: true } });
    const events: RolloutEvent[] = [];
    // When they are rolled out
    const { results, stoppedBy } = await rollout({
      phase: 'restart-hosts',
      hosts,
      concurrency: 1,
      failureLimit: 1,
      task: restartOn(fleet),
      onEvent: (e) => events.push(e),
    });
    // Then the second failure stopped scheduling: everything after it was never started
    expect(stoppedBy).toBe('failure-limit');
    expect(results.slice(0, 2).map((r) => r.outcome)).toEqual(['failed', 'failed']);
    expect(results.slice(2).every((r) => r.outcome === 'not-started')).toBe(true);
    expect(fleet.touched()).toEqual([]); // refused hosts never connected; nobody else was reached
    expect(events.filter((e) => e.type === 'host-start')).toHaveLength(2);
    expect(events.some((e) => e.type === 'limit-reached')).toBe(true);
  });

  it('lets hosts already in flight finish when the limit is reached', async () => {
    // Given a window of 3 where the first host fails at once and the other two are slow
    const fleet = fleetOf({ a: { refuse: true }, b: { execMs: 60 }, c: { execMs: 60 } });
    // When the first failure passes a limit of 0
    const { results } = await rollout({ phase: 'p', hosts: ['a', 'b', 'c', 'd'], concurrency: 3, failureLimit: 0, task: restartOn(fleet) });
    // Then b and c, already running, completed; d never started
    expect(results.map((r) => r.outcome)).toEqual(['failed', 'ok', 'ok', 'not-started']);
  });
});

describe('rollout: hangs and stops', () => {
  it('kills a hung host at the timeout and moves on', async () => {
    // Given a host that never finishes and a 100 ms timeout
    const fleet = fleetOf({ stuck: { hang: true } }, { execMs: 5 });
    // When the phase runs
    const { results } = await rollout({
      phase: 'p',
      hosts: ['stuck', 'x', 'y'],
      concurrency: 1,
      failureLimit: 5,
      timeout: { ms: 100, message: 'timed out after 0.1s' },
      task: restartOn(fleet),
    });
    // Then the hung host failed as timed out, its command was stopped, and the others ran
    expect(results[0]).toMatchObject({ outcome: 'failed', error: 'timed out after 0.1s' });
    expect(fleet.running).toBe(0);
    expect(results.slice(1).map((r) => r.outcome)).toEqual(['ok', 'ok']);
  });

  it('stops a silent host with the stall watchdog but leaves a slow talking one alone', async () => {
    // Given a silent host and a slow host that prints every 20 ms, with a 100 ms stall limit
    const fleet = fleetOf({ silent: { hang: true }, talker: { execMs: 300, talkEveryMs: 20 } });
    // When both run
    const { results } = await rollout({
      phase: 'p',
      hosts: ['silent', 'talker'],
      concurrency: 2,
      failureLimit: 5,
      stall: { ms: 100, message: 'stalled: no output for 0.1s' },
      task: restartOn(fleet),
    });
    // Then only the silent one was stopped, as stalled
    expect(results[0]).toMatchObject({ outcome: 'failed' });
    expect(results[0]?.error).toMatch(/^stalled: no output for 0.1s/);
    expect(results[1]).toMatchObject({ outcome: 'ok' });
  });

  it('on stop, starts no new host and lets in-flight hosts finish', async () => {
    // Given 10 hosts of 50 ms each, window 2, and a stop 20 ms in
    const fleet = fleetOf({}, { execMs: 50 });
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 20);
    // When the phase runs
    const { results, stoppedBy } = await rollout({
      phase: 'p',
      hosts: hostsNamed(10),
      concurrency: 2,
      failureLimit: 0,
      stop: stop.signal,
      task: restartOn(fleet),
    });
    // Then the two in flight finished ok and the eight others never started
    expect(stoppedBy).toBe('interrupt');
    expect(results.map((r) => r.outcome)).toEqual(['ok', 'ok', ...Array(8).fill('not-started')]);
  });

  it('on kill, stops the hosts in flight too', async () => {
    // Given two hung hosts and a kill 30 ms in
    const fleet = fleetOf({}, { hang: true });
    const stop = new AbortController();
    const kill = new AbortController();
    setTimeout(() => {
      stop.abort();
      kill.abort();
    }, 30);
    // When the phase runs
    const { results } = await rollout({
      phase: 'p',
      hosts: ['a', 'b', 'c'],
      concurrency: 2,
      failureLimit: 5,
      stop: stop.signal,
      kill: kill.signal,
      task: restartOn(fleet),
    });
    // Then both in-flight hosts were stopped and reported as such, the third never started
    expect(results.map((r) => r.outcome)).toEqual(['failed', 'failed', 'not-started']);
    expect(results[0]?.error).toBe('stopped by a second interrupt');
    expect(fleet.running).toBe(0);
  });

  it('reports skipped hosts with their reason and does not run them', async () => {
    // Given a host to skip
    const fleet = fleetOf({});
    // When the phase runs
    const { results } = await rollout({
      phase: 'p',
      hosts: ['a', 'job'],
      skip: new Map([['job', 'in no_restart_targets']]),
      concurrency: 5,
      failureLimit: 0,
      task: restartOn(fleet),
    });
    // Then it is skipped with the reason and never touched
    expect(results[1]).toEqual({ host: 'job', phase: 'p', outcome: 'skipped', error: 'in no_restart_targets' });
    expect(fleet.touched()).toEqual(['a']);
  });
});

describe('rollout: faults', () => {
  it('starts the stall clock when the command starts: slow connection retries are not silence', async () => {
    // Given a host whose first two connection attempts fail, 80 ms apart, then a quick command, and a 60 ms stall limit
    const fleet = new FakeFleet({ hosts: { flaky: { failConnects: 2, execMs: 10 } }, connectRetries: 3, retryDelayMs: 80 });
    // When it runs
    const { results } = await rollout({
      phase: 'p',
      hosts: ['flaky'],
      concurrency: 1,
      failureLimit: 0,
      stall: { ms: 60, message: 'stalled' },
      task: restartOn(fleet),
    });
    // Then it is ok: the retries took longer than the stall limit but the command never was silent that long
    expect(results[0]).toMatchObject({ host: 'flaky', outcome: 'ok' });
  });

  it('reports a second interrupt as an interrupt, never as the failure limit, though the killed hosts failed', async () => {
    // Given 6 hanging hosts, a window of 3, no failure tolerated
    const fleet = fleetOf({}, { hang: true });
    const stop = new AbortController();
    const kill = new AbortController();
    const events: RolloutEvent[] = [];
    setTimeout(() => stop.abort(), 30);
    setTimeout(() => kill.abort(), 60);
    // When a first and a second interrupt arrive
    const { results, stoppedBy } = await rollout({
      phase: 'p',
      hosts: hostsNamed(6),
      concurrency: 3,
      failureLimit: 0,
      stop: stop.signal,
      kill: kill.signal,
      task: restartOn(fleet),
      onEvent: (e) => events.push(e),
    });
    // Then the phase stopped by interrupt, the 3 in flight were stopped, 3 never started, and no limit was reported
    expect(stoppedBy).toBe('interrupt');
    expect(results.map((r) => r.outcome)).toEqual(['failed', 'failed', 'failed', 'not-started', 'not-started', 'not-started']);
    expect(results[0]?.error).toBe('stopped by a second interrupt');
    expect(results[3]?.error).toBe('run interrupted');
    expect(events.filter((e) => e.type === 'limit-reached')).toEqual([]);
  });
});
