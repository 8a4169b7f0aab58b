import type { Count } from '../../config/kinds.js';

/** Concurrency for a phase of `total` hosts: a percentage rounds up; at least 1. */
export function resolveConcurrency(count: Count, total: number): number {
  const value = count.percent ? Math.ceil((total * count.value) / 100) : count.value;
  return Math.max(1, value);
}

/** Failed hosts tolerated in a phase of `total` hosts: a percentage rounds down. */
export function resolveFailureLimit(count: Count, total: number): number {
  return count.percent ? Math.floor((total * count.value) / 100) : count.value;
}
