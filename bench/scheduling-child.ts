/**
 * Child process of the scheduling figure: does only this, so its CPU time and peak RSS are
 * the CLI's and not the bench harness's. Runs the real `phpFpmRestart` service (config
 * loading, plan, rolling engine, human and JSON reporters) with the synthetic FakeFleet as
 * transport: 1,000 hosts, restart_concurrency 50, no canaries.
 *
 *   node dist/bench/scheduling-child.js <hosts> <concurrency> <seed> [config|slowest-first]
 *
 * `config` runs once, hosts in config order, with no history (a first run). `slowest-first`
 * first runs once like that, which records each host's restart duration beside the history
 * file, then measures a second run with `restart_order: slowest-first`, as a fleet restarted
 * regularly would: CPU time is that second run's, peak memory the whole process's.
 *
 * Prints one JSON line on stdout (see ChildResult).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { restartDurations } from './distribution.js';

export interface ChildResult {
  exitCode: number;
  status: string;
  hosts: number;
  concurrency: number;
  /** restart-hosts phase duration, from the run's own JSON report. */
  phaseMs: number;
  /** First command start to last command end, from the fake fleet's records. */
  spanMs: number;
  /** Whole runDeploy call (config, plan, phase, report). */
  runMs: number;
  maxRunning: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  maxRssMB: number;
  /** Human output written (no terminal: plain lines). */
  humanBytes: number;
}

const [hostsArg = '1000', concurrencyArg = '50', seedArg = '1', order = 'config'] = process.argv.slice(2);
const count = Number(hostsArg);
const concurrency = Number(concurrencyArg);
const durations = restartDurations(count, Number(seedArg));
const names = durations.map((_, i) => `mw${String(i + 1).padStart(4, '0')}`);

const dir = mkdtempSync(join(tmpdir(), 'deploy-bench-sched-'));
// Runs append to a history file under XDG_STATE_HOME: keep it out of the user's.
process.env.XDG_STATE_HOME = dir;
try {
  const configPath = join(dir, 'scap.config.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      transport: 'local',
      local_fleet_dir: join(dir, 'fleet'),
      targets: names,
      php_fpm_restart_script: '/usr/local/bin/restart-php-fpm',
      php_fpm: 'php8.1-fpm',
      restart_sudo_user: '',
      restart_concurrency: concurrency,
      failure_limit: 0,
      canary_wait_time: 0,
      lock_file: join(dir, 'deploy.lock'),
    }),
  );

  const { FakeFleet } = await import('../testing/fake-fleet.js');
  const { phpFpmRestart } = await import('../src/services/php-fpm-restart.js');
  const newFleet = () => new FakeFleet({ hosts: Object.fromEntries(names.map((name, i) => [name, { execMs: durations[i]! }])) });
  let fleet = newFleet();

  let json = '';
  let humanBytes = 0;
  const stdout = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      json += chunk.toString();
      callback();
    },
  });
  const stderr = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      humanBytes += chunk.length;
      callback();
    },
  });

  // `fleet` is read when each run starts: the measured run gets a fresh one.
  const run = (defines: string[]) =>
    phpFpmRestart({
      message: 'bench scheduling',
      configPath,
      defines,
      force: false,
      json: true,
      dryRun: false,
      cwd: dir,
      env: { CI: '1', NO_COLOR: '1' },
      stdout,
      stderr,
      systemConfigPath: join(dir, 'no-system-config.json'),
      transport: fleet,
    });
  if (order === 'slowest-first') {
    // The run before: config order, no history; it records how long each host took.
    await run([]);
    json = '';
    humanBytes = 0;
    fleet = newFleet();
  }
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const exitCode = await run(order === 'slowest-first' ? ['restart_order:slowest-first'] : []);
  const runMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);

  const report = JSON.parse(json) as { status: string; phases: Array<{ name: string; durationMs: number }> };
  const phase = report.phases.find((p) => p.name === 'restart-hosts');
  const starts = fleet.records.filter((r) => r.action === 'exec-start').map((r) => r.at);
  const ends = fleet.records.filter((r) => r.action === 'exec-end').map((r) => r.at);
  const result: ChildResult = {
    exitCode,
    status: report.status,
    hosts: count,
    concurrency,
    phaseMs: phase?.durationMs ?? Number.NaN,
    spanMs: Math.max(...ends) - Math.min(...starts),
    runMs,
    maxRunning: fleet.maxRunning,
    cpuUserMs: cpu.user / 1000,
    cpuSystemMs: cpu.system / 1000,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
    humanBytes,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
