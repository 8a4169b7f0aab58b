import type { HostResult, PhaseCounts } from './types.js';

/** Tally results of a phase of `total` hosts, `running` of them in flight. */
export function countResults(total: number, results: Iterable<HostResult>, running = 0): PhaseCounts {
  const counts: PhaseCounts = { total, ok: 0, warning: 0, failed: 0, skipped: 0, notStarted: 0, running, left: 0 };
  for (const result of results) {
    if (result.outcome === 'not-started') counts.notStarted++;
    else counts[result.outcome]++;
  }
  // Hosts not started are still left to do: a stopped phase never shows 100%.
  counts.left = total - counts.ok - counts.warning - counts.failed - counts.skipped;
  return counts;
}
