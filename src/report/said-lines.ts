import { plural, visible } from '../lib/text.js';
import { clipAtComma, foldHosts } from './host-ranges.js';

/**
 * What the hosts of a restart phase said, grouped as dshbak -c groups identical output: one line
 * per distinct last line of output, with the hosts that printed it folded into ranges, largest
 * group first. So "6 hosts: NOT restarting ..." is one line and the odd host stands out, and a
 * phase that restarted nothing says so without --json.
 *
 * A host's own name in its line reads `<host>` (but for a host alone in its group), and numbers
 * that differ between the hosts of a group (free opcache in MB, say) are one group shown as their
 * range (`48..61`).
 */
export interface SaidHost {
  host: string;
  stdout?: string;
  stderr?: string;
  warned: boolean;
}

export interface SaidGroup {
  line: string;
  hosts: string[];
  warned: boolean;
}

/** At most this many groups are shown; the rest are counted in one line. */
export const MAX_GROUPS = 8;
const HOSTS_WIDTH = 60;

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The last non-empty line a host printed (stdout, then stderr), its own name as `<host>`. */
export function lastLine(said: SaidHost, keepName = false): string {
  const lines = `${said.stdout ?? ''}\n${said.stderr ?? ''}`.split(/\r?\n/).filter((line) => line.trim() !== '');
  const last = lines.at(-1)?.trim();
  if (last === undefined) return '(no output)';
  if (keepName) return visible(last);
  const name = said.host.replace(/:\d+$/, '');
  return visible(last.replace(new RegExp(`(?<![\\w.-])${escapeRegExp(name)}(?![\\w-])`, 'g'), '<host>'));
}

/** Hosts grouped by their last line, numbers that differ within a group shown as a range. */
export function groupSaid(hosts: readonly SaidHost[]): SaidGroup[] {
  const groups = new Map<string, { texts: string[]; numbers: number[][]; hosts: string[]; warned: boolean; alone: string }>();
  for (const said of hosts) {
    const line = lastLine(said);
    const texts = line.split(/\d+(?:\.\d+)?/);
    const numbers = (line.match(/\d+(?:\.\d+)?/g) ?? []).map(Number);
    const key = texts.join('#');
    const group = groups.get(key);
    if (group === undefined) {
      groups.set(key, { texts, numbers: numbers.map((value) => [value]), hosts: [said.host], warned: said.warned, alone: lastLine(said, true) });
    } else {
      for (const [index, value] of numbers.entries()) group.numbers[index]?.push(value);
      group.hosts.push(said.host);
      group.warned ||= said.warned;
    }
  }
  return (
    [...groups.values()]
      // A host alone in its group is shown with its line as it printed it.
      .map((group) => ({ line: group.hosts.length === 1 ? group.alone : withRanges(group.texts, group.numbers), hosts: group.hosts, warned: group.warned }))
      .sort((a, b) => b.hosts.length - a.hosts.length)
  );
}

function withRanges(texts: string[], numbers: number[][]): string {
  return texts
    .map((text, index) => {
      const values = numbers[index];
      if (values === undefined) return text;
      const low = Math.min(...values);
      const high = Math.max(...values);
      return `${text}${low === high ? low : `${low}..${high}`}`;
    })
    .join('');
}

/** The lines to print after a restart phase: a heading and one line per group (at most MAX_GROUPS + 1). */
export function saidLines(phase: string, hosts: readonly SaidHost[]): Array<{ warned: boolean; text: string }> {
  if (hosts.length === 0) return [];
  const groups = groupSaid(hosts);
  const width = String(hosts.length).length;
  const lines = [{ warned: false, text: `${phase}: each host's last line of output, hosts grouped by it:` }];
  for (const group of groups.slice(0, MAX_GROUPS)) {
    const count = `${String(group.hosts.length).padStart(width)} ${group.hosts.length === 1 ? 'host ' : 'hosts'}`;
    lines.push({ warned: group.warned, text: `  ${count} ${clipAtComma(foldHosts(group.hosts), HOSTS_WIDTH)}: ${group.line}` });
  }
  const rest = groups.slice(MAX_GROUPS);
  if (rest.length > 0) {
    const restHosts = rest.reduce((sum, group) => sum + group.hosts.length, 0);
    lines.push({
      warned: rest.some((group) => group.warned),
      text: `  and ${plural(rest.length, 'other line')} from ${plural(restHosts, 'host')} (each host's whole output: --json)`,
    });
  }
  return lines;
}
