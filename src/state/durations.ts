import { errorCode, readTextIfExists } from '../lib/read-file.js';
import { dirname, join } from 'node:path';
import type { RunReport } from '../model/run.js';
import { writeFileAtomically } from '../lib/atomic-file.js';

/** Where the last restart duration of each host is kept: beside the history file. */
export function durationsPath(historyFile: string): string {
  return join(dirname(historyFile), 'restart-durations.json');
}

/**
 * host → milliseconds its last restart took. Missing means no host was timed yet; a file
 * that cannot be read or parsed is reported through `warn` and counts as empty: it only
 * orders hosts, so it never stops a run.
 */
export function readDurations(path: string, warn: (text: string) => void = () => undefined): Map<string, number> {
  try {
    const text = readTextIfExists(path);
    if (text === undefined) return new Map();
    const data = JSON.parse(text) as Record<string, unknown>;
    return new Map(Object.entries(data).filter((entry): entry is [string, number] => typeof entry[1] === 'number'));
  } catch (error) {
    warn(`restart_order: ignoring the restart durations in ${path}: ${errorCode(error)}`);
    return new Map();
  }
}

/** Remember how long each host's restart took in this run (hosts that did not run keep theirs). Owner-only. */
export async function rememberDurations(path: string, report: RunReport): Promise<void> {
  const durations = readDurations(path);
  for (const host of report.hosts) {
    if (host.phase.startsWith('restart-') && (host.outcome === 'ok' || host.outcome === 'warning') && host.durationMs !== undefined) {
      durations.set(host.host, host.durationMs);
    }
  }
  await writeFileAtomically(path, Buffer.from(`${JSON.stringify(Object.fromEntries(durations))}\n`), 0o600, { folderMode: 0o700 });
}

/**
 * Hosts ordered slowest first by their last restart, for a shorter rollout through the window
 * (longest-processing-time first). Durations count in tenths of a second, so noise does not
 * reshuffle hosts that take about as long; a host never timed counts as the median; ties keep
 * the config order.
 */
export function slowestFirst(hosts: readonly string[], durations: ReadonlyMap<string, number>): string[] {
  const known = hosts
    .map((host) => durations.get(host))
    .filter((ms): ms is number => ms !== undefined)
    .sort((a, b) => a - b);
  const typical = known.length > 0 ? (known[Math.floor(known.length / 2)] as number) : 0;
  const cost = (host: string): number => Math.round((durations.get(host) ?? typical) / 100);
  return hosts
    .map((host, index) => ({ host, index, ms: cost(host) }))
    .sort((a, b) => b.ms - a.ms || a.index - b.index)
    .map((entry) => entry.host);
}
