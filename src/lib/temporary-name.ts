import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';

const TEMP_SUFFIX = '.tmp';
const TEMP_INFIX = '.deploy-';

/**
 * The temporary name a file is written under before it is renamed into place, in the same
 * folder: `.<name>.deploy-<12 hex>.tmp`. Works for local and remote (POSIX) paths alike.
 */
export function temporaryName(path: string, random: string = randomBytes(6).toString('hex')): string {
  return posix.join(posix.dirname(path), `.${posix.basename(path)}${TEMP_INFIX}${random}${TEMP_SUFFIX}`);
}

/** True when `entry` (a name in the folder of `path`) is one of our temporaries for `path`. */
export function isTemporaryFor(path: string, entry: string): boolean {
  const prefix = `.${posix.basename(path)}${TEMP_INFIX}`;
  return entry.startsWith(prefix) && entry.endsWith(TEMP_SUFFIX) && /^[0-9a-f]{12}$/.test(entry.slice(prefix.length, -TEMP_SUFFIX.length));
}
