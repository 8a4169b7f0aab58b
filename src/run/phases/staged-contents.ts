import { createHash } from 'node:crypto';
import { lstat, open, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/** Staged files read at once to learn what they hold, each through a buffer of its own. */
export const CONTENT_READS_AT_ONCE = 16;

/**
 * The size of each read's buffer. The buffers are reused: reading each file into a buffer of
 * its own made a first sync allocate the whole tree (50 MB for figure M's) within a second,
 * held until the garbage collector ran, and left the C heap that large for the rest of the run.
 */
const READ_BUFFER_BYTES = 64 * 1024;

/** What the staged paths a run wrote hold, learned once per path for the whole run, whatever the number of hosts. */
export interface StagedContents {
  /** What `relative` holds (its sha256, or for a symbolic link `->` and its target), once learned. */
  get(relative: string): string | undefined;
  /** Learn what each of `paths` holds; rejects (with the first failure) when one cannot be read. */
  learn(paths: readonly string[]): Promise<void>;
}

/** The sha256 of the file at `path`, read through `buffer`. */
async function hashFile(path: string, buffer: Buffer): Promise<string> {
  const hash = createHash('sha256');
  const handle = await open(path, 'r');
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) return hash.digest('hex');
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
}

/** The contents of the folder `source`, read at most `readsAtOnce` files at a time. */
export function stagedContents(source: string, readsAtOnce = CONTENT_READS_AT_ONCE): StagedContents {
  const known = new Map<string, string>();
  // Paths being read, and those that could not be: every host that wrote one waits for that one read.
  const pending = new Map<string, Promise<string>>();
  // A read takes a free buffer, or waits for one.
  const free: Buffer[] = Array.from({ length: readsAtOnce }, () => Buffer.allocUnsafe(READ_BUFFER_BYTES));
  const waiting: Array<(buffer: Buffer) => void> = [];
  const read = async (relative: string): Promise<string> => {
    const buffer = free.pop() ?? (await new Promise<Buffer>((resolve) => waiting.push(resolve)));
    try {
      const local = join(source, relative);
      const info = await lstat(local);
      return info.isSymbolicLink() ? `->${await readlink(local)}` : await hashFile(local, buffer);
    } finally {
      const next = waiting.shift();
      if (next === undefined) free.push(buffer);
      else next(buffer);
    }
  };
  const contentOf = (relative: string): Promise<string> => {
    let content = pending.get(relative);
    if (content === undefined) {
      content = read(relative);
      pending.set(relative, content);
      content.then(
        (value) => {
          known.set(relative, value);
          pending.delete(relative);
        },
        () => undefined,
      );
    }
    return content;
  };
  return {
    get: (relative) => known.get(relative),
    async learn(paths) {
      // Every read is queued first, then waited for one by one: no promise (nor array) per path and per host.
      for (const relative of paths) if (!known.has(relative)) contentOf(relative);
      for (const relative of paths) if (!known.has(relative)) await contentOf(relative);
    },
  };
}
