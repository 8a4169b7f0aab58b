/** Figure M (issue 22): the deploy process's peak memory syncing the figure-T tree to 1,000 synthetic hosts. */
import { fileURLToPath } from 'node:url';
import type { TreeMemoryResult } from './tree-memory-child.js';
import { secs, timed, type Row } from './table.js';

const CHILD = fileURLToPath(new URL('./tree-memory-child.js', import.meta.url));

export interface TreeMemoryOptions {
  hosts: number;
  concurrency: number;
  seed: number;
  files: number;
  totalMB: number;
  changed: number;
}

export async function treeMemoryFigure(options: TreeMemoryOptions, log: (line: string) => void): Promise<Row[]> {
  const args = [options.hosts, options.concurrency, options.seed, options.files, options.totalMB, options.changed].map(String);
  const run = await timed(process.execPath, [CHILD, ...args], { timeoutMs: 900_000 });
  let result: TreeMemoryResult;
  try {
    result = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '') as TreeMemoryResult;
  } catch {
    throw new Error(`tree memory child failed (exit ${run.code ?? run.signal}): ${run.stderr.trim().slice(-2000) || run.stdout.slice(-2000)}`);
  }
  log(`tree-memory: child ${JSON.stringify(result)}`);
  const bad = result.runs.find((r) => r.exitCode !== 0 || r.status !== 'success');
  if (bad !== undefined) throw new Error(`tree memory child: ${bad.label}: exit ${bad.exitCode}, status ${bad.status}`);
  const [first, again] = result.runs;
  const name = `M  deploy sync-world, ${options.files}-file ${options.totalMB} MB tree to ${options.hosts} synthetic hosts, sync_concurrency ${options.concurrency}`;
  return [
    {
      figure: `${name}: peak RSS (VmHWM)`,
      measured: `${result.vmHwmMB.toFixed(1)} MB`,
      reference: `${result.startRssMB.toFixed(1)} MB before the first run`,
      ratio: '< 200 MB',
      verdict: result.vmHwmMB < 200 ? 'pass' : 'MISS',
    },
    {
      figure: `${name}:   after the first sync; after the re-sync`,
      measured: `${first?.vmHwmMB.toFixed(1)} MB; ${again?.vmHwmMB.toFixed(1)} MB`,
      reference: `${first?.changed} + ${again?.changed} files changed in all`,
      ratio: `runs ${secs(first?.wallMs ?? Number.NaN)}, ${secs(again?.wallMs ?? Number.NaN)}`,
      verdict: 'info',
    },
  ];
}
