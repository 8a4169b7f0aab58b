import { lockBackend } from '../state/configured-lock.js';
import { loadAdminConfig, type AdminOptions } from './admin-options.js';

/** Write the line, then exit 0: at once for a line, after it for a promised one (etcd). */
function print(line: string | Promise<string>, out: NodeJS.WritableStream): number | Promise<number> {
  const write = (text: string): number => {
    out.write(`${text}\n`);
    return 0;
  };
  return typeof line === 'string' ? write(line) : line.then(write);
}

/** `deploy lock`: who holds the lock, and whether that holder is still alive (a promise with etcd). */
export function showLock(options: AdminOptions): number | Promise<number> {
  const backend = lockBackend(loadAdminConfig(options));
  return print(backend.show(options.json === true), options.stdout ?? process.stdout);
}

/** `deploy unlock`: remove the lock; refuse while its holder is alive unless forced (a promise with etcd). */
export function removeLock(options: AdminOptions & { force: boolean }): number | Promise<number> {
  const backend = lockBackend(loadAdminConfig(options));
  return print(backend.remove(options.force), options.stdout ?? process.stdout);
}
