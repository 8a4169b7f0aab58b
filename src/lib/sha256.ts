import { createHash } from 'node:crypto';

/** Hex sha256 of some content: how kept versions, `expect` and the journal name a file's content. */
export function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}
