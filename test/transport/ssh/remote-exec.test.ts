import { generateKeyPairSync } from 'node:crypto';
import { type AddressInfo, type Socket, createServer } from 'node:net';
import ssh2, { type ServerChannel } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRemoteCommand } from '../../../src/transport/ssh/remote-exec.js';
import { SshConnection } from '../../../src/transport/ssh/ssh-connection.js';
import type { SshTarget } from '../../../src/transport/ssh/target.js';

/** How the in-process server ends each exec, looked up by the command's last word. */
type Ending = (stream: ServerChannel) => void;

/**
 * An ssh2 server in this process on 127.0.0.1 (a free port) that answers every exec in one
 * burst: it holds its socket's output (cork) from the exec request on, accepts it, ends it as
 * `endings` says, and only then lets it all go in one write. The client reads the exec reply,
 * the output, the exit status and the close in one chunk, exactly as it does on a lossy link
 * when a lost segment is resent with everything queued behind it.
 */
async function startBurstServer(endings: Record<string, Ending>): Promise<{ port: number; close: () => Promise<void> }> {
  const { privateKey } = generateKeyPairSync('ec', {
    namedCurve: 'prime256v1',
    privateKeyEncoding: { type: 'sec1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const sockets = new Set<Socket>();
  const server = new ssh2.Server({ hostKeys: [privateKey] });
  const tcp = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    server.once('connection', (client) => {
      client.on('authentication', (context) => context.accept());
      client.on('error', () => undefined);
      client.on('session', (acceptSession) => {
        acceptSession().on('exec', (acceptExec, _reject, info) => {
          socket.cork();
          const stream = acceptExec();
          const ending = endings[info.command.trim().split(/\s+/).pop() ?? ''];
          if (ending === undefined) {
            stream.stderr.write(`no ending for ${info.command}\n`);
            stream.exit(99);
          } else {
            ending(stream);
          }
          stream.end();
          // The end (EOF, close) is written a tick later: let it join the burst.
          setTimeout(() => socket.uncork(), 30);
        });
      });
    });
    server.injectSocket(socket);
  });
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  const { port } = tcp.address() as AddressInfo;
  const close = async (): Promise<void> => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => tcp.close(() => resolve()));
  };
  return { port, close };
}

async function connect(port: number): Promise<SshConnection> {
  const client = new ssh2.Client();
  await new Promise<void>((resolve, reject) => {
    client.once('ready', resolve).once('error', reject);
    client.connect({ host: '127.0.0.1', port, username: 'root', hostVerifier: () => true, readyTimeout: 10_000 });
  });
  const target: SshTarget = { host: 'burst', alias: 'burst', hostName: '127.0.0.1', port, user: 'root' };
  return new SshConnection(target, client);
}

const signal = (): AbortSignal => new AbortController().signal;

describe('remote exec when the exit status arrives with the channel opening', () => {
  let server: Awaited<ReturnType<typeof startBurstServer>>;
  let connection: SshConnection;

  beforeAll(async () => {
    server = await startBurstServer({
      'exit-0': (stream) => stream.exit(0),
      'exit-3': (stream) => {
        stream.write('restarting\n');
        stream.stderr.write('pool www failed\n');
        stream.exit(3);
      },
      'killed-by-term': (stream) => stream.exit('TERM', false, ''),
    });
    connection = await connect(server.port);
  });
  afterAll(async () => {
    connection?.end();
    await server?.close();
  });

  it('reports a command that exits 0 at once as exit 0, every time', async () => {
    // Given a host that sends the exec reply, exit-status 0 and close in one burst
    // When a command runs there 8 times, one after the other, then 4 at a time
    const results = [];
    for (let i = 0; i < 8; i++) results.push(await runRemoteCommand(connection, ['restart', 'exit-0'], { signal: signal() }));
    results.push(...(await Promise.all(Array.from({ length: 4 }, () => runRemoteCommand(connection, ['restart', 'exit-0'], { signal: signal() })))));
    // Then every run resolved with status 0 (none "closed without an exit status")
    expect(results.map((r) => r.exitCode)).toEqual(Array(12).fill(0));
  });

  it('keeps the status and both streams of a command that fails at once', async () => {
    // Given a host that sends output, exit-status 3 and close in the same burst as the exec reply
    // When the command runs
    const result = await runRemoteCommand(connection, ['restart', 'exit-3'], { signal: signal() });
    // Then the status and the output are all there
    expect(result).toMatchObject({ exitCode: 3, stdout: 'restarting\n', stderr: 'pool www failed\n' });
  });

  it('reports a command killed by a signal at once as 128 + the signal number', async () => {
    // Given a host that sends exit-signal TERM with the exec reply
    // When the command runs
    const result = await runRemoteCommand(connection, ['restart', 'killed-by-term'], { signal: signal() });
    // Then the status is 143
    expect(result.exitCode).toBe(143);
  });
});
