import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically } from '../state/atomic-file.js';
import { runLocalProcess } from './local-process.js';
import { HostFailure, type ExecOptions, type ExecResult, type Transport, type WriteFileOptions, type WriteResult } from './types.js';

export interface LocalTransportOptions {
  /** local_fleet_dir: host h is the folder <fleetDir>/h. */
  fleetDir: string;
}

/**
 * The embedded transport for trying deploy without servers: host `h` is the folder
 * `<fleetDir>/h`, remote paths live inside it, and commands run on this machine with
 * `DEPLOY_HOST=h` and the host folder as working directory.
 */
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
      writeOptions.signal.throwIfAborted();
      try {
        return await writeFileAtomically(join(hostDir(host), path), content, writeOptions.mode);
      } catch (error) {
        throw new HostFailure('transfer', `transfer failed: ${(error as Error).message}`);
      }
    },
    async close(): Promise<void> {},
  };
}
