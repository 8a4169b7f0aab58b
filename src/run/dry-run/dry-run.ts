import { posix } from 'node:path';
import { describeExpectation } from '../../checks/expand-checks.js';
import type { LockDescription } from '../../state/lock-backend.js';
import { formatSeconds } from '../../lib/duration.js';
import { plural } from '../../lib/text.js';
import { renderCommand } from '../../transport/quote.js';
import type { PhasePools, Plan } from '../plan/types.js';
import type { StagedFile } from '../prepare/stage-file.js';
import type { StagedTree } from '../prepare/staged-tree.js';
import { canaryFailureJson, describeCanaryFailure } from './canary-failure-lines.js';
import { stageLines, stagesJson } from './stage-lines.js';
import { restoreJson, restoreLines } from './restore-lines.js';
import type { RollbackSource } from '../prepare/rollback-source.js';

export interface DryRunContext {
  plan: Plan;
  file?: StagedFile;
  /** rollback: the run it undoes. */
  restore?: RollbackSource;
  /** sync-file <folder>, sync-world: the tree and how hosts' folders change. */
  tree?: { staged: StagedTree; layout: 'in-place' | 'releases'; lines: string[]; json: object };
  /** sync-file <file>: deploy_layout (with releases, the file goes into a new release, as a tree does). */
  fileLayout?: { layout: 'in-place' | 'releases'; keepReleases: number };
  transport: string;
  lock: LockDescription;
}

/** deploy_dir, from a tree's destination (deploy_dir/<path>). */
function deployDirOf(tree: StagedTree): string {
  return tree.relativePath === '.' ? tree.destination : tree.destination.slice(0, -tree.relativePath.length - 1) || '/';
}

function lockText(lock: LockDescription): string {
  return lock.backend === 'etcd'
    ? `lock etcd key ${lock.key} at ${lock.endpoints.join(', ')}, lease ${formatSeconds(lock.ttlSeconds * 1000)}`
    : `lock ${lock.file}`;
}

/** `pools (max_parallel_pools 2): appserver 8 hosts, at most 2 at once, pool_failure_limit 1; ...` */
function poolCaps(pools: PhasePools): string {
  const each = pools.members.map(({ name, hosts }) => {
    const limit = pools.failureLimit?.get(name);
    return `${name} ${plural(hosts.length, 'host')}, at most ${pools.concurrency.get(name)} at once${limit !== undefined ? `, pool_failure_limit ${limit}` : ''}`;
  });
  return `pools (max_parallel_pools ${pools.maxParallel === 0 ? 'no limit' : pools.maxParallel}): ${each.join('; ')}`;
}

function poolCapsJson(pools: PhasePools): object[] {
  return pools.members.map(({ name, hosts }) => {
    const limit = pools.failureLimit?.get(name);
    return { name, hosts, concurrency: pools.concurrency.get(name), ...(limit !== undefined ? { failureLimit: limit } : {}) };
  });
}

const PAUSE_LINE = '     then pause, keeping the lock, until deploy promote (deploy abort stops the run; pause_timeout aborts it)';

