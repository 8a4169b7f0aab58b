import type { SFTPWrapper, Stats } from 'ssh2';
import { raceAbort } from '../../lib/abort.js';
import { oneLine } from '../../lib/text.js';
import { HostFailure, type PreviousFile } from '../types.js';
import type { SshConnection } from './ssh-connection.js';
import { targetLabel } from './target.js';

/** SFTP status code for "no such file". */
const SFTP_NO_SUCH_FILE = 2;
/** Bytes per SFTP read or write request, and how many are in flight at once. */
export const SFTP_CHUNK_BYTES = 32 * 1024;
export const SFTP_REQUESTS_IN_FLIGHT = 16;

/** An ssh2 SFTP call as a promise. */
export function call<T>(run: (cb: (error: Error | null | undefined, value: T) => void) => void): Promise<T> {
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

/** The stat of a remote path, or undefined when there is nothing there. */
export async function statOrUndefined(sftp: SFTPWrapper, path: string): Promise<Stats | undefined> {
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
  const handle = await raceAbort(
    call<Buffer>((cb) => sftp.open(path, 'r', cb)),
    signal,
  );
  try {
    const content = Buffer.alloc(size);
    let next = 0;
    let short = false;
    const worker = async (): Promise<void> => {
      while (next < size && !short) {
        if (signal.aborted) throw signal.reason;
        const offset = next;
        const length = Math.min(SFTP_CHUNK_BYTES, size - offset);
        next += length;
        if ((await readAt(sftp, handle, content, offset, length)) < length) short = true;
      }
    };
    await raceAbort(Promise.all(Array.from({ length: SFTP_REQUESTS_IN_FLIGHT }, worker)), signal);
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
export async function currentFile(
  sftp: SFTPWrapper,
  path: string,
  signal: AbortSignal,
  mustRead: (size: number, mode: number) => boolean,
): Promise<PreviousFile | null | undefined> {
  const stats = await raceAbort(statOrUndefined(sftp, path), signal);
  if (stats === undefined) return null;
  if (!stats.isFile()) throw new Error(`${path} exists and is not a regular file`);
  if (!mustRead(stats.size, stats.mode)) return undefined;
  return { content: await remoteContent(sftp, path, stats.size, signal), mode: stats.mode & 0o7777 };
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
