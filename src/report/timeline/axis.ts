import { formatSeconds } from '../../lib/duration.js';

/** Tick steps a reader can add up: 0.1s … 1h. */
const STEPS_MS = [100, 200, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000];

/** A tick's label: `0s`, `2.5s`, `45s`, `90s`, then `3m`, `4m30s` once the run is long. */
export function tickLabel(ms: number, totalMs: number): string {
  if (totalMs < 180_000) {
    const seconds = ms / 1000;
    return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)}s`;
  }
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return seconds === 0 ? `${minutes}m` : `${minutes}m${String(seconds).padStart(2, '0')}s`;
}

/**
 * The smallest tick step whose labels, `unitsPerMs` apart on the axis, leave `gap` units between
 * them; `labelUnits` is how many units a label takes (a character, or its width in pixels).
 */
export function tickStep(totalMs: number, unitsPerMs: number, labelUnits: (label: string) => number, gap: number): number {
  for (const step of STEPS_MS) {
    const widest = Math.max(...ticks(totalMs, step).map((ms) => labelUnits(tickLabel(ms, totalMs))));
    if (step * unitsPerMs >= widest + gap) return step;
  }
  const hour = STEPS_MS[STEPS_MS.length - 1] as number;
  return Math.ceil(totalMs / hour / 4) * hour;
}

/** Every tick from 0 to `totalMs` (included when it falls on a step). */
export function ticks(totalMs: number, step: number): number[] {
  const count = Math.floor(totalMs / step + 1e-9);
  return Array.from({ length: count + 1 }, (_, i) => i * step);
}

export interface Span {
  start: number;
  end: number;
}

/**
 * Lay out the marks of one row so that each one shows: every span at least `minWidth` long, a
 * span that would overlap the one before pushed right (keeping its length), and all of them
 * pulled back inside `limit` (a mark squeezed against the end keeps `minWidth` while it can).
 */
export function placeSpans(spans: readonly Span[], minWidth: number, limit: number): Span[] {
  const placed: Span[] = [];
  let previousEnd = -Infinity;
  for (const span of spans) {
    const start = Math.max(span.start, previousEnd);
    const end = start + Math.max(span.end - span.start, minWidth);
    placed.push({ start, end });
    previousEnd = end;
  }
  let nextStart = limit;
  for (let i = placed.length - 1; i >= 0; i--) {
    const span = placed[i] as Span;
    span.end = Math.min(span.end, nextStart);
    span.start = Math.max(0, Math.min(span.start, span.end - minWidth));
    nextStart = span.start;
  }
  return placed;
}

/** A phase's length for a legend: `12.3s`, or `not reached` for a phase the run never got to. */
export function phaseDuration(phase: { durationMs: number; outcome: string }): string {
  return phase.durationMs === 0 && phase.outcome === 'not-started' ? 'not reached' : formatSeconds(phase.durationMs);
}
