import type { RunEvent } from '../../model/run.js';
import { writeStatusFile } from '../../state/status-file.js';
import { StatusTracker } from './status-tracker.js';
import type { Plan } from '../plan/types.js';

export interface StatusPublisherOptions {
  /** Where the live state goes: statusFilePath(lock_file). */
  path: string;
  plan: Plan;
  /** A write that fails is told here once; the run goes on. */
  warn: (text: string) => void;
  /** Least time between two throttled writes. */
  throttleMs?: number;
  now?: () => number;
}

export interface StatusPublisher {
  report(event: RunEvent): void;
  /** Publish the last state (marked finished) and wait for the writes to end. */
  close(): Promise<void>;
}

/**
 * Publishes the run's live state for `deploy status`, fed the same events as the human
 * reporter: at once when a phase or the run starts or ends, otherwise at most every
 * `throttleMs`. Writes never overlap (a write waiting to start takes the freshest state);
 * a failed write is one warning, never a crash.
 */
export function createStatusPublisher(options: StatusPublisherOptions): StatusPublisher {
  const now = options.now ?? Date.now;
  const throttleMs = options.throttleMs ?? 500;
  const tracker = new StatusTracker({ plan: options.plan, now });
  let chain: Promise<void> = Promise.resolve();
  let queued = false;
  let timer: NodeJS.Timeout | undefined;
  let lastWrite = -Infinity;
  let warned = false;

  const flush = (): void => {
    clearTimeout(timer);
    timer = undefined;
    lastWrite = now();
    if (queued) return;
    queued = true;
    chain = chain.then(async () => {
      queued = false;
      try {
        await writeStatusFile(options.path, tracker.snapshot());
      } catch (error) {
        if (warned) return;
        warned = true;
        options.warn(`could not write the live state ${options.path} for \`deploy status\`: ${(error as Error).message}; the run goes on`);
      }
    });
  };

  const later = (): void => {
    if (timer) return;
    timer = setTimeout(flush, Math.max(0, lastWrite + throttleMs - now()));
    timer.unref();
  };

  return {
    report(event) {
      const when = tracker.update(event);
      if (when === 'now') flush();
      else if (when === 'later') later();
    },
    async close() {
      clearTimeout(timer);
      timer = undefined;
      if (tracker.started) {
        if (!tracker.ended) tracker.endWithoutReport();
        flush();
      }
      await chain;
    },
  };
}
