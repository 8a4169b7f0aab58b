import { readFileSync } from 'node:fs';

/**
 * The text of `path`, or undefined when it does not exist. Any other failure (EACCES, EISDIR,
 * EIO) is thrown: a file that is there but unreadable is never taken for a missing one.
 */
export function readTextIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The error code of a failed file operation (`EACCES`), or its message. */
export function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
}
