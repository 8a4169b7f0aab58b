/**
 * A network namespace for the deploy process with nothing in it but its own loopback, plus the
 * few endpoints of this machine the test chooses to expose there at the same address and port
 * (through a unix-socket relay: path-named unix sockets cross network namespaces). So a fleet
 * host that is not exposed cannot be reached from inside, except through an exposed bastion.
 * Everything started here dies with the test process (setpriv --pdeathsig).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RELAY = fileURLToPath(new URL('./tcp-to-unix-relay.mjs', import.meta.url));

export interface ClientNetns {
  /** The argv that runs `argv` inside the namespace. */
  wrap(argv: readonly string[]): string[];
  stop(): Promise<void>;
}

const withDeathSignal = (argv: string[]): string[] => (existsSync('/usr/bin/setpriv') ? ['setpriv', '--pdeathsig', 'KILL', '--', ...argv] : argv);

/** Resolves once `child` printed `word` on stdout; rejects if it exits first. */
function waitFor(child: ChildProcess, word: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    let said = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(word)) resolve();
    });
    child.stderr?.on('data', (chunk: Buffer) => (said += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}) before it was ready: ${said.trim()}`)));
  });
}

export async function startClientNetns(dir: string, expose: ReadonlyArray<{ address: string; port: number }>): Promise<ClientNetns> {
  const [holderCommand, ...holderArgs] = withDeathSignal(['unshare', '--net', '--', 'sh', '-c', 'ip link set lo up && echo ready && exec sleep 1000000']);
  const holder = spawn(holderCommand!, holderArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  const servers: net.Server[] = [];
  let relay: ChildProcess | undefined;
  const stop = async (): Promise<void> => {
    relay?.kill('SIGKILL');
    holder.kill('SIGKILL');
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  };
  try {
    await waitFor(holder, 'ready', 'the namespace holder');
    const namespace = `/proc/${holder.pid}/ns/net`;
    const triples: string[] = [];
    for (const [index, endpoint] of expose.entries()) {
      const path = join(dir, `relay-${index}.sock`);
      const server = net.createServer((client) => {
        const upstream = net.connect(endpoint.port, endpoint.address);
        client.pipe(upstream);
        upstream.pipe(client);
        const close = (): void => {
          client.destroy();
          upstream.destroy();
        };
        for (const socket of [client, upstream]) {
          socket.on('error', close);
          socket.on('close', close);
        }
      });
      await new Promise<void>((resolve) => server.listen(path, resolve));
      servers.push(server);
      triples.push(endpoint.address, String(endpoint.port), path);
    }
    const [relayCommand, ...relayArgs] = withDeathSignal(['nsenter', `--net=${namespace}`, '--', process.execPath, RELAY, ...triples]);
    relay = spawn(relayCommand!, relayArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    if (triples.length > 0) await waitFor(relay, 'listening', 'the relay');
    return { wrap: (argv) => ['nsenter', `--net=${namespace}`, '--', ...argv], stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
