/** `512 B`, `1.5 kB`, `12.3 MB`, `1.2 GB`: decimal units, one decimal from kB up. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 999.95 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** `50,000`: a count with thousands separators. */
export function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}