/** What a run would do, phase by phase, with hosts and exact commands. Touches nothing. */
export function dryRunLines(context: DryRunContext): string[] {
  const { plan, file, restore, tree } = context;
  const treePath = tree?.staged.relativePath === '.' ? undefined : tree?.staged.relativePath;
  const path = file?.relativePath ?? treePath ?? restore?.path;
  const lines = [`Plan for ${plan.command}${path !== undefined ? ` ${path}` : ''} (transport ${context.transport}, ${lockText(context.lock)}):`];
  lines.push(...stageLines(plan));
  plan.phases.forEach((phase, index) => {
    const number = `${index + 1}.`;
    if (phase.kind === 'check') {
      if (phase.skipChecks) {
        lines.push(`${number} ${phase.name}: skipped (--force)`);
      } else {
        const env = Object.entries(phase.env).map(([name, value]) => `${name}=${value}`);
        const where = [`timeout ${formatSeconds(phase.timeoutMs)} each`, ...env].join(', ');
        lines.push(`${number} ${phase.name}: wait ${formatSeconds(phase.waitMs)}, then run here (${where}):`);
        if (phase.checks.length === 0) lines.push(phase.stage === 'canaries' ? '     (no canary_checks configured)' : '     (no checks: the wait only)');
        for (const check of phase.checks)
          lines.push(`     ${check.command}${check.host !== undefined ? ` (${check.host})` : ''}: passes with ${describeExpectation(check.spec)}`);
        if (phase.checks.length > 0) lines.push(...describeCanaryFailure(phase.failure, phase.stage));
      }
      if (phase.pause) lines.push(PAUSE_LINE);
      return;
    }
    const running = phase.hosts.filter((host) => !phase.skip.has(host));
    const limits = `concurrency ${phase.concurrency}, failure_limit ${phase.failureLimit}`;
    if (phase.kind === 'sync' && restore) {
      lines.push(`${number} ${phase.name} (${plural(running.length, 'host')}, ${limits}): put back what run ${restore.runId} replaced`);
    } else if (phase.kind === 'sync' && tree) {
      const how =
        tree.layout === 'releases'
          ? `build a new release in ${posix.join(tree.staged.destination === '' ? '' : deployDirOf(tree.staged), 'releases')}/<run id>, switched to right before each host's restart`
          : `rsync ${tree.staged.source}/ into ${tree.staged.destination} in place`;
      lines.push(`${number} ${phase.name} (${plural(running.length, 'host')}, ${limits}): ${how}`);
    } else if (phase.kind === 'sync') {
      const how = phase.proxies
        ? `rsync from its proxy (module ${phase.proxies.module}) into ${file?.destination}, else from here`
        : context.fileLayout?.layout === 'releases' && file
          ? `build a new release in ${posix.join(file.destination.slice(0, -file.relativePath.length - 1) || '/', 'releases')}/<run id> that differs from the live one by ${file.relativePath} alone, switched to right before each host's restart`
          : `write ${file?.destination}`;
      lines.push(
        `${number} ${phase.name} (${plural(running.length, 'host')}, ${limits}): ${how} (${file?.content.length} bytes, mode ${file?.mode.toString(8)})`,
      );
    } else {
      lines.push(
        `${number} ${phase.name} (${plural(running.length, 'host')}, ${limits}, timeout ${formatSeconds(phase.timeoutMs)}): ${renderCommand(phase.argv)}`,
      );
    }
    lines.push(`     hosts: ${running.join(', ') || '(none)'}`);
    if (phase.kind === 'restart' && phase.pools) lines.push(`     ${poolCaps(phase.pools)}`);
    if (phase.skip.size > 0) lines.push(`     skipped: ${[...phase.skip].map(([host, why]) => `${host} (${why})`).join(', ')}`);
    if (phase.pause) lines.push(PAUSE_LINE);
  });
  if (restore) lines.push(...restoreLines(restore));
  if (tree) lines.push(...tree.lines);
  if (file && context.fileLayout?.layout === 'releases') lines.push(`deploy_layout: releases (keep_releases ${context.fileLayout.keepReleases})`);
  lines.push(...plan.notes, 'Dry run: nothing was touched (no connection, no lock).');
  return lines;
}

/** The plan as data, for --dry-run --json. */
export function dryRunJson(context: DryRunContext): object {
  return {
    command: context.plan.command,
    dryRun: true,
    ...(context.file ? { path: context.file.relativePath, destination: context.file.destination } : {}),
    ...(context.file && context.fileLayout ? { layout: context.fileLayout.layout } : {}),
    ...(context.restore ? { path: context.restore.path, rollback: restoreJson(context.restore) } : {}),
    ...(context.tree ? { path: context.tree.staged.relativePath, destination: context.tree.staged.destination, ...context.tree.json } : {}),
    transport: context.transport,
    ...(context.lock.backend === 'file' ? { lockFile: context.lock.file } : {}),
    lock: context.lock,
    phases: context.plan.phases.map((phase) =>
      phase.kind === 'check'
        ? {
            name: phase.name,
            stage: phase.stage,
            hosts: phase.hosts,
            checks: phase.skipChecks ? [] : phase.checks.map((check) => check.command),
            waitMs: phase.waitMs,
            ...(phase.skipChecks ? {} : { onFailure: canaryFailureJson(phase.failure) }),
            ...(phase.pause ? { pause: true } : {}),
          }
        : {
            name: phase.name,
            hosts: phase.hosts.filter((host) => !phase.skip.has(host)),
            skipped: Object.fromEntries(phase.skip),
            concurrency: phase.concurrency,
            failureLimit: phase.failureLimit,
            ...(phase.kind === 'restart' ? { command: renderCommand(phase.argv) } : {}),
            ...(phase.kind === 'sync' && phase.proxies ? { proxies: Object.fromEntries(phase.proxies.order), proxyModule: phase.proxies.module } : {}),
            ...(phase.kind === 'restart' && phase.pools ? { pools: poolCapsJson(phase.pools), maxParallelPools: phase.pools.maxParallel } : {}),
            ...(phase.pause ? { pause: true } : {}),
          },
    ),
    ...((context.plan.stages ?? []).length > 0 ? { stages: stagesJson(context.plan) } : {}),
    notes: context.plan.notes,
  };
}
