import type { Config } from '../../config/schema.js';
import type { HostResult } from '../../rollout/types.js';
import { DEFAULT_POOL } from '../../rollout/scheduler.js';
import { resolveConcurrency, resolveFailureLimit } from './limits.js';
import type { PhasePools } from './types.js';

/** Every target's pool (a target in no pool is in `default`); undefined without `pools`. */
export function poolMembership(config: Pick<Config, 'pools' | 'targets'>): Map<string, string> | undefined {
  const names = Object.keys(config.pools);
  if (names.length === 0) return undefined;
  const of = new Map<string, string>();
  for (const name of names) for (const host of config.pools[name] ?? []) of.set(host, name);
  for (const host of config.targets) if (!of.has(host)) of.set(host, DEFAULT_POOL);
  return of;
}

/** The pools of a restart phase: caps and limits computed from each pool's hosts that run in it. */
export function phasePools(config: Config, hosts: readonly string[], skip: ReadonlyMap<string, string>): PhasePools | undefined {
  const of = poolMembership(config);
  if (of === undefined) return undefined;
  const order = [...Object.keys(config.pools), DEFAULT_POOL];
  const members = new Map<string, string[]>();
  for (const host of hosts) {
    if (skip.has(host)) continue;
    const pool = of.get(host) ?? DEFAULT_POOL;
    members.set(pool, [...(members.get(pool) ?? []), host]);
  }
  const listed = order.filter((name) => members.has(name)).map((name) => ({ name, hosts: members.get(name) ?? [] }));
  const limit = config.pool_failure_limit;
  return {
    of,
    members: listed,
    concurrency: new Map(listed.map(({ name, hosts: poolHosts }) => [name, resolveConcurrency(config.pool_concurrency, poolHosts.length)])),
    maxParallel: config.max_parallel_pools,
    ...(limit !== undefined ? { failureLimit: new Map(listed.map(({ name, hosts: poolHosts }) => [name, resolveFailureLimit(limit, poolHosts.length)])) } : {}),
  };
}

const COUNT_WORDS: Array<[HostResult['outcome'], string]> = [
  ['ok', 'ok'],
  ['warning', 'warn'],
  ['failed', 'fail'],
  ['skipped', 'skip'],
  ['not-started', 'not-started'],
];

/** `restart-hosts pools: appserver ok 8 fail 0; api ok 3 warn 1` (ok and fail always shown). */
export function poolCountsLine(phase: string, pools: PhasePools, results: readonly HostResult[]): string {
  const parts = [...new Set([...pools.members.map((member) => member.name), ...results.map((result) => pools.of.get(result.host) ?? DEFAULT_POOL)])].map(
    (name) => {
      const mine = results.filter((result) => (pools.of.get(result.host) ?? DEFAULT_POOL) === name);
      const counts = COUNT_WORDS.map(([outcome, word]) => [word, mine.filter((result) => result.outcome === outcome).length] as const)
        .filter(([word, count]) => count > 0 || word === 'ok' || word === 'fail')
        .map(([word, count]) => `${word} ${count}`);
      return `${name} ${counts.join(' ')}`;
    },
  );
  return `${phase} pools: ${parts.join('; ')}`;
}

/**
 * Per-pool progress during a restart phase: the counts line again, at most every `everyMs`,
 * as hosts finish (the line at the phase's end is the pool summary).
 */
export function poolProgress(
  phase: string,
  pools: PhasePools,
  say: (line: string) => void,
  everyMs = 5000,
  now: () => number = Date.now,
): (result: HostResult) => void {
  const results: HostResult[] = [];
  let last = now();
  return (result) => {
    results.push(result);
    if (now() - last < everyMs) return;
    last = now();
    say(poolCountsLine(phase, pools, results));
  };
}
