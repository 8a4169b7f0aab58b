import { lstat, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256 } from '../../lib/sha256.js';

/**
 * Staged files read at once to learn what they hold: each read's buffer is alive until it is
 * hashed, so an unbounded first sync held the whole tree (50 MB for figure M's) at once.
 */
export const CONTENT_READS_AT_ONCE = 16;

/** What the staged paths a run wrote hold, learned once per path for the whole run, whatever the number of hosts. */
export interface StagedContents {
  /** What `relative` holds (its sha256, or for a symbolic link `->` and its target), once learned. */
  get(relative: string): string | undefined;
  /** Learn what each of `paths` holds; rejects (with the first failure) when one cannot be read. */
  learn(paths: readonly string[]): Promise<void>;
}

/** The contents of the folder `source`, read at most `readsAtOnce` files at a time. */
export function stagedContents(source: string, readsAtOnce = CONTENT_READS_AT_ONCE): StagedContents {
  const known = new Map<string, string>();
  // Paths being read, and those that could not be: every host that wrote one waits for that one read.
  const pending = new Map<string, Promise<string>>();
  const waiting: Array<() => void> = [];
  let reading = 0;
  const read = async (relative: string): Promise<string> => {
    if (reading < readsAtOnce) reading++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      const local = join(source, relative);
      const info = await lstat(local);
      return info.isSymbolicLink() ? `->${await readlink(local)}` : sha256(await readFile(local));
    } finally {
      // The slot goes to the next read waiting, if any.
      const next = waiting.shift();
      if (next === undefined) reading--;
      else next();
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
      const missing = paths.filter((relative) => !known.has(relative));
      // Every read is queued first, then waited for one by one: no promise per path and per host.
      for (const relative of missing) contentOf(relative);
      for (const relative of missing) if (!known.has(relative)) await contentOf(relative);
    },
  };
}
