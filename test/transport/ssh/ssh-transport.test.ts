import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync, openSync, readSync, closeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HostFailure, type Transport } from '../../../src/transport/types.js';
import { hashKnownHostsName } from '../../../src/transport/ssh/known-hosts.js';
import type { SshTransportOptions } from '../../../src/transport/ssh/options.js';
import { type SshTransport, createSshTransport } from '../../../src/transport/ssh/ssh-transport.js';
import { TEST_NETWORK_OFFSET, testNetwork } from '../../helpers/test-network.js';
import { replaceContract } from '../replace-contract.js';

const SSHD = '/usr/sbin/sshd';
const ADDRESS = testNetwork(TEST_NETWORK_OFFSET.sshTransport).address(50);
const PORT = 2299;
const ESCAPED = ADDRESS.replace(/\./g, '\\.');
const HOST = `${ADDRESS}:${PORT}`;

/** A throwaway sshd on <test network>.50:2299 that accepts root with one client key. */
interface TestSshd {
  dir: string;
  process: ChildProcess;
  hostPublicKey: string;
  clientKey: string;
  strangerKey: string;
  otherHostPublicKey: string;
}

async function keygen(path: string): Promise<string> {
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test', '-f', path]);
  return readFileSync(`${path}.pub`, 'utf8').trim();
}

