/**
 * Figure 2: real SSH on the loopback sshd fleet of test/e2e/fleet (one sshd per 127.0.x.y
 * address, each in its own mount and pid namespace). The harness is TypeScript under test/;
 * like scripts/fleet.mjs, it is transpiled at run time (typescript is a dev dependency), so
 * nothing under bench/ imports test/ at compile time.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { lowerBound, restartDurations, slidingWindowMakespan, summarize } from './distribution.js';
import { BIN, ROOT, cliEnv, median, ratio, secs, timed, type Row, type Timed } from './table.js';

/** The part of test/e2e/fleet/sshd-fleet.ts this bench uses. */
interface FleetHost {
  name: string;
  address: string;
  port: number;
  root: string;
}
export interface SshdFleet {
  hosts: FleetHost[];
  user: string;
  clientKeyPath: string;
  knownHostsPath: string;
  sshConfigPath: string;
  restartScript: string;
  deployDir: string;
  setBehaviour(host: string, behaviour: { kind: 'ok'; sleepMs?: number }): Promise<void>;
  restartLog(host: string): Promise<Array<{ at: number; args: string[] }>>;
  stop(): Promise<void>;
}
export interface Harness {
  sshdAvailable(): boolean;
  startSshdFleet(options: { count: number; port?: number; subnet?: number }): Promise<SshdFleet>;
}

const HARNESS_SOURCE = join(ROOT, 'test/e2e/fleet/sshd-fleet.ts');

/** Transpiles and imports the sshd harness; a string says why it cannot be used. */
export async function loadHarness(): Promise<Harness | string> {
  if (!existsSync(HARNESS_SOURCE)) return `the harness ${HARNESS_SOURCE} is missing`;
  let ts: typeof import('typescript');
  try {
    ts = (await import('typescript')).default;
  } catch {
    return 'typescript (a dev dependency) is not installed: run npm ci';
  }
  const { outputText } = ts.transpileModule(readFileSync(HARNESS_SOURCE, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    fileName: HARNESS_SOURCE,
  });
  const dir = mkdtempSync(join(tmpdir(), 'deploy-bench-harness-'));
  try {
    const built = join(dir, 'sshd-fleet.mjs');
    // The harness finds fake-restart.sh beside itself: keep it pointing at the real folder.
    writeFileSync(built, outputText.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(HARNESS_SOURCE).href)));
    return (await import(pathToFileURL(built).href)) as Harness;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function onPath(cmd: string): Promise<boolean> {
  try {
    return (await timed('sh', ['-c', `command -v ${cmd}`])).code === 0;
  } catch {
    return false;
  }
}

export interface SshOptions {
  hosts: number;
  concurrency: number;
  seed: number;
  scale: number;
  rounds: number;
  fileMiB: number;
  /** The fleet's third address octet and port; away from the test suite's (1, 2222/2299). */
  subnet: number;
  port: number;
}

const SERVICE = 'php8.1-fpm';
const THRESHOLD = '100';
const PAYLOAD = 'bench/payload.bin';

