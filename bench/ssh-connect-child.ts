/**
 * One measured run of figure 5, in a fresh process: load a build of the SSH transport (this
 * one, or the one from before issue 10), run its start-up check on every host, then connect to
 * every host and run `true` there, `concurrency` hosts at a time. Prints one JSON line:
 * { checkMs, connectMs, wallMs, failed: [...] }.
 *
 *   node dist/bench/ssh-connect-child.js '<json: module, options, hosts, concurrency>'
 */
import { setMaxListeners } from 'node:events';
import { pathToFileURL } from 'node:url';
import { runTrueEverywhere } from './run-true-everywhere.js';

interface Job {
  /** dist/src/transport/ssh/ssh-transport.js of the build to measure. */
  module: string;
  options: Record<string, unknown>;
  hosts: string[];
  concurrency: number;
}

type CheckAuth = (options: Record<string, unknown> & { hosts: string[] }) => Promise<void>;

interface TransportModule {
  /** Older builds re-export it here; newer ones have it only in auth-check.js beside it. */
  checkSshAuthConfig?: CheckAuth;
  createSshTransport(options: Record<string, unknown>): {
    exec(host: string, argv: string[], options: { signal: AbortSignal }): Promise<{ exitCode: number }>;
    close(): Promise<void>;
  };
}

const job = JSON.parse(process.argv[2] ?? '{}') as Job;
const ssh = (await import(pathToFileURL(job.module).href)) as TransportModule;
const checkSshAuthConfig: CheckAuth =
  ssh.checkSshAuthConfig ??
  ((await import(pathToFileURL(job.module.replace(/ssh-transport\.js$/, 'auth-check.js')).href)) as { checkSshAuthConfig: CheckAuth }).checkSshAuthConfig;
const signal = new AbortController().signal;
setMaxListeners(0, signal);

const started = performance.now();
await checkSshAuthConfig({ ...job.options, hosts: job.hosts });
const checked = performance.now();
const transport = ssh.createSshTransport(job.options);
const failed = await runTrueEverywhere(transport, job.hosts, job.concurrency, signal);
const done = performance.now();
await transport.close();
process.stdout.write(`${JSON.stringify({ checkMs: checked - started, connectMs: done - checked, wallMs: done - started, failed })}\n`);
process.exit(0);
