import { describe, expect, it } from 'vitest';
import { buildRsyncTree, parseRsyncTreeOutput, RsyncTreeReader, rsyncErrorLine, rsyncTreeOptions } from '../../src/transport/rsync-tree.js';
import { renderCommand } from '../../src/transport/quote.js';

describe('buildRsyncTree', () => {
  it('syncs the folder content in place: links as links, perms and times, deletions delayed, excludes, items and stats', () => {
    // Given an in-place sync through a remote shell, with two exclude patterns
    const argv = buildRsyncTree({
      source: '/stage/php',
      destination: 'deploy:/srv/app',
      delete: true,
      exclude: ['.git/', '*.swp'],
      remoteShell: "/bin/sh -c 'relay' deploy-rsh",
    });
    // When it is rendered / Then every option is one word, the source ends in / (its content, not the folder)
    expect(renderCommand(argv)).toBe(
      `rsync -rlpt -s --delay-updates --mkpath --delete --delete-delay --exclude=.git/ '--exclude=*.swp' '--out-format=deploy-item %i %n' --stats -e '/bin/sh -c '"'"'relay'"'"' deploy-rsh' -- /stage/php/ deploy:/srv/app`,
    );
  });

  it('hard-links from an old release and keeps what the host has when not deleting', () => {
    // Given a releases sync that does not delete, straight to a local folder
    const argv = buildRsyncTree({ source: '/stage/', destination: '/fleet/h/releases/2', delete: false, exclude: [], linkDest: '/fleet/h/releases/1' });
    // Then there is no --delete, no -e, and one --link-dest
    expect(renderCommand(argv)).toBe(
      "rsync -rlpt -s --delay-updates --mkpath --link-dest=/fleet/h/releases/1 '--out-format=deploy-item %i %n' --stats -- /stage/ /fleet/h/releases/2",
    );
  });

  it('keeps a hostile path one word', () => {
    const argv = buildRsyncTree({ source: "/st age/$(x)'", destination: '/d', delete: false, exclude: ['a b'] });
    expect(argv.slice(-2)).toEqual(["/st age/$(x)'/", '/d']);
    expect(argv).toContain('--exclude=a b');
  });
});

describe('rsyncTreeOptions (what both transports give buildRsyncTree)', () => {
  const never = new AbortController().signal;
  it('passes on what a sync keeps, removes and links, its host folders placed as the transport says', () => {
    // Given an in-place sync with backups, and a new tree's sync, on a host whose folders live under /fleet/h
    const onHost = (path: string) => `/fleet/h${path}`;
    const inPlace = { source: '/stage/php', destination: '/srv/php', delete: true, exclude: ['.git/'], backupDir: '/srv/.deploy/b', signal: never };
    const fresh = { source: '/stage/php', destination: '/srv/.php.deploy-new-r1', delete: false, exclude: [], newFolder: true, signal: never };
    // Then the folders on the host are placed, the rest passed as is, and what was not asked is left out
    expect(rsyncTreeOptions(inPlace, onHost(inPlace.destination), onHost)).toEqual({
      source: '/stage/php',
      destination: '/fleet/h/srv/php',
      delete: true,
      exclude: ['.git/'],
      backupDir: '/fleet/h/srv/.deploy/b',
    });
    expect(rsyncTreeOptions({ ...inPlace, backupDir: undefined, linkDest: '/srv/releases/1' }, 'deploy:/srv/php')).toMatchObject({
      linkDest: '/srv/releases/1',
    });
    expect(rsyncTreeOptions(fresh, 'deploy:/srv/.php.deploy-new-r1')).toEqual({
      source: '/stage/php',
      destination: 'deploy:/srv/.php.deploy-new-r1',
      delete: false,
      exclude: [],
      newFolder: true,
    });
    // And a new tree's folder is written straight in, not held back
    expect(buildRsyncTree(rsyncTreeOptions(fresh, '/d'))).not.toContain('--delay-updates');
  });
});

/** Captured from rsync 3.5.0: a first sync of a tree with a symlink and nested folders. */
const FIRST_SYNC = `deploy-item cL+++++++++ link
deploy-item cd+++++++++ a/
deploy-item cd+++++++++ a/b/
deploy-item >f+++++++++ a/b/f.php

Number of files: 5 (reg: 1, dir: 3, link: 1)
Number of created files: 4 (reg: 1, dir: 2, link: 1)
Number of deleted files: 0
Number of regular files transferred: 1
Total file size: 12 bytes
Total transferred file size: 3 bytes
Literal data: 3 bytes
Matched data: 0 bytes
File list size: 0
File list generation time: 0.001 seconds
File list transfer time: 0.000 seconds
Total bytes sent: 177
Total bytes received: 43

sent 177 bytes  received 43 bytes  440.00 bytes/sec
total size is 12  speedup is 0.05
`;

/** Captured from rsync 3.5.0 over a remote shell: a new file, a size change, an mtime-only change, deletions. */
const RESYNC = `deploy-item <f+++++++++ new.php
deploy-item <f.s....... top.php
deploy-item <f..t...... a/b/f.php
deploy-item *deleting   link
deploy-item *deleting   old/x.php
deploy-item *deleting   old/
deploy-item .d..t...... a/

Number of files: 6 (reg: 3, dir: 3)
Total bytes sent: 1,234,567
Total bytes received: 62
`;

