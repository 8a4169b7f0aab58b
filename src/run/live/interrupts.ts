import { setMaxListeners } from 'node:events';

export interface Interrupts {
  /** Aborted on the first SIGINT, SIGTERM or SIGHUP (the terminal closed): no new host starts. */
  stop: AbortSignal;
  /** Aborted on the second: hosts in flight are stopped too. */
  kill: AbortSignal;
  /** Remove the handlers. */
  dispose(): void;
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Turn SIGINT, SIGTERM and SIGHUP into two abort signals for the run. While installed, the signals no
 * longer end the process: the run decides what stops, releases the lock and reports.
 */
export function watchInterrupts(onSignal: (signal: NodeJS.Signals, count: number) => void, target: NodeJS.EventEmitter = process): Interrupts {
  const stop = new AbortController();
  const kill = new AbortController();
  // Every host in flight listens to both (sync_concurrency may be 80): no warning past 10.
  setMaxListeners(0, stop.signal, kill.signal);
  let count = 0;
  const handler = (signal: NodeJS.Signals): void => {
    count++;
    onSignal(signal, count);
    if (count === 1) stop.abort(new Error(`${signal} received`));
    else kill.abort(new Error(`second ${signal} received`));
  };
  for (const signal of SIGNALS) target.on(signal, handler);
  return {
    stop: stop.signal,
    kill: kill.signal,
    dispose: () => {
      for (const signal of SIGNALS) target.off(signal, handler);
    },
  };
}
