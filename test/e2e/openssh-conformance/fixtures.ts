/**
 * The fleet and keys the conformance cases use: four sshd hosts from test/e2e/fleet (mw03 also
 * offers RSA and ECDSA host keys, mw04 also presents a host certificate signed by a test CA),
 * client keys of every kind ssh users have (plain, encrypted, ECDSA at the default path, a
 * stranger's), and a `{name}` table the cases' files are written with.
 */
import { appendFile, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { startSshdFleet, type SshdFleet } from '../fleet/sshd-fleet.js';

export interface Fixtures {
  fleet: SshdFleet;
  /** Placeholder values for the cases' files and settings. */
  vars: Record<string, string>;
}

async function keygen(path: string, type: string, passphrase = ''): Promise<string> {
  await execa('ssh-keygen', ['-q', '-t', type, '-N', passphrase, '-C', 'conformance', '-f', path]);
  return publicPart(path);
}

/** `type base64` of a public key file. */
async function publicPart(path: string): Promise<string> {
  return (await readFile(`${path}.pub`, 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ');
}

/** Adds lines to a fleet host's sshd_config (README: `etc/<host>/sshd_config`) and restarts it. */
async function reconfigure(fleet: SshdFleet, host: string, lines: string[]): Promise<void> {
  await appendFile(join(fleet.dir, 'etc', host, 'sshd_config'), `${lines.join('\n')}\n`);
  await fleet.stopHost(host);
  await fleet.startHost(host);
}

export async function setUpFixtures(network: { network: string; port: number }, keysDir: string): Promise<Fixtures> {
  const fleet = await startSshdFleet({ count: 4, network: network.network, port: network.port });
  try {
    await mkdir(keysDir, { recursive: true });
    const hostKey = (host: string, type = 'ed25519'): string => join(fleet.dir, 'etc', host, `ssh_host_${type}_key`);
    const vars: Record<string, string> = { port: String(fleet.hosts[0]!.port), node: process.execPath, client: fleet.clientKeyPath };
    for (const host of fleet.hosts) {
      vars[host.name] = host.address;
      vars[`key:${host.name}`] = await publicPart(hostKey(host.name));
    }
    // mw03 offers three key types; ed25519 is listed first in its sshd_config.
    const extra: string[] = [];
    for (const type of ['rsa', 'ecdsa']) {
      vars[`key:mw03:${type}`] = await keygen(hostKey('mw03', type), type);
      extra.push(`HostKey ${hostKey('mw03', type)}`);
    }
    await reconfigure(fleet, 'mw03', extra);
    // mw04 also presents a certificate for its ed25519 key, signed by a test CA.
    const ca = join(keysDir, 'host_ca');
    vars.ca = await keygen(ca, 'ed25519');
    await execa('ssh-keygen', ['-q', '-s', ca, '-I', 'mw04', '-h', '-n', `${vars.mw04},mw04`, `${hostKey('mw04')}.pub`]);
    await reconfigure(fleet, 'mw04', [`HostCertificate ${hostKey('mw04')}-cert.pub`]);

    vars.wrongkey = await keygen(join(keysDir, 'not_a_host_key'), 'ed25519');
    vars.wrongrsa = await keygen(join(keysDir, 'not_a_host_rsa_key'), 'rsa');
    // Client keys: a stranger's (not authorized), an ECDSA one (authorized), the fleet key encrypted.
    vars.stranger = join(keysDir, 'id_stranger');
    await keygen(vars.stranger, 'ed25519');
    vars.ecdsa = join(keysDir, 'id_ecdsa_client');
    await appendFile(join(fleet.dir, 'authorized_keys'), `${await keygen(vars.ecdsa, 'ecdsa')}\n`);
    vars.enc = join(keysDir, 'id_encrypted');
    await copyFile(fleet.clientKeyPath, vars.enc);
    await execa('ssh-keygen', ['-q', '-p', '-P', '', '-N', 'secret', '-f', vars.enc]);
    // The fleet key's public half alone, as a hardware key or 1Password leaves it.
    vars.clientpub = join(keysDir, 'only_public.pub');
    await writeFile(vars.clientpub, await readFile(`${fleet.clientKeyPath}.pub`));
    return { fleet, vars };
  } catch (error) {
    await fleet.stop();
    throw error;
  }
}
