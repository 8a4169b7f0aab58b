import { sha256 } from '../lib/sha256.js';

const LONGEST_ENCODED = 200;

/** The file a record about a synced path is kept in: `p-<path, URI-encoded>.json`, or `h-<sha256 of the path>.json` when long. */
export function pathFileName(path: string): string {
  const encoded = encodeURIComponent(path);
  return encoded.length <= LONGEST_ENCODED ? `p-${encoded}.json` : `h-${sha256(Buffer.from(path))}.json`;
}
