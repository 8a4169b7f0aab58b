/**
 * Figure 4: pools. 1,000 synthetic hosts in 10 pools of unequal size, restart_concurrency 50,
 * pool_concurrency 10%: the engine's makespan (rollout + PoolScheduler + FakeFleet, real
 * timers, slowest-first) against the pool-aware lower bound, and exact schedules of the
 * alternatives (each pool in turn; fixed batches per pool) computed from the same durations.
 */
import { resolveConcurrency } from '../src/run/plan/limits.js';
import { rollout } from '../src/rollout/rollout.js';
import { PoolScheduler } from '../src/rollout/scheduler.js';
import { FakeFleet } from '../testing/fake-fleet.js';
import { fixedBatchMakespan, mulberry32, restartDurations, slidingWindowMakespan } from './distribution.js';
import { ratio, secs, type Row } from './table.js';

export interface PoolsOptions {
  hosts: number;
  concurrency: number;
  /** Share of each pool's hosts restarting at once, in percent (pool_concurrency "N%"). */
  poolPercent: number;
  seed: number;
}

/** Unequal pool sizes, largest first, summing to `hosts` (shares 30, 20, 15, 10, 8, 6, 5, 3, 2, 1 %). */
const SHARES = [30, 20, 15, 10, 8, 6, 5, 3, 2, 1];

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

/** Exact makespan of the engine's rules with zero overhead: a discrete-event run of PoolScheduler. */
function simulate(order: readonly string[], durationOf: ReadonlyMap<string, number>, scheduler: PoolScheduler): number {
  const running: Array<{ host: string; end: number }> = [];
  let now = 0;
  const start = (): void => {
    for (const host of scheduler.take()) running.push({ host, end: now + (durationOf.get(host) ?? 0) });
  };
  start();
  while (running.length > 0) {
    let next = 0;
    for (let i = 1; i < running.length; i++) if (running[i]!.end < running[next]!.end) next = i;
    const [done] = running.splice(next, 1);
    now = done!.end;
    scheduler.end(done!.host);
    start();
  }
  if (scheduler.queued.length > 0) throw new Error(`simulation left ${scheduler.queued.length} of ${order.length} hosts waiting`);
  return now;
}

export async function poolsFigure(options: PoolsOptions, log: (line: string) => void): Promise<Row[]> {
  const { hosts, concurrency, poolPercent, seed } = options;
  const durations = restartDurations(hosts, seed);
  const names = durations.map((_, i) => `mw${String(i + 1).padStart(4, '0')}`);
  const durationOf = new Map(names.map((name, i) => [name, durations[i]!]));
  // Hosts dealt to pools at random (seeded), so each pool draws its own mix of slow hosts.
  const random = mulberry32(seed ^ 0x5eed);
  const shuffled = [...names].sort(() => random() - 0.5);
  const of = new Map<string, string>();
  const members: string[][] = [];
  let next = 0;
  SHARES.forEach((share, p) => {
    const size = p === SHARES.length - 1 ? hosts - next : Math.round((hosts * share) / 100);
    members.push(shuffled.slice(next, next + size));
    for (const host of shuffled.slice(next, next + size)) of.set(host, `pool${p + 1}`);
    next += size;
  });
  const caps = new Map(members.map((list, p) => [`pool${p + 1}`, resolveConcurrency({ value: poolPercent, percent: true }, list.length)]));
  const pools = { of, concurrency: caps, maxParallel: 0 };
  const work = (list: readonly string[]): number[] => list.map((host) => durationOf.get(host)!);
  const bound = Math.max(sum(durations) / concurrency, ...members.map((list, p) => sum(work(list)) / caps.get(`pool${p + 1}`)!), Math.max(...durations));
  const slowestFirst = [...names].sort((a, b) => durationOf.get(b)! - durationOf.get(a)!);
  const exactSlowest = simulate(slowestFirst, durationOf, new PoolScheduler(slowestFirst, { concurrency, poolOf: of, poolConcurrency: caps }));
  const exactConfig = simulate(names, durationOf, new PoolScheduler(names, { concurrency, poolOf: of, poolConcurrency: caps }));
  const capOf = (p: number): number => Math.min(concurrency, caps.get(`pool${p + 1}`)!);
  const inTurn = sum(
    members.map((list, p) =>
      slidingWindowMakespan(
        work(list).sort((a, b) => b - a),
        capOf(p),
      ),
    ),
  );
  const batches = sum(members.map((list, p) => fixedBatchMakespan(work(list), capOf(p))));
  log(
    `pools: sizes ${members.map((list) => list.length).join('/')}, caps ${[...caps.values()].join('/')}, bound ${secs(bound)} (global ${secs(sum(durations) / concurrency)})`,
  );

  // Measured: the real engine on timers, slowest-first, with a trace to check the limits.
  const fleet = new FakeFleet({ hosts: Object.fromEntries(names.map((name) => [name, { execMs: durationOf.get(name)! }])) });
  const inPool = new Map<string, number>();
  let overCap = 0;
  const t0 = performance.now();
  const { results } = await rollout({
    phase: 'restart-hosts',
    hosts: slowestFirst,
    concurrency,
    failureLimit: 0,
    pools,
    task: async (host, context) => {
      await fleet.exec(host, ['restart'], { signal: context.signal });
      return { outcome: 'ok' };
    },
    onEvent: (event) => {
      if (event.type === 'host-start') {
        const pool = of.get(event.host)!;
        inPool.set(pool, (inPool.get(pool) ?? 0) + 1);
        if (inPool.get(pool)! > caps.get(pool)!) overCap++;
      } else if (event.type === 'host-end') {
        const pool = of.get(event.result.host)!;
        inPool.set(pool, inPool.get(pool)! - 1);
      }
    },
  });
  const measured = performance.now() - t0;
  log(`pools: measured ${secs(measured)}, exact ${secs(exactSlowest)}, most running ${fleet.maxRunning}, over a pool cap ${overCap}`);
  if (results.some((result) => result.outcome !== 'ok') || fleet.maxRunning > concurrency || overCap > 0) {
    throw new Error(`pools run broke a limit: most running ${fleet.maxRunning}, starts over a pool cap ${overCap}`);
  }
  const r = measured / bound;
  const label = `${hosts} hosts, 10 pools, c=${concurrency}, pool_concurrency ${poolPercent}%`;
  return [
    {
      figure: `4a restart-hosts makespan with pools, ${label}, slowest-first (rollout + FakeFleet)`,
      measured: secs(measured),
      reference: `pool-aware bound ${secs(bound)}`,
      ratio: `${ratio(r)} (<= 1.05; zero-overhead schedule: ${ratio(exactSlowest / bound)})`,
      verdict: r <= 1.05 ? 'pass' : 'MISS',
    },
    {
      figure: '4b   same rules, config order (exact, zero overhead)',
      measured: secs(exactConfig),
      reference: `pool-aware bound ${secs(bound)}`,
      ratio: ratio(exactConfig / bound),
      verdict: 'info',
    },
    {
      figure: '4c   each pool in turn, sliding window of its cap, slowest-first (exact)',
      measured: secs(inTurn),
      reference: `pool-aware bound ${secs(bound)}`,
      ratio: `${ratio(inTurn / bound)} (pools are ${ratio(inTurn / measured, 2)}x faster)`,
      verdict: 'info',
    },
    {
      figure: '4d   each pool in turn, fixed batches of its cap (exact)',
      measured: secs(batches),
      reference: `pool-aware bound ${secs(bound)}`,
      ratio: `${ratio(batches / bound)} (pools are ${ratio(batches / measured, 2)}x faster)`,
      verdict: 'info',
    },
  ];
}
