/**
 * Seeded restart durations and the exact schedules they allow. Pure functions, no I/O.
 *
 * Durations come from a Pareto distribution (x_m = 250 ms, alpha = 2.5), capped at 10 s:
 * median ~330 ms, mean ~415 ms, about 1 host in 200 above 2 s and the longest of 1,000
 * around 4 s. The PRNG is mulberry32, so a seed gives the same durations on every machine.
 */

export const DEFAULT_SEED = 20_240_605;
const PARETO_MIN_MS = 250;
const PARETO_ALPHA = 2.5;
const CAP_MS = 10_000;

/** mulberry32: a tiny, fast, well-mixed 32-bit PRNG; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` integer durations in ms, heavy-tailed (Pareto), in host order. */
export function restartDurations(count: number, seed = DEFAULT_SEED, scale = 1): number[] {
  const random = mulberry32(seed);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const u = 1 - random(); // (0, 1]
    const ms = Math.min(CAP_MS, PARETO_MIN_MS / u ** (1 / PARETO_ALPHA));
    out.push(Math.max(1, Math.round(ms * scale)));
  }
  return out;
}

export const describeDistribution = (scale = 1): string =>
  `Pareto(x_m=${PARETO_MIN_MS * scale} ms, alpha=${PARETO_ALPHA}), capped at ${(CAP_MS * scale) / 1000} s, mulberry32`;

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

/** No schedule on `concurrency` slots can finish sooner: max(sum / concurrency, longest). */
export function lowerBound(durations: readonly number[], concurrency: number): number {
  return Math.max(sum(durations) / concurrency, Math.max(...durations));
}

/**
 * Exact makespan of a zero-overhead sliding window taking hosts in the given order (list
 * scheduling): each host starts the moment the earliest-free slot frees up. What the engine
 * would reach with no overhead at all; the gap from it to the lower bound is the order's
 * (a long host drawn late), not the engine's.
 */
export function slidingWindowMakespan(durations: readonly number[], concurrency: number): number {
  // Slot free times; concurrency is small (<= a few hundred), a linear scan is fine.
  const free = new Array<number>(Math.min(concurrency, durations.length)).fill(0);
  for (const d of durations) {
    let best = 0;
    for (let i = 1; i < free.length; i++) if (free[i]! < free[best]!) best = i;
    free[best]! += d;
  }
  return Math.max(...free);
}

/** Exact makespan of fixed batches: `batch` hosts at once, each batch waits for its slowest. */
export function fixedBatchMakespan(durations: readonly number[], batch: number): number {
  let total = 0;
  for (let i = 0; i < durations.length; i += batch) total += Math.max(...durations.slice(i, i + batch));
  return total;
}

export function summarize(durations: readonly number[]): { count: number; sumMs: number; medianMs: number; p99Ms: number; maxMs: number; over2s: number } {
  const sorted = [...durations].sort((a, b) => a - b);
  return {
    count: durations.length,
    sumMs: sum(durations),
    medianMs: sorted[Math.floor(sorted.length / 2)] ?? 0,
    p99Ms: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0,
    maxMs: sorted.at(-1) ?? 0,
    over2s: durations.filter((d) => d > 2000).length,
  };
}