async function waitForPort(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host, port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`sshd did not listen on ${host}:${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function startSshd(): Promise<TestSshd> {
  const dir = await mkdtemp(join(tmpdir(), 'deploy-ssh-transport-'));
  const hostPublicKey = await keygen(join(dir, 'host_key'));
  const otherHostPublicKey = await keygen(join(dir, 'other_host_key'));
  const clientPublicKey = await keygen(join(dir, 'id_client'));
  await keygen(join(dir, 'id_stranger'));
  writeFileSync(join(dir, 'authorized_keys'), `${clientPublicKey}\n`);
  const config = [
    `ListenAddress ${ADDRESS}:${PORT}`,
    `HostKey ${join(dir, 'host_key')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'StrictModes no',
    'PermitRootLogin prohibit-password',
    'UsePAM no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'Subsystem sftp internal-sftp',
    'LogLevel ERROR',
  ].join('\n');
  writeFileSync(join(dir, 'sshd_config'), `${config}\n`);
  mkdirSync('/run/sshd', { recursive: true });
  const child = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  try {
    await waitForPort(ADDRESS, PORT, 10_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}: ${log}`);
  }
  return {
    dir,
    process: child,
    hostPublicKey,
    otherHostPublicKey,
    clientKey: join(dir, 'id_client'),
    strangerKey: join(dir, 'id_stranger'),
  };
}

/** The `type base64` part of a public key line. */
function keyPart(publicKeyLine: string): string {
  return publicKeyLine.split(/\s+/).slice(0, 2).join(' ');
}

/** Pids of sshd's per-connection processes (children of the listener). */
async function connectionProcesses(sshd: TestSshd): Promise<number[]> {
  const result = await execa('ps', ['-o', 'pid=', '--ppid', String(sshd.process.pid)], { reject: false });
  return result.stdout
    .split('\n')
    .map((line) => Number(line.trim()))
    .filter((pid) => pid > 0);
}

/** The connection processes and their children (the session process). */
async function connectionTree(sshd: TestSshd): Promise<number[]> {
  const top = await connectionProcesses(sshd);
  const all = [...top];
  for (const pid of top) {
    const result = await execa('ps', ['-o', 'pid=', '--ppid', String(pid)], { reject: false });
    all.push(
      ...result.stdout
        .split('\n')
        .map((line) => Number(line.trim()))
        .filter((n) => n > 0),
    );
  }
  return all;
}

function isAlive(pid: number): boolean {
  // A zombie still has /proc/<pid>; treat it as gone.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}

/** Live (non-zombie) processes whose session id is `sid`, from /proc. */
function liveInSession(sid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields: state ppid pgrp session ...
      if (fields[0] !== 'Z' && Number(fields[3]) === sid) found.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

async function eventually(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

function signal(): AbortSignal {
  return new AbortController().signal;
}

const canRun = process.getuid?.() === 0 && existsSync(SSHD);

describe.skipIf(!canRun)('ssh transport against a real sshd', () => {
  let sshd: TestSshd;
  let knownHosts: string;
  let work: string;
  const transports: Transport[] = [];

  function options(overrides: Partial<SshTransportOptions> = {}): SshTransportOptions {
    return {
      user: 'root',
      port: 22,
      keyPath: sshd.clientKey,
      knownHostsPath: knownHosts,
      sshConfigPath: join(sshd.dir, 'no-ssh-config'),
      connectTimeoutMs: 5000,
      explicit: { user: true, port: false, keyPath: true },
      env: { HOME: join(sshd.dir, 'home') },
      ...overrides,
    };
  }

  function transport(overrides: Partial<SshTransportOptions> = {}): SshTransport {
    const created = createSshTransport(options(overrides));
    transports.push(created);
    return created;
  }

  beforeAll(async () => {
    sshd = await startSshd();
    knownHosts = join(sshd.dir, 'known_hosts');
    writeFileSync(knownHosts, `[${ADDRESS}]:${PORT} ${keyPart(sshd.hostPublicKey)}\n`);
    work = join(sshd.dir, 'work');
    mkdirSync(work);
    mkdirSync(join(sshd.dir, 'home'));
    // ssh_config set in the deploy config must exist (as for `ssh -F`): an empty one.
    writeFileSync(join(sshd.dir, 'no-ssh-config'), '');
  }, 30_000);

  afterEach(async () => {
    await Promise.all(transports.splice(0).map((t) => t.close()));
  });

  afterAll(async () => {
    if (sshd === undefined) return;
    sshd.process.kill('SIGTERM');
    await eventually(() => sshd.process.exitCode !== null || sshd.process.signalCode !== null, 3000);
    await rm(sshd.dir, { recursive: true, force: true });
  });

  describe('exec', () => {
    it('returns stdout, stderr and the exit status separately, 3 and 255 included', async () => {
      // Given a transport to the test sshd
      const ssh = transport();
      // When commands print on both streams and exit with various statuses
      const three = await ssh.exec(HOST, ['sh', '-c', 'echo out; echo err >&2; exit 3'], { signal: signal() });
      const full = await ssh.exec(HOST, ['sh', '-c', 'printf x; exit 255'], { signal: signal() });
      const ok = await ssh.exec(HOST, ['true'], { signal: signal() });
      // Then each result keeps the streams apart (no marker line leaks) and the status as is
      expect(three).toEqual({ exitCode: 3, stdout: 'out\n', stderr: 'err\n', truncated: false });
      expect(full).toEqual({ exitCode: 255, stdout: 'x', stderr: '', truncated: false });
      expect(ok.exitCode).toBe(0);
    });

    it('delivers arguments with spaces, quotes and shell characters exactly', async () => {
      // Given arguments a shell would split, expand or unquote
      const ssh = transport();
      const words = ['a b', "it's", '"double"', '$HOME', '', 'back\\slash', 'new\nline', '*', '; rm -rf /', '`id`'];
      // When they are printed one per bracketed line on the host
      const result = await ssh.exec(HOST, ['printf', '[%s]\\n', ...words], { signal: signal() });
      // Then the remote argv is exactly what was given
      expect(result.stdout).toBe(words.map((word) => `[${word}]\n`).join(''));
      expect(result.exitCode).toBe(0);
    });

    it('gives the command an empty stdin and a process group of its own', async () => {
      // Given a command that reads stdin and reports its process group and session
      const ssh = transport();
      // When it runs
      const result = await ssh.exec(HOST, ['sh', '-c', 'cat; echo "$$ $(ps -o pgid= -p $$) $(ps -o sid= -p $$)"'], {
        signal: signal(),
      });
      // Then cat sees end of file at once and the shell leads its own group and session
      const [pid, pgid, sid] = result.stdout.trim().split(/\s+/).map(Number);
      expect(pgid).toBe(pid);
      expect(sid).toBe(pid);
    });

    it('runs a brief command as it is, without the stop wrapper: same words, streams and status', async () => {
      // Given a transport to the test sshd, and words a shell would split or expand
      const ssh = transport();
      const words = ['a b', "it's", '$HOME', '', 'new\nline', '`id`'];
      // When brief commands run
      const printed = await ssh.exec(HOST, ['printf', '[%s]\\n', ...words], { signal: signal(), brief: true });
      const three = await ssh.exec(HOST, ['sh', '-c', 'echo out; echo err >&2; exit 3'], { signal: signal(), brief: true });
      // And one says what started it: sshd's session itself, or the wrapper's shell
      const parent = ['sh', '-c', 'ps -o comm= -p "$PPID"'];
      const brief = await ssh.exec(HOST, parent, { signal: signal(), brief: true });
      const wrapped = await ssh.exec(HOST, parent, { signal: signal() });
      // Then the words and streams arrive exactly, the status as is, and sshd started it (the wrapper, a shell, starts the others)
      expect(printed.stdout).toBe(words.map((word) => `[${word}]\n`).join(''));
      expect(three).toEqual({ exitCode: 3, stdout: 'out\n', stderr: 'err\n', truncated: false });
      expect(brief.stdout.trim()).toBe('sshd');
      expect(wrapped.stdout.trim()).toBe('sh');
    });

    it('streams output chunks to onOutput', async () => {
      // Given a listener for live output
      const ssh = transport();
      const seen: string[] = [];
      // When the command prints on both streams
      await ssh.exec(HOST, ['sh', '-c', 'echo one; echo two >&2'], {
        signal: signal(),
        onOutput: (stream, chunk) => seen.push(`${stream}:${chunk}`),
      });
      // Then both streams were reported, without the wrapper's marker
      expect(seen.join('')).toContain('stdout:one\n');
      expect(seen.join('')).toContain('stderr:two\n');
      expect(seen.join('')).not.toContain('deploy-pgid');
    });

    it('cuts output past the per-host cap and says so', async () => {
      // Given a command printing 100 KiB
      const ssh = transport();
      // When it runs
      const result = await ssh.exec(HOST, ['sh', '-c', 'head -c 102400 /dev/zero | tr "\\0" x'], { signal: signal() });
      // Then the result is marked truncated
      expect(result.truncated).toBe(true);
      expect(result.stdout).toContain('[output cut:');
    });

    it('hands onOutput all of the output past the cap, no character split between two pieces', async () => {
      // Given a command printing 100,000 € (3 bytes each: the channel's chunks end inside some of them)
      const ssh = transport();
      const pieces: string[] = [];
      // When it runs with an onOutput listener
      const result = await ssh.exec(HOST, ['sh', '-c', 'head -c 100000 /dev/zero | tr "\\0" x | sed "s/x/€/g"'], {
        signal: signal(),
        onOutput: (stream, piece) => {
          if (stream === 'stdout') pieces.push(piece);
        },
      });
      // Then the result is cut, and onOutput had every character, whole
      expect(result.truncated).toBe(true);
      expect(pieces.length).toBeGreaterThan(1);
      expect(pieces.join('')).toBe('€'.repeat(100_000));
    });
  });

  describe('abort', () => {
    it('kills the remote process group and rejects with the reason', async () => {
      // Given a long command whose shell writes its pid
      const ssh = transport();
      const pidFile = join(work, `abort-${Date.now()}.pid`);
      const controller = new AbortController();
      const running = ssh.exec(HOST, ['sh', '-c', `echo $$ > ${pidFile}; sleep 1000; echo never`], {
        signal: controller.signal,
      });
      running.catch(() => undefined);
      expect(await eventually(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 5000)).toBe(true);
      const pid = Number(readFileSync(pidFile, 'utf8'));
      expect(isAlive(pid)).toBe(true);
      // When the run aborts
      const reason = new Error('stop now');
      controller.abort(reason);
      // Then exec rejects with that reason and the shell and its sleep are gone
      await expect(running).rejects.toBe(reason);
      expect(await eventually(() => liveInSession(pid).length === 0, 3000)).toBe(true);
      const check = await ssh.exec(HOST, ['sh', '-c', `kill -0 ${pid} 2>/dev/null && echo alive || echo gone`], {
        signal: signal(),
      });
      expect(check.stdout.trim()).toBe('gone');
    });

    it('escalates to KILL when the command ignores TERM', async () => {
      // Given a command that ignores TERM (its sleep inherits that)
      const ssh = transport();
      const pidFile = join(work, `stubborn-${Date.now()}.pid`);
      const controller = new AbortController();
      const running = ssh.exec(HOST, ['sh', '-c', `trap "" TERM; echo $$ > ${pidFile}; sleep 1000`], {
        signal: controller.signal,
      });
      running.catch(() => undefined);
      expect(await eventually(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 5000)).toBe(true);
      const pid = Number(readFileSync(pidFile, 'utf8'));
      // When the run aborts
      controller.abort(new Error('interrupted'));
      await expect(running).rejects.toThrow('interrupted');
      // Then the whole group is killed: TERM alone never would, so only the KILL after the
      // escalation delay ends it. (The delay is ~20 rounds of ps and sleep 0.1 on the host, which
      // on a loaded 2-core machine took over 4 s once: the bound is generous, the property the same.)
      expect(await eventually(() => liveInSession(pid).length === 0, 12_000)).toBe(true);
    }, 25_000);

    it('rejects at once when the signal is already aborted, running nothing', async () => {
      // Given an aborted signal
      const ssh = transport();
      const marker = join(work, `never-${Date.now()}`);
      const reason = new Error('already stopped');
      // When exec is called with it
      await expect(ssh.exec(HOST, ['touch', marker], { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
      // Then nothing ran
      expect(existsSync(marker)).toBe(false);
    });
  });

  describe('readFile, keep, expect, removeFile', () => {
    let count = 0;
    replaceContract(() => ({
      transport: transport(),
      host: HOST,
      path: (name) => {
        count += 1;
        return join(work, `contract-${count}`, name);
      },
      look: async (path) => (existsSync(path) ? { content: readFileSync(path, 'utf8'), mode: statSync(path).mode & 0o7777 } : undefined),
    }));
  });

  describe('writeFile', () => {
    it('creates parent folders, sets the mode and reports changed', async () => {
      // Given a destination under folders that do not exist
      const ssh = transport();
      const path = join(work, 'new', 'deep', 'er', 'file.conf');
      // When a file is written with mode 0640
      const result = await ssh.writeFile(HOST, path, Buffer.from('hello\n'), { signal: signal(), mode: 0o640 });
      // Then it exists with that content and mode
      expect(result).toEqual({ changed: true });
      expect(readFileSync(path, 'utf8')).toBe('hello\n');
      expect(statSync(path).mode & 0o7777).toBe(0o640);
    });

    it('writes nothing when content and mode are identical', async () => {
      // Given a file already written
      const ssh = transport();
      const path = join(work, 'same.conf');
      await ssh.writeFile(HOST, path, Buffer.from('same\n'), { signal: signal(), mode: 0o644 });
      const before = statSync(path);
      // When the same content and mode are written again
      const result = await ssh.writeFile(HOST, path, Buffer.from('same\n'), { signal: signal(), mode: 0o644 });
      // Then nothing changed: same inode, same mtime
      expect(result).toEqual({ changed: false });
      const after = statSync(path);
      expect(after.ino).toBe(before.ino);
      expect(after.mtimeMs).toBe(before.mtimeMs);
    });

    it('clears a temporary left by a transfer that died with its connection, on the next write', async () => {
      // Given a partial temporary of ours beside the file, as a killed sshd leaves it
      const ssh = transport();
      const path = join(work, 'stale.conf');
      const stale = join(work, '.stale.conf.deploy-a1b2c3d4e5f6.tmp');
      writeFileSync(stale, 'partial');
      // When the file is written / Then the temporary is gone and the file is whole
      await ssh.writeFile(HOST, path, Buffer.from('whole\n'), { signal: signal(), mode: 0o644 });
      expect(existsSync(stale)).toBe(false);
      expect(readFileSync(path, 'utf8')).toBe('whole\n');
    });

    it('compares content, not only size and mode: same size and mode with other bytes is written', async () => {
      // Given a file on the host
      const ssh = transport();
      const path = join(work, 'same-size.conf');
      writeFileSync(path, 'value=1\n', { mode: 0o644 });
      // When content of the same size and mode but other bytes is written
      const result = await ssh.writeFile(HOST, path, Buffer.from('value=2\n'), { signal: signal(), mode: 0o644 });
      // Then it changed
      expect(result).toEqual({ changed: true });
      expect(readFileSync(path, 'utf8')).toBe('value=2\n');
    });

    it('replaces the file atomically: a new inode via rename, no temp file left', async () => {
      // Given an existing file held open by a reader
      const ssh = transport();
      const path = join(work, 'atomic.conf');
      writeFileSync(path, 'old content\n', { mode: 0o644 });
      const before = statSync(path);
      const reader = openSync(path, 'r');
      try {
        // When new content of the same size but another mode is written
        const result = await ssh.writeFile(HOST, path, Buffer.from('new content\n'), { signal: signal(), mode: 0o600 });
        // Then the path names a new file (renamed into place) while the reader still sees the old one whole
        expect(result).toEqual({ changed: true });
        expect(readFileSync(path, 'utf8')).toBe('new content\n');
        expect(statSync(path).ino).not.toBe(before.ino);
        expect(statSync(path).mode & 0o7777).toBe(0o600);
        const old = Buffer.alloc(64);
        const read = readSync(reader, old, 0, 64, 0);
        expect(old.subarray(0, read).toString()).toBe('old content\n');
      } finally {
        closeSync(reader);
      }
      expect(readdirSync(work).filter((name) => name.includes('.deploy-'))).toEqual([]);
    });

    it('rewrites when only the mode differs', async () => {
      // Given a file with mode 0644
      const ssh = transport();
      const path = join(work, 'mode.conf');
      await ssh.writeFile(HOST, path, Buffer.from('x'), { signal: signal(), mode: 0o644 });
      // When the same content is written with 0755
      const result = await ssh.writeFile(HOST, path, Buffer.from('x'), { signal: signal(), mode: 0o755 });
      // Then it changed and the mode is the new one
      expect(result.changed).toBe(true);
      expect(statSync(path).mode & 0o7777).toBe(0o755);
    });

    it('writes a large file whole', async () => {
      // Given 3 MiB of varied content
      const ssh = transport();
      const path = join(work, 'big.bin');
      const content = Buffer.alloc(3 * 1024 * 1024);
      for (let i = 0; i < content.length; i += 1) content[i] = (i * 7 + (i >> 13)) & 0xff;
      // When it is written, then written again
      const first = await ssh.writeFile(HOST, path, content, { signal: signal(), mode: 0o644 });
      const second = await ssh.writeFile(HOST, path, content, { signal: signal(), mode: 0o644 });
      // Then the host has it byte for byte, and the second write changed nothing
      expect(first.changed).toBe(true);
      expect(readFileSync(path).equals(content)).toBe(true);
      expect(second.changed).toBe(false);
      // And it reads back whole (many reads in flight, reassembled in order)
      expect((await ssh.readFile(HOST, path, { signal: signal() }))?.content.equals(content)).toBe(true);
    });

    it('stops on abort mid-transfer: old file untouched, temp file removed', async () => {
      // Given an existing file and a large replacement
      const ssh = transport();
      const folder = join(work, 'abort-write');
      mkdirSync(folder);
      const path = join(folder, 'target.bin');
      writeFileSync(path, 'old');
      const content = Buffer.alloc(64 * 1024 * 1024, 1);
      const controller = new AbortController();
      // When the run aborts as soon as the temp file shows up
      const watcher = setInterval(() => {
        if (readdirSync(folder).some((name) => name.includes('.deploy-'))) controller.abort(new Error('abort write'));
      }, 2);
      const outcome = await ssh
        .writeFile(HOST, path, content, { signal: controller.signal, mode: 0o644 })
        .catch((error: unknown) => error)
        .finally(() => clearInterval(watcher));
      // Then it rejected with the reason, the old file is intact and no temp file is left
      expect(outcome).toBeInstanceOf(Error);
      expect((outcome as Error).message).toBe('abort write');
      expect(readFileSync(path, 'utf8')).toBe('old');
      expect(await eventually(() => readdirSync(folder).length === 1, 2000)).toBe(true);
    }, 20_000);

    it('fails as a transfer failure and leaves the old file when the folder cannot be made', async () => {
      // Given a parent "folder" that is a regular file
      const ssh = transport();
      const blocker = join(work, 'blocker');
      writeFileSync(blocker, 'i am a file');
      // When a file is written below it
      const failure = await ssh
        .writeFile(HOST, join(blocker, 'child.conf'), Buffer.from('x'), { signal: signal(), mode: 0o644 })
        .catch((error: unknown) => error);
      // Then a one-line transfer failure names the path, and the blocker is untouched
      expect(failure).toBeInstanceOf(HostFailure);
      expect((failure as HostFailure).kind).toBe('transfer');
      expect((failure as HostFailure).message).toMatch(/^transfer failed: .*blocker/);
      expect((failure as HostFailure).message).not.toContain('\n');
      expect(readFileSync(blocker, 'utf8')).toBe('i am a file');
    });
  });

  describe('host keys', () => {
    it('refuses an unknown host before running anything', async () => {
      // Given a known_hosts file without the test host
      const empty = join(sshd.dir, 'known_hosts.empty');
      writeFileSync(empty, `other.example ${keyPart(sshd.hostPublicKey)}\n`);
      const ssh = transport({ knownHostsPath: empty });
      const marker = join(work, `unknown-${Date.now()}`);
      // When a command is run there
      const failure = await ssh.exec(HOST, ['touch', marker], { signal: signal() }).catch((error: unknown) => error);
      // Then it fails as host-key, says how to add the key, and nothing ran
      expect(failure).toBeInstanceOf(HostFailure);
      expect((failure as HostFailure).kind).toBe('host-key');
      expect((failure as HostFailure).message).toMatch(
        new RegExp(
          `^host key for ${ADDRESS}:${PORT} is unknown \\(SHA256:[A-Za-z0-9+/]+\\): not in ${empty}; verify it and add it with \`ssh-keyscan -p ${PORT} ${ADDRESS} >> ${empty}\`$`,
        ),
      );
      expect(existsSync(marker)).toBe(false);
    });

    it('treats a missing known_hosts file as knowing no host', async () => {
      // Given a known_hosts path that does not exist
      const ssh = transport({ knownHostsPath: join(sshd.dir, 'missing_known_hosts') });
      // When a file is written there
      const marker = join(work, `missing-kh-${Date.now()}`);
      const failure = await ssh.writeFile(HOST, marker, Buffer.from('x'), { signal: signal(), mode: 0o644 }).catch((error: unknown) => error);
      // Then the host is unknown and nothing was written
      expect((failure as HostFailure).kind).toBe('host-key');
      expect((failure as HostFailure).message).toContain('is unknown');
      expect(existsSync(marker)).toBe(false);
    });

    it('refuses a changed host key before running anything', async () => {
      // Given known_hosts listing another key for the host
      const wrong = join(sshd.dir, 'known_hosts.wrong');
      writeFileSync(wrong, `[${ADDRESS}]:${PORT} ${keyPart(sshd.otherHostPublicKey)}\n`);
      const ssh = transport({ knownHostsPath: wrong });
      const marker = join(work, `changed-${Date.now()}`);
      // When a command is run there
      const failure = await ssh.exec(HOST, ['touch', marker], { signal: signal() }).catch((error: unknown) => error);
      // Then it fails as host-key CHANGED with the ssh-keygen -R advice, and nothing ran
      expect((failure as HostFailure).kind).toBe('host-key');
      expect((failure as HostFailure).message).toMatch(
        new RegExp(
          '^host key for ' +
            ESCAPED +
            String.raw`:2299 CHANGED \(got ssh-ed25519 SHA256:\S+, \S+known_hosts\.wrong line 1 has another ssh-ed25519 key\): possible man-in-the-middle; if the host was reinstalled, remove the old line with \x60ssh-keygen -R '\[` +
            ESCAPED +
            String.raw`\]:2299' -f /`,
        ),
      );
      expect(existsSync(marker)).toBe(false);
    });

    it('accepts a hashed entry and refuses a revoked key', async () => {
      // Given a hashed known_hosts entry for the host
      const hashed = join(sshd.dir, 'known_hosts.hashed');
      const name = hashKnownHostsName(`[${ADDRESS}]:${PORT}`, Buffer.from('0123456789abcdef0123'));
      writeFileSync(hashed, `${name} ${keyPart(sshd.hostPublicKey)}\n`);
      // When a command runs
      const ok = await transport({ knownHostsPath: hashed }).exec(HOST, ['true'], { signal: signal() });
      // Then it is accepted
      expect(ok.exitCode).toBe(0);

      // Given the same key also marked @revoked
      const revoked = join(sshd.dir, 'known_hosts.revoked');
      writeFileSync(revoked, `${name} ${keyPart(sshd.hostPublicKey)}\n@revoked * ${keyPart(sshd.hostPublicKey)}\n`);
      // When a command runs
      const failure = await transport({ knownHostsPath: revoked })
        .exec(HOST, ['true'], { signal: signal() })
        .catch((error: unknown) => error);
      // Then it is refused
      expect((failure as HostFailure).kind).toBe('host-key');
      expect((failure as HostFailure).message).toContain('REVOKED');
    });
  });

  describe('connecting', () => {
    it('reports connection refused on a port nobody listens on', async () => {
      // Given a port with no sshd
      const ssh = transport();
      // When a command is run there
      const failure = await ssh.exec(`${ADDRESS}:2298`, ['true'], { signal: signal() }).catch((error: unknown) => error);
      // Then it is a one-line connect failure naming the endpoint
      expect((failure as HostFailure).kind).toBe('connect');
      expect((failure as HostFailure).message).toMatch(new RegExp(`^could not connect to ${ADDRESS.replace(/\./g, '\\.')}:2298: connection refused`));
    });

    it('times out on a host that accepts TCP but never speaks SSH', async () => {
      // Given a listener that accepts and stays silent
      const silent = createServer(() => undefined);
      await new Promise<void>((resolve) => silent.listen(2297, ADDRESS, resolve));
      try {
        const ssh = transport({ connectTimeoutMs: 300 });
        // When a command is run there
        const failure = await ssh.exec(`${ADDRESS}:2297`, ['true'], { signal: signal() }).catch((error: unknown) => error);
        // Then it is a connect failure that says it timed out
        expect((failure as HostFailure).kind).toBe('connect');
        expect((failure as HostFailure).message).toBe(`could not connect to ${ADDRESS}:2297: timed out connecting after 0.3s`);
      } finally {
        silent.close();
      }
    });

    it('retries connect failures with backoff, telling onRetry', async () => {
      // Given two retries allowed on a dead port
      const ssh = transport({ connectRetries: 2 });
      const retries: Array<[number, string, number]> = [];
      // When a command is run there
      const failure = await ssh
        .exec(`${ADDRESS}:2298`, ['true'], {
          signal: signal(),
          onRetry: (attempt, error, delayMs) => retries.push([attempt, error.kind, delayMs]),
        })
        .catch((error: unknown) => error);
      // Then it tried three times, with growing delays, and failed as connect
      expect((failure as HostFailure).kind).toBe('connect');
      expect(retries.map(([attempt, kind]) => [attempt, kind])).toEqual([
        [1, 'connect'],
        [2, 'connect'],
      ]);
      expect(retries[0]?.[2]).toBeGreaterThanOrEqual(125);
      expect(retries[0]?.[2]).toBeLessThanOrEqual(250);
      expect(retries[1]?.[2]).toBeGreaterThanOrEqual(250);
      expect(retries[1]?.[2]).toBeLessThanOrEqual(500);
    });

    it('reports a refused key as an auth failure naming what was tried', async () => {
      // Given a key the server does not accept
      const ssh = transport({ keyPath: sshd.strangerKey });
      // When a command is run
      const failure = await ssh.exec(HOST, ['true'], { signal: signal() }).catch((error: unknown) => error);
      // Then it is an auth failure
      expect((failure as HostFailure).kind).toBe('auth');
      expect((failure as HostFailure).message).toBe(`authentication refused for root@${ADDRESS}:${PORT} (tried: key ${sshd.strangerKey})`);
    });

    it('resolves an alias through ssh config (HostName, Port, IdentityFile with ~)', async () => {
      // Given an ssh config mapping the alias "web" to the test sshd, with the key under ~
      const home = join(sshd.dir, 'alias-home');
      mkdirSync(home, { recursive: true });
      writeFileSync(join(home, 'key'), readFileSync(sshd.clientKey), { mode: 0o600 });
      const configPath = join(sshd.dir, 'ssh_config');
      writeFileSync(configPath, `Host web !db\n  HostName ${ADDRESS}\n  Port ${PORT}\n  IdentityFile ~/key\n`);
      const ssh = transport({ sshConfigPath: configPath, env: { HOME: home }, keyPath: undefined, explicit: { user: true, port: false, keyPath: false } });
      // When a command runs on "web"
      const result = await ssh.exec('web', ['echo', 'via alias'], { signal: signal() });
      // Then it reached the sshd with the key from the config
      expect(result.stdout).toBe('via alias\n');
    });

    it('opens one connection per host and reuses it, concurrent first calls included', async () => {
      // Given a fresh transport and no connection to the sshd
      const ssh = transport();
      expect(await eventually(async () => (await connectionProcesses(sshd)).length === 0, 3000)).toBe(true);
      // When five commands start at once, then more calls and a write follow
      await Promise.all(Array.from({ length: 5 }, (_, i) => ssh.exec(HOST, ['echo', String(i)], { signal: signal() })));
      await ssh.exec(HOST, ['true'], { signal: signal() });
      await ssh.writeFile(HOST, join(work, 'reuse.txt'), Buffer.from('r'), { signal: signal(), mode: 0o644 });
      await ssh.writeFile(HOST, join(work, 'reuse2.txt'), Buffer.from('r'), { signal: signal(), mode: 0o644 });
      // Then one connection was opened, and sshd serves one session
      expect(ssh.connectionsOpened).toBe(1);
      expect(await connectionProcesses(sshd)).toHaveLength(1);
      // And close() ends it, twice without harm
      await ssh.close();
      await ssh.close();
      expect(await eventually(async () => (await connectionProcesses(sshd)).length === 0, 3000)).toBe(true);
    });
  });

  describe('broken connections', () => {
    it('fails a running command as connection-lost, stops it, and reconnects on the next call', async () => {
      // Given a long command running over the transport's one connection
      const ssh = transport();
      await ssh.exec(HOST, ['true'], { signal: signal() });
      const pidFile = join(work, `lost-${Date.now()}.pid`);
      const running = ssh.exec(HOST, ['sh', '-c', `echo $$ > ${pidFile}; sleep 1000`], { signal: signal() });
      running.catch(() => undefined);
      expect(await eventually(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 5000)).toBe(true);
      const pid = Number(readFileSync(pidFile, 'utf8'));
      // When sshd's processes for that connection die
      for (const proc of await connectionTree(sshd)) {
        try {
          process.kill(proc, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      // Then the command fails as connection-lost
      const failure = await running.catch((error: unknown) => error);
      expect((failure as HostFailure).kind).toBe('connection-lost');
      expect((failure as HostFailure).message).toMatch(/^connection lost: /);
      // And the remote command does not outlive the connection (the wrapper's watchdog)
      expect(await eventually(() => liveInSession(pid).length === 0, 10_000)).toBe(true);
      // And the next call reconnects
      const again = await ssh.exec(HOST, ['echo', 'back'], { signal: signal() });
      expect(again.stdout).toBe('back\n');
      expect(ssh.connectionsOpened).toBe(2);
    }, 45_000);

    it('notices a frozen peer through keepalives', async () => {
      // Given a transport with fast keepalives and a long command
      const ssh = transport({ keepaliveIntervalMs: 200 });
      await ssh.exec(HOST, ['true'], { signal: signal() });
      const running = ssh.exec(HOST, ['sleep', '30'], { signal: signal() });
      running.catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const frozen = await connectionTree(sshd);
      // When the peer stops answering (its processes are frozen)
      for (const proc of frozen) process.kill(proc, 'SIGSTOP');
      try {
        // Then the command fails as connection-lost within a few keepalive intervals
        const started = Date.now();
        const failure = await running.catch((error: unknown) => error);
        expect((failure as HostFailure).kind).toBe('connection-lost');
        expect((failure as HostFailure).message).toContain('keepalive');
        expect(Date.now() - started).toBeLessThan(5000);
      } finally {
        for (const proc of frozen) {
          try {
            process.kill(proc, 'SIGKILL');
            process.kill(proc, 'SIGCONT');
          } catch {
            // gone
          }
        }
      }
    }, 15_000);
  });
});
