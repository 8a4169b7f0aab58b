import type { PhaseCounts, RolloutEvent } from '../rollout/types.js';
import { formatSeconds } from '../lib/duration.js';

/**
 * What is happening right now in the current phase: queued, running (with how long),
 * retrying, done. Kept apart from the text so the TTY spinner and the plain CI lines
 * say the same thing.
 */
export class PhaseActivity {
  phase = '';
  counts: PhaseCounts | undefined;
  private readonly running = new Map<string, number>();
  private readonly retrying = new Set<string>();

  update(event: RolloutEvent): void {
    if (event.type === 'host-start') {
      this.phase = event.phase;
      this.running.set(event.host, event.at);
    } else if (event.type === 'host-retry') {
      this.retrying.add(event.host);
    } else if (event.type === 'host-output') {
      this.retrying.delete(event.host);
    } else if (event.type === 'host-end') {
      this.running.delete(event.result.host);
      this.retrying.delete(event.result.host);
    } else if (event.type === 'progress') {
      this.phase = event.phase;
      this.counts = event.counts;
    }
  }

  reset(phase: string): void {
    this.phase = phase;
    this.counts = undefined;
    this.running.clear();
    this.retrying.clear();
  }

  get runningCount(): number {
    return this.running.size;
  }

  /** The longest-running hosts, longest first, with elapsed time. */
  longest(now: number, count = 3): string {
    return [...this.running.entries()]
      .sort((a, b) => a[1] - b[1])
      .slice(0, count)
      .map(([host, started]) => `${host} ${formatSeconds(now - started)}`)
      .join(', ');
  }

  /** One line: `restart-hosts: queued 6, running 3, retrying 1, ok 3, warn 1, failed 0; longest: mw05 12.3s` */
  line(now: number): string {
    const counts = this.counts;
    if (!counts) return this.phase;
    const queued = counts.left - this.running.size;
    const parts = [
      `queued ${Math.max(0, queued)}`,
      // A retrying host is connecting again, not running its command: counted once, as retrying.
      `running ${this.running.size - this.retrying.size}`,
      `retrying ${this.retrying.size}`,
      `ok ${counts.ok}`,
      `warn ${counts.warning}`,
      `failed ${counts.failed}`,
    ];
    const longest = this.longest(now);
    return `${this.phase}: ${parts.join(', ')}${longest ? `; longest: ${longest}` : ''}`;
  }
}
