import type { Duplex } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import { OutputBuffer } from '../output-buffer.js';
import { renderCommand } from '../quote.js';
import type { SshConnection } from './ssh-connection.js';

/** Longest header (the command's words) the tunnel reads before giving up. */
const HEADER_LIMIT = 64 * 1024;

/**
 * The remote shell the local rsync runs (`rsync -e`), called as `[-l user] <host> <command...>`
 * with rsync's socket pair as its stdin and stdout and, inherited through rsync, the deploy
 * process's socket pair at fd 3 (runLocalProcess's `channel`). It writes the words it was given
 * on fd 3, a line each, then an empty line; then two `cat`s relay rsync's stream to fd 3 and back.
 * The deploy process runs the command on the host over the SSH connection it holds. No process
 * of deploy's own, no socket in the file system: a `sh` and two `cat`s, started in about a
 * millisecond (figure T). A background list's stdin is /dev/null (POSIX), so stdin goes by fd 4.
 * The `cat` rsync waits for reads fd 3: it ends when the host's side does.
 */
export const RSH_SCRIPT = [
  'printf "%s\\n" "$@" "" >&3 || { echo "deploy: no channel to the deploy process on fd 3" >&2; exit 255; }',
  'exec 2>/dev/null 4<&0',
  'cat <&4 >&3 &',
  'exec cat <&3 4<&-',
].join('\n');

/**
 * The `-e` value: rsync splits it at spaces itself, keeping what is inside single quotes as one
 * word, backslashes and double quotes included (rsync(1), `--rsh`).
 */
export const REMOTE_SHELL = `/bin/sh -c '${RSH_SCRIPT}' deploy-rsh`;

/** What the host's side of one rsync did: its stderr and exit status once the channel closed. */
export interface RemoteSide {
  exitCode?: number;
  stderr: string;
  /** Why the tunnel ran nothing (a bad header, no session). */
  refused?: string;
}

export interface RsyncTunnel {
  /** The host's side once its channel has closed (exit status and stderr all in), or after `waitMs`. */
  settled(waitMs: number): Promise<RemoteSide>;
  /** Stop the remote command (TERM, close the channel) and the socket. Idempotent. */
  close(): void;
}

/** The rsync server command rsync asks for with `-s`: `rsync --server` and option words only. */
export function isRsyncServerCommand(words: readonly unknown[]): words is string[] {
  return (
    words[0] === 'rsync' &&
    words[1] === '--server' &&
    words.every((word) => typeof word === 'string' && word !== '' && !word.includes('\n')) &&
    words.slice(2).every((word) => typeof word === 'string' && (word === '.' || word.startsWith('-')))
  );
}

/** The command of a header (RSH_SCRIPT's words, `[-l user] <host>` first); undefined if incomplete. */
export function headerCommand(header: Buffer): { words: string[]; rest: Buffer } | undefined {
  const end = header.indexOf('\n\n');
  if (end === -1) return undefined;
  const given = header.subarray(0, end).toString('utf8').split('\n');
  const words = given[0] === '-l' ? given.slice(3) : given.slice(1);
  return { words, rest: header.subarray(end + 2) };
}

/**
 * Serve one rsync's remote shell on `socket` (the other end of its fd 3): read the header, which
 * must name an rsync server, run it on the host as quoted words (renderCommand) on an exec
 * channel of `connection`, and pipe the bytes both ways; when the host's side has closed (its
 * exit status in), end the socket, which ends the `cat` rsync waits for.
 */
export function attachRsyncTunnel(connection: SshConnection, socket: Duplex): RsyncTunnel {
  const stderr = new OutputBuffer();
  const side: RemoteSide = { stderr: '' };
  let channel: ClientChannel | undefined;
  let closed = false;
  let done: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => {
    done = resolve;
  });

  const refuse = (reason: string): void => {
    side.refused ??= reason;
    socket.destroy();
    done();
  };
  const close = (): void => {
    if (closed) return;
    closed = true;
    try {
      channel?.signal('TERM');
      channel?.close();
    } catch {
      // already closed
    }
    socket.destroy();
  };

  const run = (words: string[]): void => {
    connection.exec(renderCommand(words)).then(
      (opened) => {
        channel = opened.channel;
        if (closed || socket.destroyed) {
          opened.channel.close();
          done();
          return;
        }
        opened.channel.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
        opened.channel.on('error', () => undefined);
        socket.pipe(opened.channel);
        // The socket ends once the channel has closed, not at its end of output: by the time the
        // local rsync sees the end, the host's exit status and all of its stderr are in.
        opened.channel.pipe(socket, { end: false });
        void opened.closed.then(() => {
          side.exitCode = opened.exit.code;
          socket.end();
          done();
        });
      },
      (error: Error) => refuse(error.message),
    );
  };

  socket.on('error', () => undefined);
  // The local rsync has exited (its fd 3 is destroyed then): the host's side gets the end of its
  // input, as it would from ssh, and exits on its own; what it still prints is read and dropped,
  // so that the channel closes with its exit status.
  socket.once('close', () => {
    if (closed || channel === undefined) return;
    channel.unpipe(socket);
    channel.resume();
    channel.end();
  });
  let header = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    header = Buffer.concat([header, chunk]);
    const read = headerCommand(header);
    if (read === undefined) {
      if (header.length > HEADER_LIMIT) refuse('the remote shell sent no command');
      return;
    }
    // Pause before letting go of the listener: bytes that follow would otherwise be lost.
    socket.pause();
    socket.removeListener('data', onData);
    if (read.rest.length > 0) socket.unshift(read.rest);
    if (!isRsyncServerCommand(read.words)) {
      refuse('the remote shell asked for something other than an rsync server');
      return;
    }
    run(read.words);
  };
  socket.on('data', onData);

  return {
    async settled(waitMs) {
      // No header yet: the remote shell never spoke, and nothing will run.
      if (channel === undefined && side.refused === undefined && header.length === 0) return { ...side, stderr: stderr.text() };
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([ended, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
      clearTimeout(timer);
      return { ...side, stderr: stderr.text() };
    },
    close,
  };
}
