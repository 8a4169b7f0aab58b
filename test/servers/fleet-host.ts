/**
 * Finds the sshd of a fleet host (test/e2e/fleet/sshd-fleet.ts) from outside, without access
 * to the fleet's internals: it is the process that is pid 1 of its own pid namespace and whose
 * /srv/fleet (seen through /proc/<pid>/root) is the host's folder (same device and inode; a
 * bind mount keeps both). Pass its pid to startRsyncDaemon({ nsenterPid }) to run a daemon
 * "on" that host.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';

const FLEET_MOUNT = '/srv/fleet';

/** Pid (as seen here) of the sshd serving the fleet host whose folder is `host.root`. */
export function fleetHostPid(host: { name?: string; root: string }): number {
  const want = statSync(host.root);
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (!isNamespaceInit(pid)) continue;
    try {
      const seen = statSync(`/proc/${pid}/root${FLEET_MOUNT}`);
      if (seen.dev === want.dev && seen.ino === want.ino) found.push(pid);
    } catch {
      // gone, or no /srv/fleet there
    }
  }
  const label = host.name ?? host.root;
  if (found.length === 0) throw new Error(`fleetHostPid: no running fleet host has ${host.root} on ${FLEET_MOUNT} (is ${label} stopped?)`);
  if (found.length > 1) throw new Error(`fleetHostPid: several processes claim ${label}: ${found.join(', ')}`);
  return found[0]!;
}

/** True when the process is pid 1 of a pid namespace nested in ours ("NSpid: 12345 1"). */
function isNamespaceInit(pid: number): boolean {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return false;
  }
  const ids = /^NSpid:\s*(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/) ?? [];
  return ids.length > 1 && ids[ids.length - 1] === '1' && !/^State:\s*[ZX]/m.test(status);
}
