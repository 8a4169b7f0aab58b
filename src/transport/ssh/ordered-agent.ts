import ssh2, { type OpenSSHAgent, type ParsedKey } from 'ssh2';

// ssh2 is CommonJS: Node's ESM loader does not see these as named exports.
const { BaseAgent, OpenSSHAgent: Agent } = ssh2;

/**
 * The ssh-agent as ssh uses it (sshconnect2.c pubkey_prepare): the agent's keys that are also
 * IdentityFiles first, then its other keys unless IdentitiesOnly. Remembers which identity
 * files the agent holds, so that they are not tried again from disk, and how many keys it
 * offered, for "tried: ..." messages.
 */
export class OrderedAgent extends BaseAgent<ParsedKey> {
  private readonly inner: OpenSSHAgent;
  /** Public blobs of identity files the agent holds. */
  readonly heldIdentities = new Set<string>();
  offered = 0;
  /** Why the agent could not be used, when it could not. */
  failure: string | undefined;

  constructor(
    readonly socket: string,
    private readonly identityBlobs: readonly Buffer[],
    private readonly identitiesOnly: boolean,
  ) {
    super();
    this.inner = new Agent(socket);
  }

  getIdentities(cb: (error: Error | undefined, keys?: ParsedKey[]) => void): void {
    this.inner.getIdentities((error, keys) => {
      if (error !== undefined && error !== null) {
        this.failure = error.message;
        cb(error);
        return;
      }
      const preferred: ParsedKey[] = [];
      const others: ParsedKey[] = [];
      // OpenSSHAgent hands back parsed keys.
      for (const key of (keys ?? []) as ParsedKey[]) {
        const blob = key.getPublicSSH();
        if (this.identityBlobs.some((identity) => identity.equals(blob))) {
          this.heldIdentities.add(blob.toString('base64'));
          preferred.push(key);
        } else if (!this.identitiesOnly) {
          others.push(key);
        }
      }
      const ordered = [...preferred, ...others];
      this.offered = ordered.length;
      cb(undefined, ordered);
    });
  }

  sign(pubKey: ParsedKey, data: Buffer, options: unknown, cb?: (error: Error | undefined, signature?: Buffer) => void): void {
    const callback = typeof options === 'function' ? (options as typeof cb) : cb;
    const opts = typeof options === 'object' && options !== null ? options : {};
    this.inner.sign(pubKey, data, opts, (error?: Error | null, signature?: Buffer) => callback?.(error ?? undefined, signature));
  }

  /** True when the agent holds the identity with this public blob. */
  holds(blob: Buffer): boolean {
    return this.heldIdentities.has(blob.toString('base64'));
  }
}
