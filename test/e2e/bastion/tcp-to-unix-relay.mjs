// Runs inside the client's network namespace: listens on <address>:<port> (the namespace's own
// loopback) and relays each connection to a unix socket that the test serves from outside the
// namespace. Arguments: triples of <address> <port> <unix socket path>.
import net from 'node:net';

const args = process.argv.slice(2);
let pending = args.length / 3;
for (let i = 0; i < args.length; i += 3) {
  const [address, port, path] = args.slice(i, i + 3);
  const server = net.createServer((client) => {
    const upstream = net.connect(path);
    client.pipe(upstream);
    upstream.pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
  });
  server.listen(Number(port), address, () => {
    pending -= 1;
    if (pending === 0) process.stdout.write('listening\n');
  });
}
