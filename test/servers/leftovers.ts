/**
 * For the harness self-tests: what a stopped service may have left behind.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** True while the pid exists and is not a zombie. */
export function pidAlive(pid: number): boolean {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return !/^State:\s*[ZX]/m.test(status);
  } catch {
    return false;
  }
}

/** Live processes (other than this one) whose command line mentions `text`, e.g. a service's temp dir. */
export function processesMentioning(text: string): Array<{ pid: number; cmdline: string }> {
  const found: Array<{ pid: number; cmdline: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
    } catch {
      continue;
    }
    if (cmdline.includes(text) && pidAlive(Number(entry))) found.push({ pid: Number(entry), cmdline });
  }
  return found;
}
