import { posix } from 'node:path';
import type { SFTPWrapper, Stats } from 'ssh2';
import { renderCommand } from '../quote.js';
import { decideReplace, needsCurrentContent, type Wanted } from '../replace-plan.js';
import { HostFailure, type PreviousFile, type ReplaceOptions, type WriteResult } from '../types.js';
import { raceAbort } from '../../lib/abort.js';
import { isTemporaryFor, temporaryName } from '../../lib/temporary-name.js';
import { oneLine } from '../../lib/text.js';
import type { SshConnection } from './ssh-connection.js';
import { targetLabel } from './target.js';

/** SFTP status code for "no such file". */
const SFTP_NO_SUCH_FILE = 2;
const WRITE_CHUNK_BYTES = 32 * 1024;
const WRITES_IN_FLIGHT = 16;

/** Every folder from the root down to `dir`: `/a/b` → [`/a`, `/a/b`]. */
export function folderChain(dir: string): string[] {
  const parts = posix.normalize(dir).split('/').filter((part) => part !== '');
  return parts.map((_, index) => `/${parts.slice(0, index + 1).join('/')}`);
}

function call<T>(run: (cb: (error: Error | null | undefined, value: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    try {
      run((error, value) => (error ? reject(error) : resolve(value)));
    } catch (error) {
      reject(error as Error);
    }
  });
}

function isNoSuchFile(error: unknown): boolean {
  return (error as { code?: unknown }).code === SFTP_NO_SUCH_FILE;
}

async function statOrUndefined(sftp: SFTPWrapper, path: string): Promise<Stats | undefined> {
  try {
    return await call<Stats>((cb) => sftp.stat(path, cb));
  } catch (error) {
    if (isNoSuchFile(error)) return undefined;
    throw error;
  }
}

/** The whole remote file, read over the SFTP session as a stream: one request at a time. */
async function streamedContent(sftp: SFTPWrapper, path: string, signal: AbortSignal): Promise<Buffer> {
  const stream = sftp.createReadStream(path);
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('error', reject);
    stream.on('end', () => resolve(Buffer.concat(chunks)));
  });
  try {
    return await raceAbort(done, signal);
  } finally {
    stream.destroy();
  }
}

/** Read `length` bytes at file position `position` into `into` at `offset`; resolves with how many came (0 at the end). */
function readAt(sftp: SFTPWrapper, handle: Buffer, into: Buffer, offset: number, length: number, position = offset): Promise<number> {
  return call<number>((cb) => sftp.read(handle, into, offset, length, position, (error, bytesRead) => cb(error, bytesRead)));
}

/**
 * The whole remote file of `size` bytes, read with several requests in flight, as writes are
 * (a round trip per 32 KiB made a 1 MiB read cost 200 ms). Undefined when the file changed size
 * while it was read: the caller reads it again as a stream.
 */
async function pipelinedContent(sftp: SFTPWrapper, path: string, size: number, signal: AbortSignal): Promise<Buffer | undefined> {
  const handle = await raceAbort(call<Buffer>((cb) => sftp.open(path, 'r', cb)), signal);
  try {
    const content = Buffer.alloc(size);
    let next = 0;
    let short = false;
    const worker = async (): Promise<void> => {
      while (next < size && !short) {
        if (signal.aborted) throw signal.reason;
        const offset = next;
        const length = Math.min(WRITE_CHUNK_BYTES, size - offset);
        next += length;
        if ((await readAt(sftp, handle, content, offset, length)) < length) short = true;
      }
    };
    await raceAbort(Promise.all(Array.from({ length: WRITES_IN_FLIGHT }, worker)), signal);
    // One byte past the end says whether the file grew meanwhile.
    const grew = (await raceAbort(readAt(sftp, handle, Buffer.alloc(1), 0, 1, size), signal)) > 0;
    return short || grew ? undefined : content;
  } finally {
    sftp.close(handle, () => undefined);
  }
}

/** The whole remote file, `size` bytes when it was stat'ed. */
async function remoteContent(sftp: SFTPWrapper, path: string, size: number, signal: AbortSignal): Promise<Buffer> {
  return (await pipelinedContent(sftp, path, size, signal)) ?? streamedContent(sftp, path, signal);
}

/**
 * What the host has at `path`: null when there is no file, undefined when it was not read
 * because it cannot matter (see needsCurrentContent).
 */
async function currentFile(sftp: SFTPWrapper, path: string, signal: AbortSignal, mustRead: (size: number, mode: number) => boolean): Promise<PreviousFile | null | undefined> {
  const stats = await raceAbort(statOrUndefined(sftp, path), signal);
  if (stats === undefined) return null;
  if (!stats.isFile()) throw new Error(`${path} exists and is not a regular file`);
  if (!mustRead(stats.size, stats.mode)) return undefined;
  return { content: await remoteContent(sftp, path, stats.size, signal), mode: stats.mode & 0o7777 };
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
      const length = Math.min(WRITE_CHUNK_BYTES, content.length - offset);
      next += length;
      await call<void>((cb) => sftp.write(handle, content, offset, length, offset, (error) => cb(error, undefined)));
    }
  };
  await Promise.all(Array.from({ length: WRITES_IN_FLIGHT }, worker));
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

/** The file at `path` on the connection's host (null: none), read whole over SFTP. */
export async function readRemoteFile(connection: SshConnection, path: string, signal: AbortSignal): Promise<PreviousFile | null> {
  try {
    const sftp = await raceAbort(connection.sftp(), signal);
    return (await currentFile(sftp, path, signal, () => true)) ?? null;
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    if (connection.failure !== undefined) throw connection.failure;
    if (error instanceof HostFailure) throw error;
    throw new HostFailure('transfer', oneLine(`cannot read ${path} on ${targetLabel(connection.target)}: ${(error as Error).message}`));
  }
}

/**
 * Make `path` on the connection's host hold `wanted` (null: no file), atomically: write
 * `.<name>.deploy-<random>.tmp` in the same folder, set its mode, flush it to disk, rename it
 * over `path` (or unlink `path`). The current file is read at most once (see
 * needsCurrentContent); identical content and mode writes nothing and resolves {changed: false};
 * `keep` gets the current file before it is replaced; `expect` guards the replacement.
 */
export async function replaceRemoteFile(
  connection: SshConnection,
  path: string,
  wanted: Wanted,
  options: ReplaceOptions,
): Promise<WriteResult> {
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
    throw new HostFailure(
      'transfer',
      oneLine(`transfer failed: ${path} on ${targetLabel(connection.target)}: ${(error as Error).message}`),
    );
  }
}
