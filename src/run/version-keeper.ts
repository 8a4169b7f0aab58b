import { sha256 } from '../transport/replace-plan.js';
import type { PreviousFile } from '../transport/types.js';
import { keepContent, recordHostVersion, type KeptContent } from '../state/kept-versions.js';

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
  return {
    async keep(host, previous) {
      try {
        kept.set(host, await keepContent(folder, previous));
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
