import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { readLocalFile, replaceLocalFile } from './local-replace.js';
import type { Wanted } from './replace-plan.js';
import { runLocalProcess } from './local-process.js';
import { runRsync } from './rsync-run.js';
import { buildRsyncTree, rsyncErrorLine, rsyncTreeOptions } from './rsync-tree.js';
import {
  HostFailure,
  type ExecOptions,
  type ExecResult,
  type PreviousFile,
  type ReadFileOptions,
  type ReplaceOptions,
  type SyncTreeOptions,
  type SyncTreeResult,
  type Transport,
  type WriteFileOptions,
  type WriteResult,
} from './types.js';

export interface LocalTransportOptions {
  /** local_fleet_dir: host h is the folder <fleetDir>/h. */
  fleetDir: string;
}

/**
 * The embedded transport for trying deploy without servers: host `h` is the folder
 * `<fleetDir>/h`, remote paths live inside it, and commands run on this machine with
 * `DEPLOY_HOST=h` and the host folder as working directory.
 */
async function replaceOrFail(path: string, wanted: Wanted, options: ReplaceOptions): Promise<WriteResult> {
  try {
    return await replaceLocalFile(path, wanted, options);
  } catch (error) {
    if (options.signal.aborted) throw options.signal.reason;
    throw new HostFailure('transfer', `transfer failed: ${(error as Error).message}`);
  }
}

export function createLocalTransport(options: LocalTransportOptions): Transport {
  const hostDir = (host: string): string => join(options.fleetDir, host);
  return {
    name: 'local',
    async exec(host: string, argv: readonly string[], execOptions: ExecOptions): Promise<ExecResult> {
      const [file, ...args] = argv;
      if (file === undefined) throw new HostFailure('connect', 'empty command');
      const cwd = hostDir(host);
      await mkdir(cwd, { recursive: true });
      return runLocalProcess(file, args, {
        cwd,
        env: { DEPLOY_HOST: host },
        signal: execOptions.signal,
        ...(execOptions.onOutput ? { onOutput: execOptions.onOutput } : {}),
        ...(execOptions.onStart ? { onStart: execOptions.onStart } : {}),
      });
    },
    async writeFile(host: string, path: string, content: Buffer, writeOptions: WriteFileOptions): Promise<WriteResult> {
      return replaceOrFail(join(hostDir(host), path), { content, mode: writeOptions.mode }, writeOptions);
    },
    async readFile(host: string, path: string, readOptions: ReadFileOptions): Promise<PreviousFile | null> {
      try {
        return await readLocalFile(join(hostDir(host), path), readOptions.signal);
      } catch (error) {
        if (readOptions.signal.aborted) throw readOptions.signal.reason;
        throw new HostFailure('transfer', `cannot read ${path}: ${(error as Error).message}`);
      }
    },
    async removeFile(host: string, path: string, removeOptions: ReplaceOptions): Promise<WriteResult> {
      return replaceOrFail(join(hostDir(host), path), null, removeOptions);
    },
    async syncTree(host: string, syncOptions: SyncTreeOptions): Promise<SyncTreeResult> {
      const onHost = (path: string) => join(hostDir(host), path);
      const argv = buildRsyncTree(rsyncTreeOptions(syncOptions, onHost(syncOptions.destination), onHost));
      const run = await runRsync(argv, { signal: syncOptions.signal, ...(syncOptions.names !== undefined ? { names: syncOptions.names } : {}) });
      if (run.exitCode === 0) return run.items;
      const reason = rsyncErrorLine(run.stderr) ?? `rsync exited with status ${run.exitCode}`;
      throw new HostFailure('transfer', `transfer failed: ${syncOptions.destination} on ${host}: ${reason}`);
    },
    // Absolute: a command runs with the host folder as its working folder.
    commandPath: (host, path) => resolve(hostDir(host), `.${path.startsWith('/') ? '' : '/'}${path}`),
    async close(): Promise<void> {},
  };
}
