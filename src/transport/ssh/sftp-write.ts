import { posix } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { renderCommand } from '../quote.js';
import { decideReplace, needsCurrentContent, type Wanted } from '../replace-plan.js';
import { HostFailure, type ReplaceOptions, type WriteResult } from '../types.js';
import { raceAbort } from '../../lib/abort.js';
import { isTemporaryFor, temporaryName } from '../../lib/temporary-name.js';
import { oneLine } from '../../lib/text.js';
import type { SshConnection } from './ssh-connection.js';
import { call, currentFile, SFTP_CHUNK_BYTES, SFTP_REQUESTS_IN_FLIGHT, statOrUndefined } from './sftp-read.js';
import { targetLabel } from './target.js';

/** Every folder from the root down to `dir`: `/a/b` → [`/a`, `/a/b`]. */
export function folderChain(dir: string): string[] {
  const parts = posix
    .normalize(dir)
    .split('/')
    .filter((part) => part !== '');
  return parts.map((_, index) => `/${parts.slice(0, index + 1).join('/')}`);
}

/** mkdir -p over SFTP: create each missing level, tolerating a concurrent creator. */
async function ensureFolder(sftp: SFTPWrapper, dir: string): Promise<void> {
  const existing = await statOrUndefined(sftp, dir);
  if (existing?.isDirectory()) return;
  for (const folder of folderChain(dir)) {
    const stats = await statOrUndefined(sftp, folder);
    if (stats?.isDirectory()) continue;
    if (stats !== undefined) throw new Error(`${folder} exists and is not a folder`);
    try {
      await call<void>((cb) => sftp.mkdir(folder, (error) => cb(error, undefined)));
    } catch (error) {
      const again = await statOrUndefined(sftp, folder);
      if (!again?.isDirectory()) throw new Error(`cannot create folder ${folder}: ${(error as Error).message}`);
    }
  }
}

async function writeAll(sftp: SFTPWrapper, handle: Buffer, content: Buffer, signal: AbortSignal): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < content.length) {
      if (signal.aborted) throw signal.reason;
      const offset = next;
      const length = Math.min(SFTP_CHUNK_BYTES, content.length - offset);
      next += length;
      await call<void>((cb) => sftp.write(handle, content, offset, length, offset, (error) => cb(error, undefined)));
    }
  };
  await Promise.all(Array.from({ length: SFTP_REQUESTS_IN_FLIGHT }, worker));
}

/**
 * Flush the written file to the host's disk (fsync@openssh.com, which OpenSSH's sftp-server
 * offers), so the rename that follows never puts an empty or partial file in place after a
 * crash of the host. A server without the extension is written to as before.
 */
async function flushToDisk(sftp: SFTPWrapper, handle: Buffer): Promise<void> {
  try {
    await call<void>((cb) => sftp.ext_openssh_fsync(handle, (error) => cb(error, undefined)));
  } catch (error) {
    if (!/does not support/i.test((error as Error).message)) throw error;
  }
}

/** Rename over an existing file: posix-rename@openssh.com, else `mv -f` (rename(2)) via exec. */
async function replaceFile(connection: SshConnection, sftp: SFTPWrapper, from: string, to: string): Promise<void> {
  try {
    await call<void>((cb) => sftp.ext_openssh_rename(from, to, (error) => cb(error, undefined)));
    return;
  } catch (error) {
    if (!/does not support/i.test((error as Error).message)) throw error;
  }
  const { channel, exit, closed } = await connection.exec(renderCommand(['mv', '-f', '--', from, to]));
  const [code, stderr] = await new Promise<[number | undefined, string]>((resolve) => {
    let text = '';
    channel.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    channel.on('data', () => undefined);
    void closed.then(() => resolve([exit.code, text]));
  });
  if (code !== 0) throw new Error(`mv failed: ${stderr.trim() || (code === undefined ? 'no exit status' : `exit ${code}`)}`);
}

/**
 * Remove our own temporaries for `path` left by an earlier transfer that died with its
 * connection (the lock guarantees no other deploy is writing them now). A folder that is not
 * there or cannot be listed holds none we could remove: nothing to do.
 */
async function removeStaleTemporaries(sftp: SFTPWrapper, path: string): Promise<void> {
  const dir = posix.dirname(path);
  const entries = await call<Array<{ filename: string }>>((cb) => sftp.readdir(dir, cb)).catch(() => []);
  for (const entry of entries.filter((item) => isTemporaryFor(path, item.filename))) {
    await call<void>((cb) => sftp.unlink(posix.join(dir, entry.filename), (error) => cb(error, undefined))).catch(() => undefined);
  }
}

/**
 * Make `path` on the connection's host hold `wanted` (null: no file), atomically: write
 * `.<name>.deploy-<random>.tmp` in the same folder, set its mode, flush it to disk, rename it
 * over `path` (or unlink `path`). The current file is read at most once (see
 * needsCurrentContent); identical content and mode writes nothing and resolves {changed: false};
 * `keep` gets the current file before it is replaced; `expect` guards the replacement.
 */
export async function replaceRemoteFile(connection: SshConnection, path: string, wanted: Wanted, options: ReplaceOptions): Promise<WriteResult> {
  const { signal } = options;
  if (signal.aborted) throw signal.reason;
  const step = <T>(promise: Promise<T>): Promise<T> => raceAbort(promise, signal);
  const sftp = await step(connection.sftp());
  let temp: string | undefined;
  let handle: Buffer | undefined;
  try {
    await step(removeStaleTemporaries(sftp, path));
    const current = await currentFile(sftp, path, signal, (size, mode) => needsCurrentContent(options, wanted, size, mode));
    const decision = decideReplace(current, wanted, options.expect);
    if (decision !== 'replace') return decision;
    if (options.keep && current !== undefined) await step(options.keep(current));
    if (wanted === null) {
      await step(call<void>((cb) => sftp.unlink(path, (error) => cb(error, undefined))));
      return { changed: true };
    }
    const { content } = wanted;
    const mode = wanted.mode & 0o7777;
    await step(ensureFolder(sftp, posix.dirname(path)));
    temp = temporaryName(path);
    const tempPath = temp;
    handle = await step(call<Buffer>((cb) => sftp.open(tempPath, 'wx', { mode: 0o600 }, cb)));
    const open = handle;
    await step(writeAll(sftp, open, content, signal));
    await step(call<void>((cb) => sftp.fchmod(open, mode, (error) => cb(error, undefined))));
    await step(flushToDisk(sftp, open));
    handle = undefined;
    await step(call<void>((cb) => sftp.close(open, (error) => cb(error, undefined))));
    await step(replaceFile(connection, sftp, tempPath, path));
    temp = undefined;
    return { changed: true };
  } catch (error) {
    if (handle !== undefined) sftp.close(handle, () => undefined);
    if (temp !== undefined && connection.isOpen) {
      const leftover = temp;
      await new Promise<void>((resolve) => {
        try {
          sftp.unlink(leftover, () => resolve());
        } catch {
          resolve();
        }
      });
    }
    if (signal.aborted) throw signal.reason;
    if (connection.failure !== undefined) throw connection.failure;
    if (error instanceof HostFailure) throw error;
    throw new HostFailure('transfer', oneLine(`transfer failed: ${path} on ${targetLabel(connection.target)}: ${(error as Error).message}`));
  }
}
