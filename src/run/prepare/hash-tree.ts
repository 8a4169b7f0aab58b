import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { UserError } from '../../errors.js';
import { mapLimited } from '../../lib/map-limited.js';
import { errorCode } from '../../lib/read-file.js';
import { localPathOf, type StagedTree, stagePathOf } from '../../lib/tree.js';

/** Files read at once: enough to keep libuv's four threads and the disk busy. */
export const HASH_CONCURRENCY = 32;

/**
 * Files up to this size are read synchronously: for small files, the thread pool's round trips
 * (open, fstat, read, close) cost four times the reading. Each worker yields between files.
 */
const SMALL_FILE_BYTES = 64 * 1024;

/** Files started between two yields to the event loop. */
const YIELD_EVERY = 256;

/** Files up to this size are read whole; larger ones are streamed. */
const WHOLE_FILE_BYTES = 8 * 1024 * 1024;

async function hashFile(path: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  if (size <= SMALL_FILE_BYTES) return hash.update(readFileSync(path)).digest('hex');
  if (size <= WHOLE_FILE_BYTES) return hash.update(await readFile(path)).digest('hex');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export interface HashTreeOptions {
  /** Files read at once (default HASH_CONCURRENCY). */
  concurrency?: number;
  /** Hash only the files whose tree path passes (say, the lint's `.php` and `.json`). */
  only?: (entryPath: string) => boolean;
}

/**
 * The sha256 of every regular file of the tree, keyed by its path relative to stage_dir (posix,
 * stagePathOf): the lint's selection and the record of what a run sent. At most `concurrency`
 * files are read at once; `signal` stops it (rejecting with its reason). A file that cannot be
 * read is a usage error naming it (nothing was touched yet).
 */
export async function hashTree(
  tree: Pick<StagedTree, 'relativePath' | 'root' | 'source' | 'entries'>,
  signal: AbortSignal,
  options: HashTreeOptions = {},
): Promise<Map<string, string>> {
  const { concurrency = HASH_CONCURRENCY, only } = options;
  const files = tree.entries.filter((entry) => entry.kind === 'file' && (only === undefined || only(entry.path)));
  let started = 0;
  const hashes = await mapLimited(
    files,
    concurrency,
    async (entry) => {
      // Small files are read synchronously: let timers and signals in now and then.
      if (++started % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
      return hashFile(localPathOf(tree, entry.path), entry.size).catch((error: unknown) => {
        throw new UserError(`${stagePathOf(tree, entry.path)}: cannot be read: ${errorCode(error)}`);
      });
    },
    signal,
  );
  return new Map(files.map((entry, index) => [stagePathOf(tree, entry.path), hashes[index] as string]));
}
