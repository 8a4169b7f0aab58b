import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NeedsOpenSsh } from '../../../../src/transport/ssh/config/errors.js';
import { resolveBuiltin } from '../../../../src/transport/ssh/config/resolve-builtin.js';
import { SshResolver, findSsh } from '../../../../src/transport/ssh/config/resolver.js';

const ssh = findSsh(process.env);
const local = { thisHost: hostname(), uid: userInfo().uid, home: userInfo().homedir, localUser: userInfo().username };

describe('the resolver: deploy reads ssh_config, ssh -G decides what it cannot', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'deploy-resolver-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function configFile(config: string): string {
    const path = join(dir, `config-${Math.random().toString(36).slice(2)}`);
    writeFileSync(path, config);
    return path;
  }
  function resolver(config: string, { noSsh = false } = {}): SshResolver {
    return new SshResolver({
      configPath: configFile(config),
      local,
      env: { ...process.env, HOME: local.home },
      ssh: noSsh ? undefined : ssh,
      timeoutMs: 10_000,
    });
  }

  it('resolves plain configs itself, once per host', async () => {
    // Given a config deploy's reader understands
    const r = resolver('Host web\n  HostName 10.0.0.7\n  User app\n');
    // When a host is resolved twice
    const first = await r.resolve({ host: 'web' });
    const second = await r.resolve({ host: 'web' });
    // Then deploy answered, once, without ssh -G
    expect(first).toMatchObject({ hostName: '10.0.0.7', user: 'app', port: 22, resolvedBy: 'deploy' });
    expect(second).toBe(first);
    expect(r.openSshRuns).toBe(0);
  });

  it.skipIf(ssh === undefined)('hands Match exec to ssh -G, which runs the command as ssh would', async () => {
    // Given a Match exec that is true only when a flag file exists
    const flag = join(dir, 'flag');
    writeFileSync(flag, '');
    const config = `Match host web exec "test -e ${flag}"\n  User viaexec\nHost *\n  User other\n`;
    // When deploy's own reader tries it, Then it says only OpenSSH can decide
    const sources = [{ path: configFile(config), explicit: true, user: true, checkPermissions: false }];
    expect(() => resolveBuiltin({ host: 'web' }, { ...local, env: process.env, sources })).toThrow(NeedsOpenSsh);
    const r = resolver(config);
    // When the resolver resolves the host
    const resolved = await r.resolve({ host: 'web' });
    // Then ssh -G evaluated it (the command ran and matched)
    expect(resolved).toMatchObject({ user: 'viaexec', resolvedBy: 'ssh -G' });
    expect(resolved.delegatedBecause).toMatch(/Match exec/);
    expect(r.openSshRuns).toBe(1);
    // And a host for which an earlier criterion fails never needs it
    expect(await r.resolve({ host: 'db' })).toMatchObject({ user: 'other', resolvedBy: 'deploy' });
  });

  it('says what needs OpenSSH when there is no ssh binary', async () => {
    // Given a config with Match exec and no ssh on PATH
    const r = resolver('Match exec "true"\n  User x\n', { noSsh: true });
    // Then resolving fails naming the line and what to install
    await expect(r.resolve({ host: 'web' })).rejects.toThrow(
      /line 1: `Match exec` \(a command to run\) needs OpenSSH's ssh to evaluate, and there is no ssh on PATH/,
    );
  });

  it.skipIf(ssh === undefined)('lets ssh -G refuse a keyword it does not know, with its own words', async () => {
    // Given a keyword no OpenSSH knows
    const r = resolver('Host *\n  NoSuchKeyword yes\n');
    // Then the host fails with ssh's reason
    await expect(r.resolve({ host: 'web' })).rejects.toThrow(/^ssh -G web: .*(Bad configuration option|bad configuration options)/i);
  });

  it('refuses an unreadable ~/.ssh/config rather than ignore it, and reads a missing one as empty', async () => {
    // Given a home whose ~/.ssh/config cannot be opened (a symlink to itself), and one without it
    const home = join(dir, 'home-loop');
    mkdirSync(join(home, '.ssh'), { recursive: true });
    symlinkSync(join(home, '.ssh', 'config'), join(home, '.ssh', 'config'));
    const options = { local: { ...local, home }, env: { HOME: home }, ssh: undefined, timeoutMs: 1000, systemConfigPath: join(dir, 'no-system-config') };
    // Then resolving says which file and why
    await expect(new SshResolver(options).resolve({ host: 'web' })).rejects.toThrow(`cannot open ssh config file ${join(home, '.ssh', 'config')} (ELOOP)`);
    // And without any config file, ssh's defaults apply
    const empty = join(dir, 'home-empty');
    mkdirSync(empty);
    expect(await new SshResolver({ ...options, local: { ...local, home: empty } }).resolve({ host: 'web' })).toMatchObject({ hostName: 'web', port: 22 });
  });

  it('throws NeedsOpenSsh from the reader itself for Match final and canonicalization', () => {
    const path = join(dir, 'final');
    writeFileSync(path, 'Match final\n  User f\n');
    const sources = [{ path, explicit: true, user: true, checkPermissions: false }];
    expect(() => resolveBuiltin({ host: 'h' }, { ...local, env: process.env, sources })).toThrow(NeedsOpenSsh);
    writeFileSync(path, 'CanonicalizeHostname yes\n');
    expect(() => resolveBuiltin({ host: 'h' }, { ...local, env: process.env, sources })).toThrow(/CanonicalizeHostname yes/);
  });
});