export async function sshFigure(options: SshOptions, log: (line: string) => void): Promise<Row[]> {
  const skipped = (why: string): Row[] => [
    { figure: '2  real SSH, loopback sshd fleet', measured: `skipped: ${why}`, reference: '-', ratio: '-', verdict: 'skipped' },
  ];
  const harness = await loadHarness();
  if (typeof harness === 'string') return skipped(harness);
  if (!harness.sshdAvailable()) return skipped('sshd not available (needs root and openssh-server)');
  const havePssh = (await onPath('parallel-ssh')) && (await onPath('parallel-scp'));

  const { hosts: count, concurrency, seed, scale, rounds } = options;
  const durations = restartDurations(count, seed, scale);
  const stats = summarize(durations);
  const bound = lowerBound(durations, concurrency);
  // deploy runs with restart_order slowest-first: the zero-overhead window in that order.
  const ideal = slidingWindowMakespan(
    [...durations].sort((a, b) => b - a),
    concurrency,
  );
  log(
    `ssh: ${count} hosts, durations x${scale}: sum ${secs(stats.sumMs)}, median ${stats.medianMs} ms, longest ${stats.maxMs} ms; lower bound ${secs(bound)}, zero-overhead slowest-first window ${secs(ideal)}`,
  );

  const project = mkdtempSync(join(tmpdir(), 'deploy-bench-ssh-'));
  let fleet: SshdFleet | undefined;
  const stopOnSignal = (signal: NodeJS.Signals): void => {
    void (async () => {
      await fleet?.stop().catch(() => undefined);
      rmSync(project, { recursive: true, force: true });
      process.kill(process.pid, signal);
    })();
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    const started = performance.now();
    fleet = await harness.startSshdFleet({ count, subnet: options.subnet, port: options.port });
    log(`ssh: ${count} sshd up on 127.0.${options.subnet}.2-${count + 1}:${options.port} in ${secs(performance.now() - started)}`);
    const f = fleet;
    const names = f.hosts.map((h) => h.name);
    await Promise.all(names.map((name, i) => f.setBehaviour(name, { kind: 'ok', sleepMs: durations[i]! })));

    // The project: stage dir with a 5 MiB incompressible file, configs, host list.
    const payload = randomBytes(options.fileMiB * 1024 * 1024);
    await mkdir(join(project, 'stage', 'bench'), { recursive: true });
    await writeFile(join(project, 'stage', PAYLOAD), payload);
    const base = {
      transport: 'ssh',
      targets: names,
      ssh_user: f.user,
      ssh_key: f.clientKeyPath,
      ssh_known_hosts: f.knownHostsPath,
      ssh_config: f.sshConfigPath,
      ssh_connect_retries: 0,
      restart_sudo_user: '',
      failure_limit: 0,
      canary_wait_time: 0,
      lock_file: join(project, 'deploy.lock'),
    };
    const restartConfig = join(project, 'restart.json');
    await writeFile(
      restartConfig,
      // slowest-first: the warm-up run records each host's duration (under the project's
      // XDG_STATE_HOME), and the measured runs start the slow hosts first, as in figure 1a.
      JSON.stringify({
        ...base,
        php_fpm_restart_script: f.restartScript,
        php_fpm: SERVICE,
        php_fpm_opcache_threshold: Number(THRESHOLD),
        restart_concurrency: concurrency,
        restart_order: 'slowest-first',
      }),
    );
    const syncConfig = join(project, 'sync.json');
    await writeFile(syncConfig, JSON.stringify({ ...base, stage_dir: join(project, 'stage'), deploy_dir: f.deployDir, sync_concurrency: concurrency }));
    const hostsFile = join(project, 'hosts');
    await writeFile(hostsFile, `${names.join('\n')}\n`);
    // Same client options as the harness's sshArgs: strict host key checking, no prompts.
    const sshOptions = [
      `-F ${f.sshConfigPath}`,
      `-o UserKnownHostsFile=${f.knownHostsPath}`,
      '-o GlobalKnownHostsFile=/dev/null',
      '-o StrictHostKeyChecking=yes',
      '-o BatchMode=yes',
      `-i ${f.clientKeyPath}`,
    ].join(' ');
    // parallel-scp hard-codes `scp -qC` (compression); on loopback with random bytes that is
    // pure cost, so the fair reference runs scp through an ssh that drops -C.
    const noCompressionSsh = join(project, 'ssh-no-compression');
    await writeFile(noCompressionSsh, '#!/bin/sh\nfor a do shift; [ "$a" = -C ] || set -- "$@" "$a"; done\nexec ssh "$@"\n');
    await chmod(noCompressionSsh, 0o755);
    const env = cliEnv(project);
    const remoteCommand = `${f.restartScript} ${SERVICE} ${THRESHOLD}`;

    const sleepOf = new Map(names.map((name, i) => [name, durations[i]!]));
    const deployRestart = async (): Promise<{ wallMs: number; phaseMs: number; overheadMs: number }> => {
      const run = await timed(process.execPath, [BIN, 'php-fpm-restart', '-c', restartConfig, '--json', 'bench', 'restart'], { cwd: project, env });
      const { phaseMs, hostMs } = checkDeploy(run, 'restart-hosts', count);
      // Per host: what the engine timed minus what the script slept (connect, session, wrapper).
      const overheadMs = median([...hostMs].map(([host, ms]) => ms - (sleepOf.get(host) ?? 0)));
      return { wallMs: run.wallMs, phaseMs, overheadMs };
    };
    const psshRestart = async (): Promise<number> => {
      const run = await timed('parallel-ssh', ['-p', String(concurrency), '-t', '0', '-h', hostsFile, '-x', sshOptions, remoteCommand], { cwd: project, env });
      const ok = (run.stdout.match(/\[SUCCESS\]/g) ?? []).length;
      if (run.code !== 0 || ok !== count) throw new Error(`parallel-ssh: exit ${run.code}, ${ok}/${count} SUCCESS: ${(run.stdout + run.stderr).slice(-1500)}`);
      return run.wallMs;
    };
    const clearPayload = async (): Promise<void> => {
      await Promise.all(
        f.hosts.map(async (h) => {
          await rm(join(h.root, 'deploy', 'bench'), { recursive: true, force: true });
          await mkdir(join(h.root, 'deploy', 'bench'), { recursive: true }); // scp does not create folders
        }),
      );
    };
    const checkPayload = (tool: string): void => {
      const bad = f.hosts.filter((h) => {
        try {
          return statSync(join(h.root, 'deploy', PAYLOAD)).size !== payload.length;
        } catch {
          return true;
        }
      });
      if (bad.length > 0) throw new Error(`${tool}: ${bad.length} hosts lack the file (${bad.map((h) => h.name).join(', ')})`);
    };
    const deploySync = async (): Promise<{ wallMs: number; phaseMs: number }> => {
      await clearPayload();
      const run = await timed(process.execPath, [BIN, 'sync-file', '-c', syncConfig, '--json', PAYLOAD, 'bench', 'sync'], { cwd: project, env });
      const { phaseMs } = checkDeploy(run, 'sync-hosts', count);
      checkPayload('deploy sync-file');
      return { wallMs: run.wallMs, phaseMs };
    };
    const pscp = async (compression: boolean): Promise<number> => {
      await clearPayload();
      const extra = compression ? sshOptions : `${sshOptions} -S ${noCompressionSsh}`;
      const run = await timed(
        'parallel-scp',
        ['-p', String(concurrency), '-t', '0', '-h', hostsFile, '-x', extra, join(project, 'stage', PAYLOAD), `${f.deployDir}/${PAYLOAD}`],
        { cwd: project, env },
      );
      const ok = (run.stdout.match(/\[SUCCESS\]/g) ?? []).length;
      if (run.code !== 0 || ok !== count) throw new Error(`parallel-scp: exit ${run.code}, ${ok}/${count} SUCCESS: ${(run.stdout + run.stderr).slice(-1500)}`);
      checkPayload('parallel-scp');
      return run.wallMs;
    };

    // Warm-up (page cache, sshd binaries, node's compile cache): one of each, not counted.
    await deployRestart();
    if (havePssh) await psshRestart();

    const restart: Array<{ wallMs: number; phaseMs: number; overheadMs: number }> = [];
    const pssh: number[] = [];
    const sync: Array<{ wallMs: number; phaseMs: number }> = [];
    const scpPlain: number[] = [];
    const scpC: number[] = [];
    // Interleaved, order alternating per round, so machine noise hits tool and reference alike.
    for (let round = 0; round < rounds; round++) {
      const steps: Array<() => Promise<void>> = [
        async () => void restart.push(await deployRestart()),
        ...(havePssh ? [async () => void pssh.push(await psshRestart())] : []),
      ];
      for (const step of round % 2 === 0 ? steps : steps.reverse()) await step();
      const syncSteps: Array<() => Promise<void>> = [
        async () => void sync.push(await deploySync()),
        ...(havePssh ? [async () => void scpPlain.push(await pscp(false)), async () => void scpC.push(await pscp(true))] : []),
      ];
      for (const step of round % 2 === 0 ? syncSteps : syncSteps.reverse()) await step();
      log(
        `ssh round ${round + 1}: restart deploy ${secs(restart.at(-1)!.wallMs)} (phase ${secs(restart.at(-1)!.phaseMs)}, median per-host overhead ${restart.at(-1)!.overheadMs.toFixed(0)} ms)` +
          (havePssh ? `, parallel-ssh ${secs(pssh.at(-1)!)}` : '') +
          `; sync deploy ${secs(sync.at(-1)!.wallMs)} (phase ${secs(sync.at(-1)!.phaseMs)})` +
          (havePssh ? `, parallel-scp ${secs(scpPlain.at(-1)!)} (with its -C: ${secs(scpC.at(-1)!)})` : ''),
      );
    }
    // The floor: the same runs with scripts that return at once (SSH connection, session,
    // shell, stop wrapper). On this fleet the server side shares the client's cores.
    await Promise.all(names.map((name) => f.setBehaviour(name, { kind: 'ok', sleepMs: 0 })));
    sleepOf.clear();
    const floor: Array<{ wallMs: number; phaseMs: number; overheadMs: number }> = [];
    const floorPssh: number[] = [];
    for (let round = 0; round < 2; round++) {
      floor.push(await deployRestart());
      if (havePssh) floorPssh.push(await psshRestart());
    }
    log(
      `ssh floor (0 ms scripts): deploy ${floor.map((r) => `${secs(r.wallMs)} (phase ${secs(r.phaseMs)}, per host ${r.overheadMs.toFixed(0)} ms)`).join(', ')}` +
        (havePssh ? `; parallel-ssh ${floorPssh.map(secs).join(', ')}` : ''),
    );
    const restartWall = median(restart.map((r) => r.wallMs));
    const restartPhase = median(restart.map((r) => r.phaseMs));
    const syncWall = median(sync.map((r) => r.wallMs));
    const restartLabel = `2a \`deploy php-fpm-restart\` wall, ${count} sshd hosts, c=${concurrency}`;
    const noPssh = 'skipped: parallel-ssh/parallel-scp not installed (apt-get install pssh)';
    const rows: Row[] = [
      {
        figure: restartLabel,
        measured: secs(restartWall),
        reference: `lower bound ${secs(bound)}`,
        ratio: `${ratio(restartWall / bound)} (<= 1.10)`,
        verdict: restartWall / bound <= 1.1 ? 'pass' : 'MISS',
      },
      {
        figure: '2b   its restart-hosts phase alone (from --json)',
        measured: `${secs(restartPhase)} (${median(restart.map((r) => r.overheadMs)).toFixed(0)} ms/host over its sleep)`,
        reference: `lower bound ${secs(bound)}`,
        ratio: `${ratio(restartPhase / bound)} (slowest-first window alone: ${ratio(ideal / bound)})`,
        verdict: 'info',
      },
      {
        figure: '2c   floor: same with 0 ms scripts (connect, session, wrapper)',
        measured: `${secs(median(floor.map((r) => r.wallMs)))} (${median(floor.map((r) => r.overheadMs)).toFixed(0)} ms/host)`,
        reference: havePssh ? `parallel-ssh ${secs(median(floorPssh))}` : '-',
        ratio: havePssh ? ratio(median(floor.map((r) => r.wallMs)) / median(floorPssh)) : '-',
        verdict: 'info',
      },
    ];
    if (havePssh) {
      const psshMs = median(pssh);
      const scpMs = median(scpPlain);
      const scpCMs = median(scpC);
      rows.push(
        {
          figure: `2d \`deploy php-fpm-restart\` vs parallel-ssh -p ${concurrency}, same script`,
          measured: secs(restartWall),
          reference: `parallel-ssh ${secs(psshMs)}`,
          ratio: `${ratio(restartWall / psshMs)} (<= 1.00)`,
          verdict: restartWall <= psshMs ? 'pass' : 'MISS',
        },
        {
          figure: `2e \`deploy sync-file\` ${options.fileMiB} MiB to ${count} hosts, sync_concurrency ${concurrency}`,
          measured: secs(syncWall),
          reference: `parallel-scp -p ${concurrency} ${secs(scpMs)}`,
          ratio: `${ratio(syncWall / scpMs)} (<= 1.00)`,
          verdict: syncWall <= scpMs ? 'pass' : 'MISS',
        },
        {
          figure: '2f   parallel-scp as shipped (scp -C, compression on)',
          measured: secs(syncWall),
          reference: `parallel-scp -C ${secs(scpCMs)}`,
          ratio: ratio(syncWall / scpCMs),
          verdict: 'info',
        },
      );
    } else {
      rows.push({ figure: '2d/2e parallel-ssh, parallel-scp references', measured: noPssh, reference: '-', ratio: '-', verdict: 'skipped' });
    }
    return rows;
  } finally {
    process.off('SIGINT', stopOnSignal);
    process.off('SIGTERM', stopOnSignal);
    await fleet?.stop();
    rmSync(project, { recursive: true, force: true });
  }
}

/** Checks a `deploy --json` run went through on every host; returns that phase's duration and each host's. */
function checkDeploy(run: Timed, phaseName: string, count: number): { phaseMs: number; hostMs: Map<string, number> } {
  let report: {
    status: string;
    phases: Array<{ name: string; durationMs: number; ok: number }>;
    hosts: Array<{ host: string; phase: string; durationMs?: number }>;
  };
  try {
    report = JSON.parse(run.stdout) as typeof report;
  } catch {
    throw new Error(`deploy: exit ${run.code ?? run.signal}, no JSON report: ${run.stderr.slice(-1500)}`);
  }
  const phase = report.phases.find((p) => p.name === phaseName);
  if (run.code !== 0 || report.status !== 'success' || phase?.ok !== count) {
    throw new Error(`deploy: exit ${run.code}, status ${report.status}, ${phaseName} ok ${phase?.ok}/${count}: ${run.stderr.slice(-1500)}`);
  }
  const hostMs = new Map(report.hosts.filter((h) => h.phase === phaseName).map((h) => [h.host, h.durationMs ?? Number.NaN]));
  return { phaseMs: phase.durationMs, hostMs };
}
