/**
 * One measured run of the ssh2-binding figure, in a fresh process (started with or without the
 * preload bench/without-ssh2-binding.ts): deploy's SSH transport connects to every host and
 * runs `true`, `concurrency` hosts at a time; then, over those connections, writes one file of
 * `fileMiB` to the first `transferHosts` hosts at once through the transport's atomic write
 * (SFTP, fsync, rename). Prints one JSON line: what ssh2 loaded (its binding, cpu-features, its
 * default cipher order), the ciphers negotiated, and wall and CPU time of each part.
 *
 *   node [--import dist/bench/without-ssh2-binding.js] dist/bench/ssh2-binding-child.js '<json job>'
 */
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { createRequire } from 'node:module';
import type { SshTransportOptions } from '../src/transport/ssh/options.js';
import { createSshTransport } from '../src/transport/ssh/ssh-transport.js';
import { runTrueEverywhere } from './run-true-everywhere.js';

export interface BindingJob {
  options: SshTransportOptions;
  hosts: string[];
  concurrency: number;
  transferHosts: number;
  fileMiB: number;
  /** Remote folder for the written file (removed again after the timing). */
  remoteDir: string;
  tag: string;
}

export interface BindingResult {
  bindingAvailable: boolean;
  cpuFeatures: boolean;
  defaultCipher: string[];
  /** "client-to-server/server-to-client" cipher → connections that negotiated it. */
  negotiated: Record<string, number>;
  connectMs: number;
  connectCpuMs: number;
  transferMs: number;
  transferCpuMs: number;
  transferBytes: number;
  failed: string[];
}

const job = JSON.parse(process.argv[2] ?? '{}') as BindingJob;
const require = createRequire(import.meta.url);
// The same module instances the transport imports (ssh2 is CommonJS: one cache).
const ssh2 = require('ssh2') as typeof import('ssh2');
const { bindingAvailable } = require('ssh2/lib/protocol/crypto.js') as { bindingAvailable: boolean };
const { DEFAULT_CIPHER } = require('ssh2/lib/protocol/constants.js') as { DEFAULT_CIPHER: string[] };
let cpuFeatures = false;
try {
  require('cpu-features');
  cpuFeatures = true;
} catch {
  // not built, or hidden by the preload
}

// Record each connection's negotiated ciphers ('handshake' carries them).
const negotiated: Record<string, number> = {};
type Negotiated = { cs: { cipher: string }; sc: { cipher: string } };
const connect = ssh2.Client.prototype.connect;
ssh2.Client.prototype.connect = function (this: import('ssh2').Client, ...args: Parameters<typeof connect>) {
  this.once('handshake', (info: Negotiated) => {
    const key = info.cs.cipher === info.sc.cipher ? info.cs.cipher : `${info.cs.cipher}/${info.sc.cipher}`;
    negotiated[key] = (negotiated[key] ?? 0) + 1;
  });
  return connect.apply(this, args);
};

const signal = new AbortController().signal;
setMaxListeners(0, signal);
const cpuMs = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

const transport = createSshTransport(job.options);
let cpu = process.cpuUsage();
let started = performance.now();
const failed = await runTrueEverywhere(transport, job.hosts, job.concurrency, signal);
const connectMs = performance.now() - started;
const connectCpuMs = cpuMs(cpu);

const targets = job.hosts.slice(0, job.transferHosts);
const path = `${job.remoteDir}/${job.tag}.bin`;
// Open each SFTP session and create the folder first (not timed): the timed part is the bytes.
await Promise.all(targets.map((host) => transport.writeFile(host, `${job.remoteDir}/warm-${job.tag}`, Buffer.from('warm'), { mode: 0o644, signal })));
const content = randomBytes(job.fileMiB * 1024 * 1024);
cpu = process.cpuUsage();
started = performance.now();
const written = await Promise.all(targets.map((host) => transport.writeFile(host, path, content, { mode: 0o644, signal })));
const transferMs = performance.now() - started;
const transferCpuMs = cpuMs(cpu);
written.forEach((result, i) => {
  if (!result.changed) failed.push(`${targets[i]}: the file was not written`);
});
await Promise.all(targets.flatMap((host) => [path, `${job.remoteDir}/warm-${job.tag}`].map((file) => transport.removeFile(host, file, { signal }))));
await transport.close();

const result: BindingResult = {
  bindingAvailable,
  cpuFeatures,
  defaultCipher: DEFAULT_CIPHER,
  negotiated,
  connectMs,
  connectCpuMs,
  transferMs,
  transferCpuMs,
  transferBytes: content.length * targets.length,
  failed,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
