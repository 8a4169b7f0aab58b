import { readFileSync, type Stats } from 'node:fs';

/**
 * Whether ssh accepts a config file it checks (~/.ssh/config and included files): owned by
 * root or by this user, not writable by others, and not writable by the group unless (Debian's
 * "harmless group-writability" patch, which Debian and Ubuntu ship) the group's only member is
 * the file's owner.
 */
export function configPermissionsOk(stat: Pick<Stats, 'uid' | 'gid' | 'mode'>, uid: number): boolean {
  if (stat.uid !== 0 && stat.uid !== uid) return false;
  if ((stat.mode & 0o002) !== 0) return false;
  if ((stat.mode & 0o020) === 0) return true;
  return groupHasOnlyOwner(stat.gid, stat.uid);
}

function readLines(path: string): string[][] {
  try {
    return readFileSync(path, 'utf8')
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => line.split(':'));
  } catch {
    return [];
  }
}

/** The group's members (primary, from /etc/passwd; supplementary, from /etc/group) are exactly the owner. */
function groupHasOnlyOwner(gid: number, owner: number): boolean {
  const group = readLines('/etc/group').find((fields) => Number(fields[2]) === gid);
  if (group === undefined) return false;
  const passwd = readLines('/etc/passwd');
  let members = 0;
  for (const fields of passwd) {
    if (Number(fields[3]) !== gid) continue;
    members += 1;
    if (Number(fields[2]) !== owner) return false;
  }
  const ownerName = passwd.find((fields) => Number(fields[2]) === owner)?.[0];
  if (ownerName === undefined) return false;
  const supplementary = (group[3] ?? '').split(',').filter((name) => name !== '');
  if (supplementary.length > 0) {
    members += 1;
    if (supplementary[0] !== ownerName || supplementary.length > 1) return false;
  }
  return members > 0;
}
