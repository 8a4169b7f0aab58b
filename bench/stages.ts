/**
 * Figure W: stages (issue 23). 1,000 synthetic hosts (figure 1's seeded durations): 10 canaries,
 * a stage of 1% of the others, one of 10% of what is left, then the rest; `wait` 0, no checks,
 * restart_concurrency 50. The real `phpFpmRestart` service (config, plan, every phase, reporters)
 * runs on the FakeFleet, in this process: once in config order (which records each host's
 * restart duration), then measured with `restart_order: slowest-first`, as figure 1a is. The
 * stages are barriers by design, so the reference is the sum of each step's own lower bound
 * (its hosts' work over its window, or its longest host, whichever is more).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { stageHosts } from '../src/config/stages-kind.js';
import { phpFpmRestart } from '../src/services/php-fpm-restart.js';
import { FakeFleet } from '../testing/fake-fleet.js';
import { lowerBound, restartDurations } from './distribution.js';
import { ratio, secs, type Row } from './table.js';

export interface StagesOptions {
  hosts: number;
  canaries: number;
  concurrency: number;
  seed: number;
}

const STAGES = [
  { name: 'one-percent', share: '1%' },
  { name: 'ten-percent', share: '10%' },
];

export async function stagesFigure(options: StagesOptions, log: (line: string) => void): Promise<Row[]> {
  const { hosts, concurrency, seed } = options;
  const durations = restartDurations(hosts, seed);
  const names = durations.map((_, i) => `mw${String(i + 1).padStart(4, '0')}`);
  const durationOf = new Map(names.map((name, i) => [name, durations[i] ?? 0]));
  const canaries = names.slice(0, options.canaries);
  // The steps' hosts as the plan picks them: canaries, each stage, the rest.
  const picked = stageHosts(
    STAGES.map((stage) => ({ name: stage.name, share: { value: Number.parseFloat(stage.share), percent: true }, wait: 0, checks: [], pause: false })),
    names,
    canaries,
  );
  const staged = new Set([...canaries, ...picked.flat()]);
  const steps = [canaries, ...picked, names.filter((name) => !staged.has(name))];
  const bounds = steps.map((step) =>
    lowerBound(
      step.map((host) => durationOf.get(host) ?? 0),
      Math.min(concurrency, step.length),
    ),
  );
  const bound = bounds.reduce((a, b) => a + b, 0);
  log(`stages: steps of ${steps.map((step) => step.length).join('/')} hosts, lower bounds ${bounds.map(secs).join(' + ')} = ${secs(bound)}`);

  const dir = mkdtempSync(join(tmpdir(), 'deploy-bench-stages-'));
  try {
    const configPath = join(dir, 'scap.config.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        transport: 'local',
        local_fleet_dir: join(dir, 'fleet'),
        targets: names,
        canaries,
        stages: STAGES.map((stage) => ({ ...stage, wait: 0 })),
        php_fpm_restart_script: '/usr/local/bin/restart-php-fpm',
        php_fpm: 'php8.1-fpm',
        restart_sudo_user: '',
        restart_concurrency: concurrency,
        failure_limit: 0,
        canary_wait_time: 0,
        lock_file: join(dir, 'deploy.lock'),
        history_file: join(dir, 'history.jsonl'),
      }),
    );
    let json = '';
    const stdout = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        json += chunk.toString();
        callback();
      },
    });
    const stderr = new Writable({ write: (_chunk, _encoding, callback) => callback() });
    const run = async (defines: string[]) => {
      const fleet = new FakeFleet({ hosts: Object.fromEntries(names.map((name) => [name, { execMs: durationOf.get(name) ?? 0 }])) });
      json = '';
      const t0 = performance.now();
      const exitCode = await phpFpmRestart({
        message: 'bench stages',
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
      const runMs = performance.now() - t0;
      const report = JSON.parse(json) as { status: string; phases: Array<{ name: string; durationMs: number }> };
      if (exitCode !== 0 || report.status !== 'success') throw new Error(`staged run: exit ${exitCode}, status ${report.status}`);
      const starts = fleet.records.filter((r) => r.action === 'exec-start').map((r) => r.at);
      const ends = fleet.records.filter((r) => r.action === 'exec-end').map((r) => r.at);
      const spanMs = Math.max(...ends) - Math.min(...starts);
      log(
        `stages (${defines.join(' ') || 'config order'}): span ${secs(spanMs)}, run ${secs(runMs)}, phases ${report.phases.map((p) => `${p.name} ${secs(p.durationMs)}`).join(', ')}`,
      );
      return { spanMs, runMs, phases: report.phases };
    };
    const first = await run([]);
    const measured = await run(['restart_order:slowest-first']);
    const r = measured.spanMs / bound;
    const label = `${hosts} fake hosts: ${steps.map((step) => step.length).join(' + ')} (canaries, 1%, 10%, rest), c=${concurrency}, wait 0`;
    return [
      {
        figure: `Wa staged php-fpm-restart makespan, ${label}, slowest-first (phpFpmRestart + FakeFleet)`,
        measured: secs(measured.spanMs),
        reference: `sum of stage bounds ${secs(bound)}`,
        ratio: `${ratio(r)} (<= 1.05)`,
        verdict: r <= 1.05 ? 'pass' : 'MISS',
      },
      {
        figure: 'Wb   the whole run (config, plan, every phase, report)',
        measured: secs(measured.runMs),
        reference: `sum of stage bounds ${secs(bound)}`,
        ratio: ratio(measured.runMs / bound),
        verdict: 'info',
      },
      {
        figure: 'Wc   first run, config order, no history',
        measured: secs(first.spanMs),
        reference: `sum of stage bounds ${secs(bound)}`,
        ratio: ratio(first.spanMs / bound),
        verdict: 'info',
      },
      {
        figure: 'Wd   the same 1,000 hosts unstaged (canaries, then the rest): its bound',
        measured: '-',
        reference: `${secs(bounds[0] ?? 0)} + ${secs(
          lowerBound(
            names.slice(options.canaries).map((host) => durationOf.get(host) ?? 0),
            concurrency,
          ),
        )}`,
        ratio: `stages cost ${secs(
          bound -
            (bounds[0] ?? 0) -
            lowerBound(
              names.slice(options.canaries).map((host) => durationOf.get(host) ?? 0),
              concurrency,
            ),
        )} of barriers`,
        verdict: 'info',
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