describe('parseRsyncTreeOutput', () => {
  it('counts files and links created, not folders, and the bytes sent', () => {
    expect(parseRsyncTreeOutput(FIRST_SYNC)).toEqual({
      changed: ['link', 'a/b/f.php'],
      created: ['link', 'a/b/f.php'],
      createdFolders: ['a', 'a/b'],
      removed: [],
      bytesSent: 177,
    });
  });

  it('counts replaced files (size or mtime) and removed files and links, not removed folders', () => {
    expect(parseRsyncTreeOutput(RESYNC)).toEqual({
      changed: ['new.php', 'top.php', 'a/b/f.php'],
      created: ['new.php'],
      removed: ['link', 'old/x.php'],
      bytesSent: 1234567,
    });
  });

  it('keeps spaces in names, decodes the bytes rsync escapes, ignores lines that are not its items', () => {
    const output = 'deploy-item >f+++++++++ a b/c d.php\ndeploy-item >f+++++++++ tab\\#011x\nsome message\n';
    expect(parseRsyncTreeOutput(output)).toEqual({ changed: ['a b/c d.php', 'tab\tx'], created: ['a b/c d.php', 'tab\tx'], removed: [], bytesSent: 0 });
  });

  it('reads the bytes of an escaped non-ASCII name as UTF-8 (LC_ALL=C escapes each byte of é)', () => {
    // Given what rsync 3.5.0 printed for é.php and a name that is not UTF-8
    const output = 'deploy-item >f+++++++++ \\#303\\#251.php\ndeploy-item >f+++++++++ caf\\#351\n';
    // Then é.php is named as it is; the other stays as rsync printed it
    expect(parseRsyncTreeOutput(output).changed).toEqual(['é.php', 'caf\\#351']);
  });
});

describe('RsyncTreeReader', () => {
  it('reads the output in pieces cut anywhere (mid-line, mid-name) as parseRsyncTreeOutput reads it whole', () => {
    for (const output of [FIRST_SYNC, RESYNC, 'deploy-item >f+++++++++ \\#303\\#251.php\ndeploy-item >f+++++++++ last-without-newline.php']) {
      for (const size of [1, 2, 7, 30, output.length]) {
        const reader = new RsyncTreeReader();
        for (let start = 0; start < output.length; start += size) reader.push(output.slice(start, start + size));
        expect(reader.result(), `pieces of ${size}`).toEqual(parseRsyncTreeOutput(output));
      }
    }
  });

  it('keeps every item of a list far longer than the output cap, and skips a line too long to be an item', () => {
    // Given 5,000 item lines (~300 KiB), with a 100 KiB line without a newline in the middle, fed in 64 KiB pieces
    const names = Array.from({ length: 5000 }, (_, i) => `folder/a-rather-long-file-name-${String(i).padStart(5, '0')}.php`);
    const items = names.map((name) => `deploy-item >f+++++++++ ${name}\n`);
    const output = [...items.slice(0, 2500), `deploy-item >f+++++++++ ${'x'.repeat(100 * 1024)}\n`, ...items.slice(2500), 'Total bytes sent: 42\n'].join('');
    const reader = new RsyncTreeReader();
    for (let start = 0; start < output.length; start += 64 * 1024) reader.push(output.slice(start, start + 64 * 1024));
    // Then every name is there, in order, the long line is not, and the stats are read
    expect(reader.result()).toEqual({ changed: names, created: names, removed: [], bytesSent: 42 });
  });
});

describe('parseRsyncTreeOutput with the staged names', () => {
  it("gives a name found in them as the string they hold for it, the host's own cut otherwise", () => {
    // Given the staged names (each mapped to a marked copy: strings compare by value, so the mark shows which string a list holds)
    const names = { paths: new Map(['a/b/f.php', 'é.php', 'link'].map((name) => [name, `staged:${name}`])), files: [] };
    const output = [
      'deploy-item >f+++++++++ a/b/f.php',
      'deploy-item >f.st...... \\#303\\#251.php',
      'deploy-item *deleting   gone.php',
      'deploy-item cL+++++++++ link',
      '',
    ].join('\n');
    // Then the staged names are the map's strings (é.php once decoded), the others the host's own
    expect(parseRsyncTreeOutput(output, names)).toEqual({
      changed: ['staged:a/b/f.php', 'staged:é.php', 'staged:link'],
      created: ['staged:a/b/f.php', 'staged:link'],
      removed: ['gone.php'],
      bytesSent: 0,
    });
  });

  it('reads short and odd lines as the line-by-line parser did', () => {
    // Lines cut short, a flags field alone, stats with leading spaces, no final newline
    const output =
      'deploy-item >f\ndeploy-item >f+++++++++\ndeploy-item >f+++++++++ \ndeploy-item *deleting\n  Total bytes sent: 1,234  \ndeploy-item >L.st...... x';
    expect(parseRsyncTreeOutput(output)).toEqual({ changed: ['', '', '', 'x'], created: ['', ''], removed: [''], bytesSent: 1234 });
  });
});

describe('rsyncErrorLine', () => {
  it("names rsync's own message before its generic error line", () => {
    const stderr = 'rsync: [receiver] mkdir "/srv/x" failed: Permission denied (13)\nrsync error: error in file IO (code 11) at main.c(791)\n';
    expect(rsyncErrorLine(stderr)).toBe('rsync: [receiver] mkdir "/srv/x" failed: Permission denied (13)');
    expect(rsyncErrorLine('rsync error: x\n')).toBe('rsync error: x');
    expect(rsyncErrorLine('')).toBeUndefined();
  });
});
