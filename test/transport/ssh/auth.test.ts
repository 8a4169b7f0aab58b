import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import { checkSshAuthConfig, describeAuth, planAuth } from '../../../src/transport/ssh/auth.js';
import type { SshTransportOptions } from '../../../src/transport/ssh/options.js';
import { resolveTarget } from '../../../src/transport/ssh/target.js';

describe('ssh auth selection', () => {
  let dir: string;
  let plainKey: string;
  let encryptedKey: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'deploy-auth-'));
    plainKey = join(dir, 'id_plain');
    encryptedKey = join(dir, 'id_secret');
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', plainKey]);
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret', '-f', encryptedKey]);
  }, 30_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function options(overrides: Partial<SshTransportOptions> = {}): SshTransportOptions {
    return {
      user: 'root',
      port: 22,
      knownHostsPath: join(dir, 'known_hosts'),
      sshConfigPath: join(dir, 'no-config'),
      connectTimeoutMs: 1000,
      explicit: { user: false, port: false, keyPath: true },
      env: { HOME: join(dir, 'empty-home') },
      ...overrides,
    };
  }

  it('rejects an encrypted ssh_key before connecting, saying to use ssh-agent', async () => {
    // Given ssh_key pointing at a passphrase-protected key
    const opts = options({ keyPath: encryptedKey });
    // When the auth config is checked
    const failure = await checkSshAuthConfig(opts).catch((error: unknown) => error);
    // Then a UserError says what to do
    expect(failure).toBeInstanceOf(UserError);
    expect((failure as UserError).message).toBe(
      `ssh_key: ${encryptedKey} is encrypted and deploy has no passphrase for it; ` +
        `load it into ssh-agent (ssh-add ${encryptedKey}) and leave ssh_key unset`,
    );
  });

  it('rejects a missing or unreadable key file', async () => {
    // Given ssh_key pointing nowhere, then at a folder
    // When checked; Then each is a UserError naming the path
    await expect(checkSshAuthConfig(options({ keyPath: join(dir, 'nope') }))).rejects.toThrow(
      new RegExp(`^ssh_key: ${join(dir, 'nope')} does not exist`),
    );
    await expect(checkSshAuthConfig(options({ keyPath: dir }))).rejects.toThrow(/^ssh_key: cannot read/);
    const notAKey = join(dir, 'not-a-key');
    writeFileSync(notAKey, 'hello');
    await expect(checkSshAuthConfig(options({ keyPath: notAKey }))).rejects.toThrow(/is not a private key/);
  });

  it('accepts a readable unencrypted key', async () => {
    // Given ssh_key pointing at a plain key; When checked; Then it passes and the plan uses it
    await expect(checkSshAuthConfig(options({ keyPath: plainKey }))).resolves.toBeUndefined();
    const target = resolveTarget('h', options({ keyPath: plainKey }), []);
    expect(describeAuth(planAuth(target, options({ keyPath: plainKey })))).toBe(`key ${plainKey}`);
  });

  it('uses ssh-agent when no key is configured, else ~/.ssh/id_ed25519 then id_rsa', () => {
    // Given no ssh_key and an agent socket
    const withAgent = options({ env: { HOME: join(dir, 'empty-home'), SSH_AUTH_SOCK: '/run/agent.sock' } });
    // Then the agent is used
    expect(planAuth(resolveTarget('h', withAgent, []), withAgent)).toEqual({ kind: 'agent', socket: '/run/agent.sock' });

    // Given no agent and a home with only id_rsa, then with id_ed25519 too
    const home = join(dir, 'home-defaults');
    mkdirSync(join(home, '.ssh'), { recursive: true });
    copyFileSync(plainKey, join(home, '.ssh', 'id_rsa'));
    const noAgent = options({ env: { HOME: home } });
    // Then the first existing default key is used
    expect(describeAuth(planAuth(resolveTarget('h', noAgent, []), noAgent))).toBe(`key ${join(home, '.ssh', 'id_rsa')}`);
    copyFileSync(plainKey, join(home, '.ssh', 'id_ed25519'));
    expect(describeAuth(planAuth(resolveTarget('h', noAgent, []), noAgent))).toBe(
      `key ${join(home, '.ssh', 'id_ed25519')}`,
    );
  });

  it('says what to do when there is no key at all', async () => {
    // Given no key, no agent, an empty home; When checked; Then a UserError
    await expect(checkSshAuthConfig(options())).rejects.toThrow(/no SSH key to authenticate with/);
  });

  it('checks IdentityFile from ssh config per host, unless ssh_key is explicit', async () => {
    // Given an ssh config giving web1 the encrypted key
    const config = join(dir, 'ssh_config');
    writeFileSync(config, `Host web1\n  IdentityFile ${encryptedKey}\n`);
    const fromConfig = options({ sshConfigPath: config, keyPath: plainKey, explicit: { user: false, port: false, keyPath: false } });
    // When checked for web1; Then the IdentityFile is named in the error
    await expect(checkSshAuthConfig({ ...fromConfig, hosts: ['web1'] })).rejects.toThrow(
      new RegExp(`^IdentityFile \\(${config}\\): ${encryptedKey} is encrypted`),
    );
    // And with ssh_key explicit, the config's IdentityFile is not used
    await expect(
      checkSshAuthConfig({ ...fromConfig, explicit: { user: false, port: false, keyPath: true }, hosts: ['web1'] }),
    ).resolves.toBeUndefined();
  });

  it('reports an unreadable key file (permissions) as a UserError', async () => {
    // Given a key file nobody may read (root reads anyway, so only check when not root)
    const locked = join(dir, 'id_locked');
    copyFileSync(plainKey, locked);
    chmodSync(locked, 0o000);
    const result = await checkSshAuthConfig(options({ keyPath: locked })).catch((error: unknown) => error);
    // Then as root it is readable; otherwise a UserError about reading it
    if (process.getuid?.() === 0) expect(result).toBeUndefined();
    else expect((result as Error).message).toMatch(/cannot read/);
  });
});
