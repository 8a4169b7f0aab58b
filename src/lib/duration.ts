const pad = (n: number): string => String(n).padStart(2, '0');

/** `MMm SSs`, as Scap prints a phase's or run's duration (minutes grow past 99 if they must). */
export function formatDuration(ms: number): string {
  const total = Math.round(Math.max(0, ms) / 1000);
  return `${pad(Math.floor(total / 60))}m ${pad(total % 60)}s`;
}

/**
 * A short duration, measured or configured: `0.42s`, `2s`, `12.3s`, `4m 05s`. Under ten
 * seconds it keeps hundredths, under a minute tenths; trailing zeros are dropped.
 */
export function formatSeconds(ms: number): string {
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(ms < 10_000 ? 2 : 1))}s`;
  return formatDuration(ms).replace(/^0/, '');
}
