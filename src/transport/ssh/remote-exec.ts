import { constants } from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import type { ClientChannel } from 'ssh2';
import { OutputBuffer } from '../output-buffer.js';
import { renderCommand } from '../quote.js';
import type { ExecOptions, ExecResult } from '../types.js';
import { raceAbort } from '../../lib/abort.js';
import { connectionLost } from './connect-errors.js';
import type { ExecChannel, SshConnection } from './ssh-connection.js';
import { MarkerFilter, type StopHandle, stopCommand, wrapCommand } from './stop-wrapper.js';

/** How long an aborted exec waits for the stop sequence (TERM, ~2 s, KILL) to finish. */
const STOP_WAIT_MS = 4000;

/** 128 + the signal's number, or undefined for a name this platform does not know. */
export function exitCodeForSignal(signalName: string): number | undefined {
  const name = signalName.startsWith('SIG') ? signalName : `SIG${signalName}`;
  const number = (constants.signals as Record<string, number | undefined>)[name];
  return number === undefined ? undefined : 128 + number;
}

/**
 * Run `argv` on the connection's host under the stop wrapper (a `brief` one as it is) and
 * collect its output.
 * Resolves with the exit status whatever it is; rejects with signal.reason after stopping
 * the remote process group on abort, or with HostFailure('connection-lost') when the
 * connection breaks mid-command.
 */
export async function runRemoteCommand(connection: SshConnection, argv: readonly string[], options: ExecOptions): Promise<ExecResult> {
  const { signal, onOutput } = options;
  if (signal.aborted) throw signal.reason;
  const opening = connection.exec(options.brief ? renderCommand(argv) : wrapCommand(argv));
  const opened = await raceAbort(opening, signal).catch((error: unknown) => {
    // Close the channel if it still opens: the wrapper's watchdog then stops the command.
    if (signal.aborted)
      opening.then(
        (late) => late.channel.close(),
        () => undefined,
      );
    throw error;
  });
  options.onStart?.();
  return collect(connection, opened, signal, onOutput);
}

function collect(
  connection: SshConnection,
  { channel, exit, closed }: ExecChannel,
  signal: AbortSignal,
  onOutput: ExecOptions['onOutput'],
): Promise<ExecResult> {
  return new Promise<ExecResult>((resolve, reject) => {
    const stdout = new OutputBuffer();
    const stderr = new OutputBuffer();
    const marker = new MarkerFilter();
    const stdoutText = new StringDecoder('utf8');
    const stderrText = new StringDecoder('utf8');
    let settled = false;

    const emit = (stream: 'stdout' | 'stderr', text: string): void => {
      if (text !== '' && onOutput !== undefined) onOutput(stream, text);
    };
    const takeStderr = (bytes: Buffer): void => {
      if (bytes.length === 0) return;
      stderr.push(bytes);
      emit('stderr', stderrText.write(bytes));
    };

    let stopWatchingConnection: () => void = () => undefined;
    const cleanup = (): void => {
      settled = true;
      signal.removeEventListener('abort', onAbort);
      stopWatchingConnection();
    };

    const onAbort = (): void => {
      if (settled) return;
      cleanup();
      const reason: unknown = signal.reason;
      void stopRemote(connection, channel, marker.handle).finally(() => reject(reason));
    };

    stopWatchingConnection = connection.onLost((failure) => {
      if (settled) return;
      cleanup();
      reject(failure);
    });
    if (settled) return;

    channel.on('data', (chunk: Buffer) => {
      stdout.push(chunk);
      emit('stdout', stdoutText.write(chunk));
    });
    channel.stderr.on('data', (chunk: Buffer) => takeStderr(marker.push(chunk)));
    channel.on('error', () => undefined);
    void closed.then(() => {
      if (settled) return;
      const { code: exitCode, signal: exitSignal } = exit;
      takeStderr(marker.flush());
      emit('stdout', stdoutText.end());
      emit('stderr', stderrText.end());
      const code = exitCode ?? (exitSignal !== undefined ? exitCodeForSignal(exitSignal) : undefined);
      cleanup();
      if (code === undefined) {
        reject(
          connection.failure ??
            connectionLost(
              connection.target,
              exitSignal !== undefined ? `the command was killed by SIG${exitSignal}` : 'the session closed without an exit status',
            ),
        );
        return;
      }
      resolve({
        exitCode: code,
        stdout: stdout.text(),
        stderr: stderr.text(),
        truncated: stdout.truncated || stderr.truncated,
      });
    });

    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
  });
}

/**
 * Stop the command behind `channel`: TERM (then KILL) to its process group through a
 * second channel, a TERM signal request on the channel itself, then close the channel
 * (which also fires the wrapper's watchdog). Waits at most STOP_WAIT_MS; never rejects.
 */
export async function stopRemote(connection: SshConnection, channel: ClientChannel, handle: StopHandle | undefined): Promise<void> {
  let stopping: Promise<void> = Promise.resolve();
  if (handle !== undefined && connection.isOpen) {
    stopping = connection.exec(stopCommand(handle)).then(
      ({ channel: stopChannel, closed }) =>
        new Promise<void>((resolve) => {
          void closed.then(resolve);
          stopChannel.on('error', () => resolve());
          stopChannel.resume();
          stopChannel.stderr.resume();
        }),
      () => undefined,
    );
  }
  try {
    channel.signal('TERM');
  } catch {
    // the channel may be gone already
  }
  try {
    channel.close();
  } catch {
    // already closed
  }
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    stopping,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, STOP_WAIT_MS);
    }),
  ]);
  clearTimeout(timer);
}
