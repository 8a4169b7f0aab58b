/** The host outcomes a run's metrics count, and their metric-friendly names. */
export const OUTCOMES = ['ok', 'warning', 'failed', 'skipped', 'notStarted'] as const;
export const OUTCOME_NAMES: Record<(typeof OUTCOMES)[number], string> = {
  ok: 'ok',
  warning: 'warning',
  failed: 'failed',
  skipped: 'skipped',
  notStarted: 'not_started',
};
