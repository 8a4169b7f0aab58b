import { sha256 } from '../../lib/sha256.js';
import type { PreviousFile } from '../../transport/types.js';
import { keepContent, recordHostVersion, type KeptContent } from '../../state/kept-versions.js';

/** Keeps, for one run, what each host had before its file was replaced (see state/kept-versions). */
export interface VersionKeeper {
  /** Before a host's file is replaced: keep what it had. Never throws; a failure is one warning. */
  keep(host: string, previous: PreviousFile | null): Promise<void>;
  /** After a host's file was replaced by `content`: record it in the run's versions. */
  replaced(host: string, path: string, after: { content: Buffer; mode: number } | null): void;
  /** What a host had before this run replaced its file: undefined when it was not replaced, or not kept. */
  before(host: string): KeptContent | null | undefined;
}

export function createVersionKeeper(folder: string, runId: string, warn: (text: string) => void): VersionKeeper {
  const kept = new Map<string, KeptContent | null>();
  const recorded = new Set<string>();
  const hashes = new Map<Buffer, string>();
  let warned = false;
  const failed = (host: string, error: unknown): void => {
    kept.delete(host);
    if (warned) return;
    warned = true;
    warn(`could not keep the old version on ${host} in ${folder}: ${(error as Error).message}; a host whose old version is not kept cannot be rolled back`);
  };
  const hashOf = (content: Buffer): string => {
    const known = hashes.get(content);
    if (known !== undefined) return known;
    const hash = sha256(content);
    hashes.set(content, hash);
    return hash;
  };
  // Hosts that had the same old content keep it at the same moment: one write per content, the
  // others wait for it (two writers of one object would remove each other's temporary file).
  const writing = new Map<string, Promise<KeptContent | null>>();
  const keepOnce = (previous: PreviousFile): Promise<KeptContent | null> => {
    const hash = sha256(previous.content);
    let pending = writing.get(hash);
    if (pending === undefined) {
      pending = keepContent(folder, previous);
      writing.set(hash, pending);
      pending.catch(() => writing.delete(hash));
    }
    return pending;
  };
  return {
    async keep(host, previous) {
      try {
        const content = previous === null ? null : await keepOnce(previous);
        kept.set(host, content === null || previous === null ? null : { sha256: content.sha256, mode: previous.mode & 0o7777 });
      } catch (error) {
        failed(host, error);
      }
    },
    replaced(host, path, after) {
      const before = kept.get(host);
      if (before === undefined) return;
      try {
        recordHostVersion(folder, runId, { host, path, before, after: after === null ? null : { sha256: hashOf(after.content), mode: after.mode & 0o7777 } });
        recorded.add(host);
      } catch (error) {
        failed(host, error);
      }
    },
    before(host) {
      return recorded.has(host) ? kept.get(host) : undefined;
    },
  };
}
