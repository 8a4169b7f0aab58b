import { readFileSync } from 'node:fs';
import ssh2, { type ParsedKey } from 'ssh2';
import { errorCode } from '../../lib/read-file.js';

/**
 * One IdentityFile as ssh sees it before authenticating: its public key (from the file itself,
 * the public half an OpenSSH private key stores in clear, or `<file>.pub`) so that an agent
 * holding the key is used for it, and its private key when deploy can use it without a
 * passphrase. deploy never prompts.
 */
export type IdentityFile =
  | { path: string; status: 'private'; key: ParsedKey; publicBlob: Buffer }
  /** A `.pub` (hardware keys, 1Password): usable only through an agent holding it. */
  | { path: string; status: 'public'; publicBlob: Buffer }
  | { path: string; status: 'encrypted'; publicBlob?: Buffer }
  | { path: string; status: 'missing' }
  | { path: string; status: 'unusable'; reason: string };

const OPENSSH_MAGIC = Buffer.from('openssh-key-v1\0', 'latin1');

/** The first public key stored in clear in an `openssh-key-v1` private key, if `text` is one. */
export function openSshPrivateKeyPublicBlob(text: string): Buffer | undefined {
  const match = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(text);
  if (match === null) return undefined;
  const data = Buffer.from(match[1]!.replace(/\s+/g, ''), 'base64');
  if (!data.subarray(0, OPENSSH_MAGIC.length).equals(OPENSSH_MAGIC)) return undefined;
  let offset = OPENSSH_MAGIC.length;
  const readString = (): Buffer | undefined => {
    if (offset + 4 > data.length) return undefined;
    const length = data.readUInt32BE(offset);
    if (offset + 4 + length > data.length) return undefined;
    const value = data.subarray(offset + 4, offset + 4 + length);
    offset += 4 + length;
    return value;
  };
  for (let i = 0; i < 3; i += 1) if (readString() === undefined) return undefined; // cipher, kdf, kdf options
  if (offset + 4 > data.length || data.readUInt32BE(offset) < 1) return undefined;
  offset += 4;
  return readString();
}

function parsedOne(data: Buffer): ParsedKey | Error {
  const parsed = ssh2.utils.parseKey(data);
  if (parsed instanceof Error) return parsed;
  const key = Array.isArray(parsed) ? (parsed[0] as ParsedKey | undefined) : parsed;
  return key ?? new Error('no key in the file');
}

function publicFrom(path: string): Buffer | undefined {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch {
    return undefined;
  }
  const key = parsedOne(data);
  if (!(key instanceof Error) && !key.isPrivateKey()) return key.getPublicSSH();
  return openSshPrivateKeyPublicBlob(data.toString('latin1'));
}

/** Load an IdentityFile; never throws. */
export function loadIdentityFile(path: string): IdentityFile {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') {
      // `IdentityFile x` may name only x.pub's key (its private half in an agent or token).
      const publicBlob = publicFrom(`${path}.pub`);
      return publicBlob !== undefined ? { path, status: 'public', publicBlob } : { path, status: 'missing' };
    }
    return { path, status: 'unusable', reason: `cannot read it (${code})` };
  }
  const key = parsedOne(data);
  if (key instanceof Error) {
    if (/passphrase|encrypted/i.test(key.message)) {
      const publicBlob = openSshPrivateKeyPublicBlob(data.toString('latin1')) ?? publicFrom(`${path}.pub`);
      return publicBlob !== undefined ? { path, status: 'encrypted', publicBlob } : { path, status: 'encrypted' };
    }
    const publicBlob = publicFrom(`${path}.pub`) ?? openSshPrivateKeyPublicBlob(data.toString('latin1'));
    const reason = `not a key deploy can use (${key.message})`;
    // e.g. a security-key (sk-) key: only an agent can use it.
    return publicBlob !== undefined ? { path, status: 'public', publicBlob } : { path, status: 'unusable', reason };
  }
  if (!key.isPrivateKey()) return { path, status: 'public', publicBlob: key.getPublicSSH() };
  return { path, status: 'private', key, publicBlob: key.getPublicSSH() };
}
