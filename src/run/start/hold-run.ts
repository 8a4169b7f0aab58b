import { LockHeldError } from '../../errors.js';
import { lockBackend } from '../../state/configured-lock.js';
import { isWriterAlive, readStatusFile, statusFilePath } from '../../state/status-file.js';
import type { RunLock } from '../../state/lock-backend.js';
import { currentHolder } from '../../state/lock-holder.js';
import type { Transport } from '../../transport/types.js';
import { watchInterrupts, type Interrupts } from '../live/interrupts.js';
import type { DeployOptions } from '../prepare/deploy-options.js';
import type { Flow } from '../prepare/flow.js';
import type { PreparedRun } from '../prepare/prepare-run.js';

/** What a run holds while it runs, given back in `releaseRun`: the transport, the lock, the signal handlers. */
export interface HeldRun {
  transport: Transport;
  lock: RunLock;
  interrupts: Interrupts;
  /** A signal came (SIGINT, SIGTERM, SIGHUP): the run reports itself interrupted. */
  signalled(): boolean;
}

/** The lock's holder is a run paused after a stage (its live state says so): the message says that too. */
function sayPaused(error: LockHeldError, lockFile: string): LockHeldError {
  const live = readStatusFile(statusFilePath(lockFile), () => undefined);
  if (live?.paused === undefined || live.finished !== undefined || !isWriterAlive(live) || !error.message.includes(`pid ${live.pid} `)) return error;
  const since = new Date(live.paused.since).toISOString();
  return new LockHeldError(
    `${error.message}; it is paused after ${live.paused.after} since ${since}`,
    '`deploy promote` lets it go on, `deploy abort` stops it; `deploy status` shows it',
  );
}

/** With the transport open (openTransport), take the lock (closing the transport if it is held), then watch for signals. */
export async function holdRun(flow: Flow, prepared: PreparedRun, options: DeployOptions, transport: Transport, warn: (text: string) => void): Promise<HeldRun> {
  const commandLine = ['deploy', flow.command, ...flow.args, options.message].filter((part) => part !== '').join(' ');
  let lock;
  try {
    lock = await lockBackend(prepared.loaded.config).acquire(currentHolder(commandLine), warn);
  } catch (error) {
    await transport.close();
    throw error instanceof LockHeldError ? sayPaused(error, prepared.loaded.config.lock_file) : error;
  }
  let signalled = false;
  const interrupts = watchInterrupts((signal, count) => {
    signalled = true;
    warn(
      count === 1
        ? `${signal} received: no new host will start; hosts in flight finish their restart (send it again to stop them too)`
        : `${signal} received again: stopping the hosts in flight`,
    );
  }, options.signals ?? process);
  return { transport, lock, interrupts, signalled: () => signalled };
}
