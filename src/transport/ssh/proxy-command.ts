import { spawn } from 'node:child_process';
import { Duplex } from 'node:stream';
import { oneLine } from '../../lib/text.js';
import { expandTokens, proxyCommandTokens } from './config/tokens.js';
import { connectionInfo, type LocalFacts, type ResolvedHost } from './config/resolved-host.js';
import { HostFailure } from '../types.js';

/**
 * ProxyCommand as ssh runs it: `$SHELL -c "exec <command>"` with %h %p %r %n %k expanded, its
 * stdin and stdout being the connection. Its stderr is kept to explain a failure; it gets
 * SIGHUP when the connection closes, as ssh sends it.
 */
export interface ProxySocket {
  sock: Duplex;
  /** Why the command ended early, when it did (waits a moment for it to exit and say so). */
  failure(): Promise<string | undefined>;
}

/** Characters a host or user name may carry into a shell command (newer OpenSSH refuses others too). */
const SAFE_TOKEN = /^[A-Za-z0-9._:@%+=,\-[\]]*$/;

export function expandProxyCommand(resolved: ResolvedHost, local: LocalFacts): string {
  const tokens = proxyCommandTokens(connectionInfo(resolved, local));
  for (const [key, value] of Object.entries(tokens)) {
    if (!SAFE_TOKEN.test(value)) {
      throw new HostFailure('connect', `ProxyCommand: %${key} would put ${JSON.stringify(value)} into a shell command; refusing`);
    }
  }
  return expandTokens(resolved.proxyCommand ?? '', tokens);
}

export function startProxyCommand(command: string, env: NodeJS.ProcessEnv): ProxySocket {
  const shell = env.SHELL !== undefined && env.SHELL !== '' ? env.SHELL : '/bin/sh';
  const child = spawn(shell, ['-c', `exec ${command}`], { stdio: ['pipe', 'pipe', 'pipe'], env });
  let stderr = '';
  let exit: string | undefined;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-2000);
  });
  child.on('error', (error) => {
    exit = `could not start (${error.message})`;
  });
  child.on('exit', (code, signal) => {
    exit = signal !== null ? `was killed by ${signal}` : `exited with status ${code}`;
  });
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  // Writes after the command died must not crash deploy: the SSH layer sees the close.
  child.stdin.on('error', () => undefined);
  const sock = Duplex.from({ readable: child.stdout, writable: child.stdin });
  sock.on('error', () => undefined);
  sock.on('close', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGHUP');
  });
  return {
    sock,
    async failure() {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([closed, new Promise((resolve) => (timer = setTimeout(resolve, 1000)))]);
      clearTimeout(timer);
      const said = oneLine(stderr.trim());
      if (exit === undefined && said === '') return undefined;
      return `ProxyCommand \`${command}\`${exit !== undefined ? ` ${exit}` : ''}${said !== '' ? `: ${said}` : ''}`;
    },
  };
}
