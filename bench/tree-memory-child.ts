/**
 * Child process of figure M (issue 22): the deploy process's memory when it syncs a 5,000-file,
 * 50 MB tree to 1,000 hosts. Does only this, so its peak RSS is the run's and not the bench
 * harness's: the real `syncWorld` service (config, staged tree, plan, rollout, change-set
 * recorder, human and JSON reporters) with the synthetic FakeFleet as transport, in its
 * `shareTrees` mode (testing/shared-trees.ts: the stage listed once, each host holding the
 * listing by reference, the hosts' memory not being the deploy process's; each host's result is
 * its own rsync output read by the real reader in pipe-sized pieces, as a real transport's
 * is). A first sync (every file to every host), then a re-sync after `changed` files changed.
 *
 *   node dist/bench/tree-memory-child.js <hosts> <sync_concurrency> <seed> <files> <totalMB> <changed>
 *
 * Prints one JSON line on stdout (see TreeMemoryResult).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { stageTree } from './tree-stage.js';

export interface TreeMemoryResult {
  hosts: number;
  concurrency: number;
  runs: Array<{ label: string; exitCode: number; status: string; wallMs: number; changed: number; vmHwmMB: number; heapUsedMB: number }>;
  /** VmRSS once the modules are loaded and the tree staged, before the first run. */
  startRssMB: number;
  /** VmHWM of /proc/self/status at the end: the peak resident set of the whole process. */
  vmHwmMB: number;
  maxRssMB: number;
}

const [hostsArg = '1000', concurrencyArg = '80', seedArg = '1', filesArg = '5000', totalArg = '50', changedArg = '20'] = process.argv.slice(2);
const count = Number(hostsArg);
const names = Array.from({ length: count }, (_, i) => `mw${String(i + 1).padStart(4, '0')}`);
const statusMB = (key: 'VmHWM' | 'VmRSS'): number =>
  Number(new RegExp(`^${key}:\\s*(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) / 1024;

const dir = mkdtempSync(join(tmpdir(), 'deploy-bench-treemem-'));
process.env.XDG_STATE_HOME = dir;
try {
  const stage = join(dir, 'stage');
  const files = await stageTree(stage, { files: Number(filesArg), totalMB: Number(totalArg), seed: Number(seedArg) });
  const configPath = join(dir, 'scap.config.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      transport: 'local',
      local_fleet_dir: join(dir, 'fleet'),
      targets: names,
      php_fpm_restart_script: '',
      restart_sudo_user: '',
      sync_concurrency: Number(concurrencyArg),
      failure_limit: 0,
      canary_wait_time: 0,
      lint: false,
      deploy_layout: 'in-place',
      stage_dir: stage,
      deploy_dir: '/srv/deploy',
      lock_file: join(dir, 'deploy.lock'),
    }),
  );
  const { FakeFleet } = await import('../testing/fake-fleet.js');
  const { syncWorld } = await import('../src/services/sync-world.js');
  const fleet = new FakeFleet({ shareTrees: true });
  let json = '';
  const stdout = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      json += chunk.toString();
      callback();
    },
  });
  const stderr = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  const startRssMB = statusMB('VmRSS');
  const runs: TreeMemoryResult['runs'] = [];
  const run = async (label: string): Promise<void> => {
    json = '';
    const started = performance.now();
    const exitCode = await syncWorld({
      message: `bench tree memory ${label}`,
      configPath,
      defines: [],
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
    const wallMs = performance.now() - started;
    const report = JSON.parse(json) as { status: string; hosts: Array<{ changed?: number }> };
    const changed = report.hosts.reduce((sum, host) => sum + (host.changed ?? 0), 0);
    runs.push({ label, exitCode, status: report.status, wallMs, changed, vmHwmMB: statusMB('VmHWM'), heapUsedMB: process.memoryUsage().heapUsed / 2 ** 20 });
  };
  await run('first sync');
  for (const file of files.slice(0, Number(changedArg))) await writeFile(join(stage, file), `<?php // changed ${Date.now()}\n`);
  fleet.relistSources();
  await run(`re-sync, ${changedArg} files changed`);
  const result: TreeMemoryResult = {
    hosts: count,
    concurrency: Number(concurrencyArg),
    runs,
    startRssMB,
    vmHwmMB: statusMB('VmHWM'),
    maxRssMB: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
