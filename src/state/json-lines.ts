import { closeSync, fchmodSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';

/**
 * Parse a JSON-lines text; blank lines are skipped. A line that does not parse as a JSON
 * object (cut short by a full disk, say) is skipped too, and never silently: `onDamaged` gets
 * its number (1-based).
 */
export function parseJsonLines<T>(text: string, onDamaged: (lineNumber: number) => void): T[] {
  return text.split('\n').flatMap((line, index) => {
    if (line.trim() === '') return [];
    try {
      const value = JSON.parse(line) as unknown;
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) return [value as T];
    } catch {
      // damaged: reported below
    }
    onDamaged(index + 1);
    return [];
  });
}

/** Open `path` to write it with `flags`, created with `mode`; a file of ours gets `mode` too. */
function openOwned(path: string, flags: string, mode: number): { fd: number; size: number } {
  const fd = openSync(path, flags, mode);
  try {
    const info = fstatSync(fd);
    // Only a regular file of ours (never a device behind a symlink, nor another user's file).
    if (info.isFile() && (info.mode & 0o777) !== mode && info.uid === process.getuid?.()) fchmodSync(fd, mode);
    return { fd, size: info.isFile() ? info.size : 0 };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** Write all of `data` with ONE write call: a short write (a full disk) is an error. */
function writeOnce(fd: number, data: Buffer): void {
  const written = writeSync(fd, data);
  if (written !== data.length) {
    throw Object.assign(new Error(`ENOSPC: only ${written} of ${data.length} bytes written (disk full?)`), { code: 'ENOSPC' });
  }
}

/**
 * Append one value as a JSON line, in one write. It starts on a fresh line: a line an earlier
 * write left cut short (no `\n` at the end of the file) is ended first, so it stays one
 * damaged line and this one stays whole. Created with `mode` (owner-only by default).
 */
export function appendJsonLine(path: string, value: unknown, mode = 0o600): void {
  const { fd, size } = openOwned(path, 'a+', mode);
  try {
    let fresh = true;
    if (size > 0) {
      const last = Buffer.alloc(1);
      fresh = readSync(fd, last, 0, 1, size - 1) === 1 && last[0] === 0x0a;
    }
    writeOnce(fd, Buffer.from(`${fresh ? '' : '\n'}${JSON.stringify(value)}\n`));
  } finally {
    closeSync(fd);
  }
}

/** Replace the content of `path` with one JSON line, in one write; created with `mode`. */
export function writeFirstJsonLine(path: string, value: unknown, mode = 0o600): void {
  const { fd } = openOwned(path, 'w', mode);
  try {
    writeOnce(fd, Buffer.from(`${JSON.stringify(value)}\n`));
  } finally {
    closeSync(fd);
  }
}
