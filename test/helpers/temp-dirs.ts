import { rm } from 'node:fs/promises';
import { afterEach } from 'vitest';
import { makeTempDir } from './cli.js';

/** A maker of temp folders that are all removed after each test of the calling file. */
export function useTempDirs(): (prefix?: string) => Promise<string> {
  const made: string[] = [];
  afterEach(async () => {
    await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });
  return async (prefix) => {
    const dir = await makeTempDir(prefix);
    made.push(dir);
    return dir;
  };
}
