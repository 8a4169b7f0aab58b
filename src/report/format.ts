import type { PhaseCounts } from '../rollout/types.js';

const pad = (n: number): string => String(n).padStart(2, '0');

/** `HH:MM:SS` in local time. */
export function clock(date: Date): string {
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** `<phase>: NN% (ok: A; warn: W; fail: F; left: L)` */
export function progressLine(phase: string, counts: PhaseCounts): string {
  const done = counts.total - counts.left;
  const percent = counts.total === 0 ? 100 : Math.floor((done * 100) / counts.total);
  const skipped = counts.skipped > 0 ? `, ${counts.skipped} skipped` : '';
  return `${phase}: ${percent}% (ok: ${counts.ok}; warn: ${counts.warning}; fail: ${counts.failed}; left: ${counts.left})${skipped}`;
}

/** Text for under a log line: every line indented, blank edges dropped. */
export function indent(text: string, prefix = '    '): string {
  return text
    .replace(/\s+$/, '')
    .replace(/^\s*\n/, '')
    .split('\n')
    .map((line) => prefix + line)
    .join('\n');
}

/** Restart output on the warning line: inline when one line, indented below when several. */
export function outputBlock(stdout: string, stderr: string): string {
  const text = [stdout.trim(), stderr.trim()].filter((part) => part !== '').join('\n');
  if (text === '') return '(no output)';
  return text.includes('\n') ? `\n${indent(text)}` : text;
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
