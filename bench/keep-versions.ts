/**
 * The cost of keeping old versions (issue 11): a 1 MiB sync-file to a 12-host loopback sshd
 * fleet (test/e2e/fleet), with the version keeper (what every sync-file run does) and without
 * it (only possible here: executePlan without `keeper`), interleaved round by round over one
 * warm SSH transport so connection set-up is not in either figure.
 *
 * Each round every host has the same old file (a fresh one each round) and receives a fresh
 * 1 MiB file. Two cases: an old file one byte longer than the new (the unchanged check needs
 * no read, so keeping's read of the old content is all extra: the worst case) and one of the
 * same size (the unchanged check reads it anyway; keeping reuses that read).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { executePlan } from '../src/run/phases/execute-plan.js';
import { canaryStage } from '../src/run/canary/canary-stage.js';
import { loadRunConfig, prepareRun } from '../src/run/prepare/prepare-run.js';
import { syncFileFlow } from '../src/services/sync-file.js';
import { createTransport } from '../src/run/prepare/create-transport.js';
import { createVersionKeeper } from '../src/run/phases/version-keeper.js';
import { loadHarness, type SshdFleet } from './ssh.js';
import { median, ratio, type Row } from './table.js';

export interface KeepVersionsOptions {
  hosts: number;
  rounds: number;
  fileMiB: number;
  /** The fleet's third address octet and port; away from the test suite's and the other figures'. */
  subnet: number;
  port: number;
}

const PATH = 'bench/payload.bin';
const ms = (value: number): string => `${value.toFixed(1)} ms`;

export async function keepVersionsFigure(options: KeepVersionsOptions, log: (line: string) => void): Promise<Row[]> {
  const name = `K  keeping old versions: ${options.fileMiB} MiB sync-file to ${options.hosts} sshd hosts`;
  const skipped = (why: string): Row[] => [{ figure: name, measured: `skipped: ${why}`, reference: '-', ratio: '-', verdict: 'skipped' }];
  const harness = await loadHarness();
  if (typeof harness === 'string') return skipped(harness);
  if (!harness.sshdAvailable()) return skipped('sshd not available (needs root and openssh-server)');
  const project = mkdtempSync(join(tmpdir(), 'deploy-bench-keep-'));
  let fleet: SshdFleet | undefined;
  try {
    fleet = await harness.startSshdFleet({ count: options.hosts, subnet: options.subnet, port: options.port });
    const f = fleet;
    const size = options.fileMiB * 1024 * 1024;
    await mkdir(join(project, 'stage', 'bench'), { recursive: true });
    await writeFile(join(project, 'stage', PATH), randomBytes(size));
    await writeFile(
      join(project, 'scap.config.json'),
      JSON.stringify({
        transport: 'ssh',
        targets: f.hosts.map((host) => host.name),
        ssh_user: f.user,
        ssh_key: f.clientKeyPath,
        ssh_known_hosts: f.knownHostsPath,
        ssh_config: f.sshConfigPath,
        ssh_connect_retries: 2,
        stage_dir: 'stage',
        deploy_dir: f.deployDir,
        failure_limit: 0,
        lock_file: 'deploy.lock',
        history_file: 'history.jsonl',
      }),
    );
    const flow = syncFileFlow({ path: PATH });
    const runOptions = {
      message: 'bench',
      defines: [],
      force: false,
      json: false,
      dryRun: false,
      cwd: project,
      systemConfigPath: join(project, 'none.json'),
    };
    const prepared = await prepareRun(flow, runOptions, loadRunConfig(flow, runOptions));
    const transport = await createTransport(prepared.loaded);
    const versions = join(project, 'versions');
    const rows: Row[] = [];
    try {
      // Old file one byte longer than the new: the unchanged check needs no read, so keeping's read is all extra (worst case).
      // Old file of the same size: the unchanged check reads it anyway, and keeping reuses that read.
      for (const variant of [
        { label: 'old file of another size', extra: 1 },
        { label: 'old file of the same size', extra: 0 },
      ]) {
        const samples = { keep: [] as number[], without: [] as number[], keepWall: [] as number[], withoutWall: [] as number[] };
        // Round 0 warms the connections and is not counted.
        for (let round = 0; round <= options.rounds; round++) {
          for (const keeping of round % 2 === 0 ? [true, false] : [false, true]) {
            const old = randomBytes(size + variant.extra);
            await Promise.all(
              f.hosts.map(async (host) => {
                await mkdir(join(host.root, 'deploy', 'bench'), { recursive: true });
                await writeFile(join(host.root, 'deploy', PATH), old);
              }),
            );
            const file = { ...prepared.file!, content: randomBytes(size) };
            const keeper = keeping ? createVersionKeeper(versions, `bench-${round}-keep`, (text) => log(`keep-versions: ${text}`)) : undefined;
            const started = performance.now();
            const phaseOptions = {
              plan: prepared.plan,
              transport,
              file,
              report: () => undefined,
              stop: new AbortController().signal,
              kill: new AbortController().signal,
              ...(keeper ? { keeper } : {}),
            };
            const execution = await executePlan({ ...phaseOptions, canaryStage: canaryStage({ ...phaseOptions, cwd: project }) });
            const wall = performance.now() - started;
            const results = execution.phases.flatMap((phase) => phase.results);
            if (results.length !== options.hosts || results.some((result) => result.outcome !== 'ok'))
              throw new Error(`a sync failed: ${JSON.stringify(results.filter((result) => result.outcome !== 'ok'))}`);
            if (round === 0) continue;
            const perHost = median(results.map((result) => result.durationMs ?? 0));
            (keeping ? samples.keep : samples.without).push(perHost);
            (keeping ? samples.keepWall : samples.withoutWall).push(wall);
            log(`keep-versions: ${variant.label}, round ${round} ${keeping ? 'keeping' : 'without '}: per-host median ${ms(perHost)}, phase ${ms(wall)}`);
          }
          await rm(versions, { recursive: true, force: true });
        }
        const keep = median(samples.keep);
        const without = median(samples.without);
        const keepWall = median(samples.keepWall);
        const withoutWall = median(samples.withoutWall);
        rows.push(
          {
            figure: `${name}, ${variant.label}: per-host sync, keeping`,
            measured: ms(keep),
            reference: `${ms(without)} without keeping`,
            ratio: ratio(keep / without),
            verdict: 'info',
          },
          {
            figure: `${name}, ${variant.label}: extra time per host`,
            measured: ms(keep - without),
            reference: `median of ${options.rounds} interleaved rounds`,
            ratio: '-',
            verdict: 'info',
          },
          {
            figure: `${name}, ${variant.label}: whole phase, keeping`,
            measured: ms(keepWall),
            reference: `${ms(withoutWall)} without keeping`,
            ratio: ratio(keepWall / withoutWall),
            verdict: 'info',
          },
        );
      }
    } finally {
      await transport.close();
    }
    return rows;
  } finally {
    await fleet?.stop().catch(() => undefined);
    rmSync(project, { recursive: true, force: true });
  }
}
