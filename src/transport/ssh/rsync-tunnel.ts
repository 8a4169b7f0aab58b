import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClientChannel } from 'ssh2';
import { OutputBuffer } from '../output-buffer.js';
import { renderCommand } from '../quote.js';
import type { SshConnection } from './ssh-connection.js';

/** Longest header line (the command as JSON) the tunnel reads before giving up. */
const HEADER_LIMIT = 64 * 1024;

/** What the host's side of one rsync did: its stderr and exit status once the channel closed. */
export interface RemoteSide {
  exitCode?: number;
  stderr: string;
  /** Why the tunnel ran nothing (a bad header, a second client, no session). */
  refused?: string;
}

export interface RsyncTunnel {
  /** The `-e` command for the local rsync: node, the rsh client, the socket. */
  readonly remoteShell: string;
  remote(): RemoteSide;
  /** Stop the remote command (TERM, close the channel), stop listening, remove the folder. Idempotent. */
  close(): Promise<void>;
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

/**
 * A unix socket, owner-only in a private 0700 folder, through which the local rsync's rsh
 * client (rsh-client.ts) reaches `connection`: the first client's header names the command,
 * which must be an rsync server; it runs on the host as quoted words (renderCommand) on an
 * exec channel of the connection, and the bytes are piped both ways until both sides end.
 */
export async function openRsyncTunnel(connection: SshConnection, clientPath: string): Promise<RsyncTunnel> {
  const folder = await mkdtemp(join(tmpdir(), 'deploy-rsync-'));
  const socketPath = join(folder, 'socket');
  const stderr = new OutputBuffer();
  const side: RemoteSide = { stderr: '' };
  let channel: ClientChannel | undefined;
  let client: Socket | undefined;
  let closing: Promise<void> | undefined;

  const refuse = (socket: Socket, reason: string): void => {
    side.refused ??= reason;
    socket.destroy();
  };

  const run = (socket: Socket, words: string[]): void => {
    connection.exec(renderCommand(words)).then(
      (opened) => {
        channel = opened.channel;
        if (closing !== undefined) {
          opened.channel.close();
          return;
        }
        opened.channel.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
        opened.channel.on('error', () => undefined);
        socket.pipe(opened.channel);
        opened.channel.pipe(socket);
        void opened.closed.then(() => {
          side.exitCode = opened.exit.code;
          socket.end();
        });
      },
      (error: Error) => refuse(socket, error.message),
    );
  };

  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    socket.on('error', () => undefined);
    if (client !== undefined || closing !== undefined) {
      refuse(socket, 'a second client connected');
      return;
    }
    client = socket;
    let header = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      header = Buffer.concat([header, chunk]);
      const newline = header.indexOf(0x0a);
      if (newline === -1) {
        if (header.length > HEADER_LIMIT) refuse(socket, 'the rsh client sent no header');
        return;
      }
      // Pause before letting go of the listener: bytes that follow would otherwise be lost.
      socket.pause();
      socket.removeListener('data', onData);
      const rest = header.subarray(newline + 1);
      if (rest.length > 0) socket.unshift(rest);
      let words: unknown;
      try {
        words = JSON.parse(header.subarray(0, newline).toString('utf8'));
      } catch {
        words = undefined;
      }
      if (!Array.isArray(words) || !isRsyncServerCommand(words)) {
        refuse(socket, 'the rsh client asked for something other than an rsync server');
        return;
      }
      run(socket, words);
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.removeListener('error', reject);
      resolve();
    });
  }).catch(async (error: unknown) => {
    await rm(folder, { recursive: true, force: true });
    throw error;
  });

  return {
    remoteShell: renderCommand([process.execPath, clientPath, socketPath]),
    remote: () => ({ ...side, stderr: stderr.text() }),
    close() {
      closing ??= (async () => {
        try {
          channel?.signal('TERM');
          channel?.close();
        } catch {
          // already closed
        }
        client?.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await rm(folder, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}
