import type { Client, ClientChannel, SFTPWrapper } from 'ssh2';
import type { HostFailure } from '../types.js';
import { connectionLost } from './connect-errors.js';
import type { SshTarget } from './target.js';

/** Why a ready connection stopped, in words for "connection lost: ...". */
export function lostReason(error: Error | undefined): string {
  if (error === undefined) return 'the connection closed';
  if (/keepalive/i.test(error.message)) return 'no answer to keepalives (host down or network broken)';
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ECONNRESET') return 'connection reset by the host';
  return error.message;
}

/**
 * An exec channel as handed over by SshConnection.exec, with its end already being watched.
 * The server may send the exit status in the same read as the reply that opens the channel
 * (a command that exits at once, on a link where a lost segment is resent with everything
 * queued behind it): ssh2 emits it before any code after an `await` could listen.
 */
export interface ExecChannel {
  channel: ClientChannel;
  /** The exit-status code or exit-signal name received so far (set by then when `closed` resolves). */
  exit: { code?: number; signal?: string };
  /** Resolves once the channel has closed. */
  closed: Promise<void>;
}

/**
 * One ready SSH connection to one host, shared by every exec and writeFile on that host.
 * It watches for the connection breaking and tells whoever is using it.
 */
export class SshConnection {
  private lost: HostFailure | undefined;
  private lastError: Error | undefined;
  private endedByUs = false;
  private readonly lostListeners = new Set<(failure: HostFailure) => void>();
  private sftpSession: Promise<SFTPWrapper> | undefined;

  constructor(
    readonly target: SshTarget,
    private readonly client: Client,
  ) {
    client.on('error', (error: Error) => {
      this.lastError = error;
      this.markLost();
    });
    client.on('end', () => this.markLost());
    client.on('close', () => this.markLost());
  }

  /** False once the connection broke or was ended. */
  get isOpen(): boolean {
    return this.lost === undefined;
  }

  /** The failure to report for work in flight when the connection is gone. */
  get failure(): HostFailure | undefined {
    return this.lost;
  }

  /** Call `listener` once when the connection breaks (at once if it already has). */
  onLost(listener: (failure: HostFailure) => void): () => void {
    if (this.lost !== undefined) {
      listener(this.lost);
      return () => undefined;
    }
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  /** Open an exec channel (no pty: stdout and stderr stay apart), its exit and close recorded from the start. */
  exec(command: string): Promise<ExecChannel> {
    return new Promise((resolve, reject) => {
      if (this.lost !== undefined) {
        reject(this.lost);
        return;
      }
      try {
        this.client.exec(command, (error, channel) => {
          if (error !== undefined && error !== null) {
            reject(this.lost ?? connectionLost(this.target, `cannot open a session: ${error.message}`));
            return;
          }
          // Listen now, in ssh2's callback: the exit status may be in the same packet burst.
          const exit: ExecChannel['exit'] = {};
          channel.on('exit', (code: number | null, signalName?: string) => {
            if (typeof code === 'number') exit.code = code;
            else if (typeof signalName === 'string') exit.signal = signalName;
          });
          const closed = new Promise<void>((resolveClosed) => channel.once('close', () => resolveClosed()));
          resolve({ channel, exit, closed });
        });
      } catch (error) {
        reject(this.lost ?? connectionLost(this.target, (error as Error).message));
      }
    });
  }

  /** The connection's one SFTP session, opened on first use and reused. */
  sftp(): Promise<SFTPWrapper> {
    if (this.lost !== undefined) return Promise.reject(this.lost);
    if (this.sftpSession === undefined) {
      const session = new Promise<SFTPWrapper>((resolve, reject) => {
        this.client.sftp((error, sftp) => {
          if (error !== undefined && error !== null) {
            reject(this.lost ?? connectionLost(this.target, `cannot start SFTP: ${error.message}`));
            return;
          }
          const forget = (): void => {
            if (this.sftpSession === session) this.sftpSession = undefined;
          };
          sftp.on('close', forget);
          sftp.on('error', forget);
          resolve(sftp);
        });
      });
      session.catch(() => {
        if (this.sftpSession === session) this.sftpSession = undefined;
      });
      this.sftpSession = session;
    }
    return this.sftpSession;
  }

  /** End the connection (idempotent). Work still in flight fails as connection-lost. */
  end(): void {
    this.endedByUs = true;
    this.markLost();
    try {
      this.client.end();
    } catch {
      // already gone
    }
  }

  private markLost(): void {
    if (this.lost !== undefined) return;
    const reason = this.endedByUs ? 'closed by deploy' : lostReason(this.lastError);
    this.lost = connectionLost(this.target, reason);
    const listeners = [...this.lostListeners];
    this.lostListeners.clear();
    for (const listener of listeners) listener(this.lost);
    if (!this.endedByUs) {
      try {
        this.client.end();
      } catch {
        // already gone
      }
    }
  }
}
