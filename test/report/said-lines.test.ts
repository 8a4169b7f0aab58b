import { describe, expect, it } from 'vitest';
import { createHumanReporter } from '../../src/report/human-reporter.js';
import { clipAtComma, foldHosts } from '../../src/report/host-ranges.js';
import { groupSaid, lastLine, MAX_GROUPS, saidLines, type SaidHost } from '../../src/report/said-lines.js';
import { Capture } from '../run/fixture.js';

const said = (host: string, stdout: string, warned = false, stderr = ''): SaidHost => ({ host, stdout, stderr, warned });

describe('host ranges, as clush and dshbak fold them', () => {
  it('folds names that share a prefix, suffix and number width into ranges', () => {
    // Given hosts in any order / When folded / Then runs become ranges, gaps commas
    expect(foldHosts(['mw03', 'mw01', 'mw02', 'mw05', 'mw10', 'mw11'])).toBe('mw[01-03,05,10-11]');
    expect(foldHosts(['mw1261.eqiad.wmnet', 'mw1262.eqiad.wmnet', 'db1.eqiad.wmnet'])).toBe('mw[1261-1262].eqiad.wmnet,db1.eqiad.wmnet');
  });

  it('keeps a port out of the number and leaves names without digits alone', () => {
    expect(foldHosts(['mw01:2222', 'mw02:2222', 'mw03'])).toBe('mw[01-02]:2222,mw03');
    expect(foldHosts(['alpha', 'beta'])).toBe('alpha,beta');
    expect(foldHosts(['mw1', 'mw01'])).toBe('mw1,mw01');
  });

  it('clips a long list at a comma and says more was there', () => {
    expect(clipAtComma('a1,b2,c3,d4', 7)).toBe('a1,b2,…');
    expect(clipAtComma('a1,b2', 7)).toBe('a1,b2');
  });
});

describe('what the hosts said, grouped', () => {
  it("takes each host's last non-empty line, stderr after stdout, its own name as <host>", () => {
    expect(lastLine(said('mw04', 'mw04: depooling\nmw04: restarting\n', true, 'mw04: did not come back\n\n'))).toBe('<host>: did not come back');
    expect(lastLine(said('mw04:2222', 'NOT restarting on mw04 (mw045 is another host)\n'))).toBe('NOT restarting on <host> (mw045 is another host)');
    expect(lastLine(said('a', '', false, ''))).toBe('(no output)');
    expect(lastLine(said('a', 'bad \u001b[2J line'))).toBe('bad \\x1b[2J line');
  });

  it('puts six hosts that skipped their restart on one line, the odd host on its own', () => {
    // Given six hosts whose script did not restart, with different free opcache, and one that did
    const hosts = [1, 2, 3, 4, 5, 6].map((n) => said(`mw0${n}`, `NOT restarting php7.4-fpm: free opcache ${50 + n} MB\n`));
    hosts.push(said('mw07', 'mw07: restarted php7.4-fpm\n'));
    // When grouped / Then one group of six with the numbers as a range, then the odd one, named as it printed it
    expect(groupSaid(hosts)).toEqual([
      { line: 'NOT restarting php7.4-fpm: free opcache 51..56 MB', hosts: ['mw01', 'mw02', 'mw03', 'mw04', 'mw05', 'mw06'], warned: false },
      { line: 'mw07: restarted php7.4-fpm', hosts: ['mw07'], warned: false },
    ]);
    // And printed as a heading and one line per group, hosts folded
    expect(saidLines('restart-hosts', hosts).map((line) => line.text)).toEqual([
      "restart-hosts: each host's last line of output, hosts grouped by it:",
      '  6 hosts mw[01-06]: NOT restarting php7.4-fpm: free opcache 51..56 MB',
      '  1 host  mw07: mw07: restarted php7.4-fpm',
    ]);
  });

  it('stays short for 1,000 hosts: at most MAX_GROUPS lines and one line for the rest', () => {
    // Given 1,000 hosts, most saying one thing, 20 saying each a different thing
    const hosts = Array.from({ length: 1000 }, (_, index) =>
      said(`mw${1000 + index}`, index < 980 ? 'not restarting\n' : `odd answer ${'x'.repeat(index - 979)}\n`, index === 999),
    );
    // When the lines are made / Then there are few of them, none long
    const lines = saidLines('restart-hosts', hosts);
    expect(lines).toHaveLength(1 + MAX_GROUPS + 1);
    expect(lines[1]?.text).toBe('   980 hosts mw[1000-1979]: not restarting');
    expect(lines.at(-1)).toEqual({ warned: true, text: "  and 13 other lines from 13 hosts (each host's whole output: --json)" });
    for (const line of lines) expect(line.text.length).toBeLessThan(120);
  });

  it('prints the groups after a restart phase, not after a sync phase', () => {
    // Given a reporter and one restart phase and one sync phase whose hosts have output
    const stream = new Capture();
    const { report, close } = createHumanReporter({ stream, interactive: false, color: false });
    const counts = { total: 2, ok: 2, warning: 0, failed: 0, skipped: 0, notStarted: 0, running: 0, left: 0 };
    for (const phase of ['sync-hosts', 'restart-hosts']) {
      report({ type: 'phase-start', phase, hosts: 2 });
      for (const host of ['mw01', 'mw02'])
        report({ type: 'host-end', phase, result: { host, phase, outcome: 'ok', exitCode: 0, stdout: `${host}: NOT restarting\n`, stderr: '' } });
      report({ type: 'phase-end', phase, durationMs: 5, counts, notes: [] });
    }
    close();
    // Then only the restart phase is followed by its one group
    const lines = stream.text
      .trimEnd()
      .split('\n')
      .map((line) => line.slice(9));
    expect(lines.slice(-3)).toEqual([
      'Finished restart-hosts (duration: 00m 00s)',
      "restart-hosts: each host's last line of output, hosts grouped by it:",
      '  2 hosts mw[01-02]: <host>: NOT restarting',
    ]);
    expect(lines.filter((line) => line.includes('grouped by it'))).toHaveLength(1);
  });
});
