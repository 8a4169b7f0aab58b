import { homedir } from 'node:os';
import { join } from 'node:path';

/** Expand a leading `~` or `~/` to `home` (default: this user's home folder). */
export function expandHome(path: string, home: string = homedir()): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  return path;
}
