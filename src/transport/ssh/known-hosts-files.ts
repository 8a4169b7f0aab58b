import { statSync } from 'node:fs';
import { errorCode } from '../../lib/read-file.js';
import { HostFailure } from '../types.js';
import { type KnownHostEntry, readKnownHostsFile } from './known-hosts.js';

/**
 * known_hosts files read for a run: each parsed once and read again only when it changed
 * (a fleet of 1000 hosts shares one 1000-line file). A missing file lists no host; a file
 * that exists but cannot be read fails the host: no key can be checked against it.
 */
export class KnownHostsFiles {
  private readonly cache = new Map<string, { stamp: string; entries: KnownHostEntry[] }>();

  /** Every entry of `paths`, in order. Throws a 'host-key' HostFailure for an unreadable file. */
  read(paths: readonly string[]): KnownHostEntry[] {
    return paths.flatMap((path) => this.readOne(path));
  }

  private readOne(path: string): KnownHostEntry[] {
    let stamp: string;
    try {
      const stat = statSync(path);
      stamp = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return [];
      throw unreadable(path, error);
    }
    const cached = this.cache.get(path);
    if (cached?.stamp === stamp) return cached.entries;
    let entries: KnownHostEntry[];
    try {
      entries = readKnownHostsFile(path);
    } catch (error) {
      throw unreadable(path, error);
    }
    this.cache.set(path, { stamp, entries });
    return entries;
  }
}

function unreadable(path: string, error: unknown): HostFailure {
  return new HostFailure('host-key', `cannot read known_hosts ${path} (${errorCode(error)}): no host key can be checked`);
}
