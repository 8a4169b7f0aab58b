/**
 * The remote shell rsync runs (`rsync -e 'node rsh-client.js <socket>'`) when deploy syncs a
 * tree over its own SSH connection. rsync calls it as `<socket> [-l user] <host> <command...>`;
 * it connects to the unix socket of the deploy process (rsync-tunnel.ts), writes one header
 * line, the command as a JSON array of words, then copies its stdin to the socket and the
 * socket to its stdout until both ends close. The deploy process runs the command on the host
 * over the SSH connection it already holds and keeps its stderr and exit status itself.
 * A script of its own, run by node: it imports nothing but node's modules.
 */
import { connect } from 'node:net';

const [socketPath, ...rest] = process.argv.slice(2);
const words = rest[0] === '-l' ? rest.slice(3) : rest.slice(1);
if (socketPath === undefined || words.length === 0) {
  process.stderr.write('deploy rsh client: usage: rsh-client.js <socket> [-l user] <host> <command...>\n');
  process.exit(255);
}
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
