/** Figure 1: scheduling on the synthetic fleet, in a child process that does only that run. */
import { fileURLToPath } from 'node:url';
import { fixedBatchMakespan, lowerBound, restartDurations, slidingWindowMakespan, summarize } from './distribution.js';
import type { ChildResult } from './scheduling-child.js';
import { ratio, secs, timed, type Row } from './table.js';

const CHILD = fileURLToPath(new URL('./scheduling-child.js', import.meta.url));

export interface SchedulingOptions {
  hosts: number;
  concurrency: number;
  seed: number;
}

export async function schedulingFigure(options: SchedulingOptions, log: (line: string) => void): Promise<Row[]> {
  const { hosts, concurrency, seed } = options;
  const durations = restartDurations(hosts, seed);
  const stats = summarize(durations);
  const bound = lowerBound(durations, concurrency);
  const ideal = slidingWindowMakespan(durations, concurrency);
  const batches = fixedBatchMakespan(durations, concurrency);
  log(
    `scheduling: ${hosts} hosts, seed ${seed}: sum ${secs(stats.sumMs)}, median ${stats.medianMs} ms, p99 ${stats.p99Ms} ms, longest ${stats.maxMs} ms, ${stats.over2s} above 2 s`,
  );

  const runChild = async (order: 'config' | 'slowest-first'): Promise<ChildResult> => {
    const run = await timed(process.execPath, [CHILD, String(hosts), String(concurrency), String(seed), order], { timeoutMs: 300_000 });
    const line = run.stdout.trim().split('\n').at(-1) ?? '';
    let result: ChildResult;
    try {
      result = JSON.parse(line) as ChildResult;
    } catch {
      throw new Error(`scheduling child failed (exit ${run.code ?? run.signal}): ${run.stderr.trim().slice(-2000) || run.stdout.slice(-2000)}`);
    }
    log(`scheduling (${order}): child ${JSON.stringify(result)}`);
    if (result.exitCode !== 0 || result.status !== 'success' || result.maxRunning !== concurrency) {
      throw new Error(
        `scheduling child (${order}): exit ${result.exitCode}, status ${result.status}, most running at once ${result.maxRunning} (want ${concurrency})`,
      );
    }
    return result;
  };
  const child = await runChild('slowest-first');
  const first = await runChild('config');
  const longestFirst = slidingWindowMakespan(
    [...durations].sort((a, b) => b - a),
    concurrency,
  );

  const cpuPerHost = (child.cpuUserMs + child.cpuSystemMs) / hosts;
  const measuredRatio = child.phaseMs / bound;
  return [
    {
      figure: `1a restart-hosts makespan, ${hosts} fake hosts, c=${concurrency}, restart_order slowest-first (runDeploy + FakeFleet)`,
      measured: secs(child.phaseMs),
      reference: `lower bound ${secs(bound)}`,
      ratio: `${ratio(measuredRatio)} (<= 1.03; exact LPT: ${ratio(longestFirst / bound)})`,
      verdict: measuredRatio <= 1.03 ? 'pass' : 'MISS',
    },
    {
      figure: '1b   first run, config order, no history (measured)',
      measured: secs(first.phaseMs),
      reference: `lower bound ${secs(bound)}`,
      ratio: `${ratio(first.phaseMs / bound)} (exact window in that order: ${ratio(ideal / bound)}; engine overhead ${ratio(first.phaseMs / ideal)})`,
      verdict: 'info',
    },
    {
      figure: `1d   fixed batches of ${concurrency}, each waits for its slowest (exact)`,
      measured: secs(batches),
      reference: `lower bound ${secs(bound)}`,
      ratio: `${ratio(batches / bound)} (window is ${ratio(batches / child.phaseMs, 2)}x faster)`,
      verdict: 'info',
    },
    {
      figure: `1e CPU per host (the whole measured runDeploy, child process)`,
      measured: `${cpuPerHost.toFixed(3)} ms`,
      reference: `${(child.cpuUserMs + child.cpuSystemMs).toFixed(0)} ms / ${hosts} hosts`,
      ratio: '<= 2 ms',
      verdict: cpuPerHost <= 2 ? 'pass' : 'MISS',
    },
    {
      figure: '1f peak memory (maxRSS of that child)',
      measured: `${child.maxRssMB.toFixed(1)} MB`,
      reference: '-',
      ratio: '<= 150 MB',
      verdict: child.maxRssMB <= 150 ? 'pass' : 'MISS',
    },
  ];
}
