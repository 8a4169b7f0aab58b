import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import { agentSocketFor, describeAuth, planAuth, startAuth } from '../../../src/transport/ssh/auth.js';
import { checkSshAuthConfig } from '../../../src/transport/ssh/auth-check.js';
import { loadIdentityFile } from '../../../src/transport/ssh/identity-file.js';
import type { SshTransportOptions } from '../../../src/transport/ssh/options.js';

const publicBlobOf = (path: string): Buffer => Buffer.from(readFileSync(`${path}.pub`, 'utf8').split(' ')[1]!, 'base64');

describe("ssh authentication, in ssh's order", () => {
  let dir: string;
  let plainKey: string;
  let encryptedKey: string;
  let otherKey: string;
  let agentSocket: string;
  let agent: ChildProcess;
  let secretPublic: Buffer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'deploy-auth-'));
    plainKey = join(dir, 'id_plain');
    encryptedKey = join(dir, 'id_secret');
    otherKey = join(dir, 'id_other');
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', plainKey]);
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret', '-f', encryptedKey]);
    await execa('ssh-keygen', ['-q', '-t', 'ecdsa', '-N', '', '-f', otherKey]);
    secretPublic = publicBlobOf(encryptedKey);
    // An agent of our own holding the encrypted key (added from a decrypted copy) and another key.
    agentSocket = join(dir, 'agent.sock');
    agent = spawn('ssh-agent', ['-D', '-a', agentSocket], { stdio: 'ignore' });
    for (let i = 0; i < 100 && !existsSync(agentSocket); i += 1) await new Promise((resolve) => setTimeout(resolve, 50));
    const decrypted = join(dir, 'decrypted');
    copyFileSync(encryptedKey, decrypted);
    await execa('ssh-keygen', ['-q', '-p', '-P', 'secret', '-N', '', '-f', decrypted]);
    await execa('ssh-add', ['-q', otherKey, decrypted], { env: { SSH_AUTH_SOCK: agentSocket } });
  }, 30_000);
  afterAll(() => {
    agent?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  function options(overrides: Partial<SshTransportOptions> = {}): SshTransportOptions & { hosts: string[] } {
    const config = join(dir, 'ssh_config');
    if (!existsSync(config)) writeFileSync(config, '');
    return {
      user: 'root',
      port: 22,
      knownHostsPath: join(dir, 'known_hosts'),
      sshConfigPath: config,
      connectTimeoutMs: 1000,
      explicit: { user: false, port: false, keyPath: true },
      env: { HOME: join(dir, 'empty-home'), PATH: process.env.PATH ?? '/usr/bin:/bin' },
      hosts: ['web1'],
      ...overrides,
    };
  }

  it('reads identity files as ssh does: private, encrypted with its public half, .pub, missing', () => {
    // Given key files of each kind; When loaded; Then:
    expect(loadIdentityFile(plainKey)).toMatchObject({ status: 'private' });
    // an encrypted OpenSSH key still shows its public key (no .pub needed)
    rmSync(`${encryptedKey}.pub`, { force: true });
    const encrypted = loadIdentityFile(encryptedKey);
    expect(encrypted.status).toBe('encrypted');
    expect('publicBlob' in encrypted && encrypted.publicBlob?.equals(secretPublic)).toBe(true);
    expect(loadIdentityFile(`${plainKey}.pub`)).toMatchObject({ status: 'public' });
    expect(loadIdentityFile(join(dir, 'nope'))).toEqual({ path: join(dir, 'nope'), status: 'missing' });
    writeFileSync(join(dir, 'garbage'), 'not a key');
    expect(loadIdentityFile(join(dir, 'garbage'))).toMatchObject({ status: 'unusable' });
  });

  it('finds the agent from IdentityAgent, else SSH_AUTH_SOCK', () => {
    const env = { SSH_AUTH_SOCK: '/a.sock', OTHER: '/b.sock' };
    expect(agentSocketFor(undefined, env)).toBe('/a.sock');
    expect(agentSocketFor('SSH_AUTH_SOCK', env)).toBe('/a.sock');
    expect(agentSocketFor('none', env)).toBeUndefined();
    expect(agentSocketFor('$OTHER', env)).toBe('/b.sock');
    expect(agentSocketFor('/c.sock', env)).toBe('/c.sock');
    expect(agentSocketFor(undefined, {})).toBeUndefined();
  });

  it('tries the agent (its IdentityFile keys first), then each IdentityFile it does not hold', async () => {
    // Given IdentityFiles: a missing one, the encrypted one (held by the agent), a plain one
    const plan = planAuth({ user: 'u', identityFiles: [join(dir, 'missing'), encryptedKey, plainKey], identitiesOnly: false }, { SSH_AUTH_SOCK: agentSocket });
    const attempt = startAuth(plan);
    // When ssh2 asks for methods one by one
    const first = attempt.handler(['publickey'], false, () => undefined) as unknown as {
      type: string;
      agent?: { getIdentities(cb: (e: unknown, k?: Array<{ getPublicSSH(): Buffer }>) => void): void };
    };
    expect(first.type).toBe('agent');
    const offered = await new Promise<Buffer[]>((resolve) => first.agent!.getIdentities((_e, keys) => resolve((keys ?? []).map((k) => k.getPublicSSH()))));
    const second = attempt.handler(['publickey'], false, () => undefined) as unknown as { type: string };
    const third = attempt.handler(['publickey'], false, () => undefined);
    // Then the agent offered the encrypted file's key first, then its other key; the plain file came next, then nothing
    expect(offered[0]!.equals(secretPublic)).toBe(true);
    expect(offered[1]!.equals(publicBlobOf(otherKey))).toBe(true);
    expect(second).toMatchObject({ type: 'publickey' });
    expect(third).toBe(false);
    expect(attempt.describe()).toBe(`tried: ssh-agent ${agentSocket} (2 keys), key ${plainKey}`);
  });

  it('offers only IdentityFile keys from the agent with IdentitiesOnly', async () => {
    const plan = planAuth({ user: 'u', identityFiles: [encryptedKey], identitiesOnly: true }, { SSH_AUTH_SOCK: agentSocket });
    const attempt = startAuth(plan);
    const method = attempt.handler(null as never, false, () => undefined) as unknown as {
      agent: { getIdentities(cb: (e: unknown, k?: unknown[]) => void): void };
    };
    const keys = await new Promise<unknown[]>((resolve) => method.agent.getIdentities((_e, k) => resolve(k ?? [])));
    expect(keys).toHaveLength(1);
  });

  it('says which files were skipped and why when nothing works', () => {
    const plan = planAuth({ user: 'u', identityFiles: [encryptedKey], identitiesOnly: false }, {});
    expect(describeAuth(plan)).toBe(`tried: no key; no ssh-agent; skipped: ${encryptedKey} (encrypted and not in the agent: deploy has no passphrase)`);
    // And what ssh could also have used, and deploy cannot, is named
    const withCertificate = planAuth({ user: 'u', identityFiles: [], identitiesOnly: false, cannotUse: ['CertificateFile /c-cert.pub'] }, {});
    expect(describeAuth(withCertificate)).toBe('tried: no key; no ssh-agent; deploy cannot use CertificateFile /c-cert.pub');
  });

  describe('the start-up check', () => {
    it('rejects an encrypted ssh_key unless the agent holds it, saying to use ssh-agent', async () => {
      // Given ssh_key pointing at a passphrase-protected key and no agent
      const failure = await checkSshAuthConfig(options({ keyPath: encryptedKey })).catch((error: unknown) => error);
      // Then it is a usage error saying to load it into ssh-agent
      expect(failure).toBeInstanceOf(UserError);
      expect((failure as Error).message).toBe(
        `ssh_key: ${encryptedKey} is encrypted and deploy has no passphrase for it; load it into ssh-agent (ssh-add ${encryptedKey})`,
      );
      // And with an agent holding it, it is accepted
      const env = { ...options().env, SSH_AUTH_SOCK: agentSocket };
      await expect(checkSshAuthConfig(options({ keyPath: encryptedKey, env }))).resolves.toBeUndefined();
    });

    it('rejects a missing ssh_key and accepts a readable one', async () => {
      await expect(checkSshAuthConfig(options({ keyPath: join(dir, 'absent') }))).rejects.toThrow(`ssh_key: ${join(dir, 'absent')} does not exist`);
      await expect(checkSshAuthConfig(options({ keyPath: plainKey }))).resolves.toBeUndefined();
    });

    it("looks at each target's own IdentityFile, and names the hosts that have no key", async () => {
      // Given an ssh_config giving a key to web* only, no default key, no agent
      const config = join(dir, 'per-host');
      writeFileSync(config, `Host web*\n  IdentityFile ${plainKey}\n`);
      const opts = options({ sshConfigPath: config, explicit: { user: false, port: false, keyPath: false } });
      // Then the web hosts pass, and a db host is refused by name
      await expect(checkSshAuthConfig({ ...opts, hosts: ['web1', 'web2'] })).resolves.toBeUndefined();
      const failure = await checkSshAuthConfig({ ...opts, hosts: ['web1', 'db1', 'db2'] }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(UserError);
      expect((failure as Error).message).toMatch(/^ssh: no SSH key to authenticate to db1, db2: none of its IdentityFiles exists \(.*id_rsa.*\); no ssh-agent/);
    });

    it('accepts a host whose only key is an agent key, unless IdentitiesOnly rules it out', async () => {
      const config = join(dir, 'agent-only');
      mkdirSync(join(dir, 'empty-home'), { recursive: true });
      writeFileSync(config, 'Host strict\n  IdentitiesOnly yes\n');
      const env = { ...options().env, SSH_AUTH_SOCK: agentSocket };
      const opts = options({ sshConfigPath: config, env, explicit: { user: false, port: false, keyPath: false } });
      await expect(checkSshAuthConfig({ ...opts, hosts: ['loose'] })).resolves.toBeUndefined();
      await expect(checkSshAuthConfig({ ...opts, hosts: ['strict'] })).rejects.toThrow(/strict: .*offers no key among its IdentityFiles \(IdentitiesOnly\)/);
    });

    it('refuses a config ssh would refuse, naming the line', async () => {
      const config = join(dir, 'bad');
      writeFileSync(config, 'Host *\n  Port nope-99999\n');
      const failure = await checkSshAuthConfig(options({ sshConfigPath: config, env: { ...options().env, PATH: '/nonexistent' } })).catch(
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(UserError);
      expect((failure as Error).message).toMatch(/^ssh_config: cannot resolve web1 as ssh would: .*bad line 2/);
    });
  });
});
