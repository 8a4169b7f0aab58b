/**
 * The remote shell rsync runs (`rsync -e 'node rsh-client.js <socket>'`) when deploy syncs a
 * tree over its own SSH connection. rsync calls it as `<socket> [-l user] <host> <command...>`;
 * it connects to the unix socket of the deploy process (rsync-tunnel.ts), writes one header
 * line, the command as a JSON array of words, then copies its stdin to the socket and the
 * socket to its stdout until both ends close. The deploy process runs the command on the host
 * over the SSH connection it already holds and keeps its stderr and exit status itself.
 * When rsync was started with a node IPC channel (fd 3, NODE_CHANNEL_FD: deploy starts it so,
 * and rsync passes it on), the client does not copy a byte: it hands its stdin and stdout
 * (rsync's own socket pairs to its remote shell) to the deploy process over that channel, which
 * then moves rsync's bytes between them and the SSH channel itself, and it waits for
 * `{"deployRsh": "done", "code"}`. The copy through this process and the unix socket cost more
 * CPU than OpenSSH's whole client (figure T in BENCHMARKS.md).
 *
 * A script of its own, run by node: it imports nothing but node's modules.
 */
import { connect } from 'node:net';

const [socketPath, ...rest] = process.argv.slice(2);
const words = rest[0] === '-l' ? rest.slice(3) : rest.slice(1);
if (socketPath === undefined || words.length === 0) {
  process.stderr.write('deploy rsh client: usage: rsh-client.js <socket> [-l user] <host> <command...>\n');
  process.exit(255);
}
const send = process.send?.bind(process);
if (send !== undefined) {
  process.on('message', (message: { deployRsh?: unknown; code?: unknown }) => {
    if (message?.deployRsh === 'done') process.exit(typeof message.code === 'number' ? message.code : 0);
  });
  process.on('disconnect', () => process.exit(255));
  const failed = (error: Error | null): void => {
    if (error === null) return;
    process.stderr.write(`deploy rsh client: ${error.message}\n`);
    process.exit(255);
  };
  send({ deployRsh: 'stdin', words }, process.stdin, {}, (error) => {
    failed(error);
    send({ deployRsh: 'stdout' }, process.stdout, {}, failed);
  });
} else relay(socketPath);

/** Without an IPC channel: copy stdin to the tunnel's socket and the socket to stdout. */
function relay(socketPath: string): void {
  const socket = connect(socketPath, () => {
    socket.write(`${JSON.stringify(words)}\n`);
    process.stdin.pipe(socket);
    socket.pipe(process.stdout);
  });
  socket.on('error', (error) => {
    process.stderr.write(`deploy rsh client: ${error.message}\n`);
    process.exit(255);
  });
  socket.on('end', () => {
    process.stdout.end(() => process.exit(0));
  });
}
