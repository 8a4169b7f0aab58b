import type { Client, ClientChannel } from 'ssh2';
import { oneLine } from '../../lib/text.js';
import { HostFailure } from '../types.js';
import { SshConnection } from './ssh-connection.js';
import { type SshTarget, endpointLabel, targetLabel } from './target.js';

/**
 * A connection to a jump host (ProxyJump), shared by every host behind it: each of them gets a
 * `direct-tcpip` channel through it (what `ssh -W host:port` asks for), and speaks SSH over it.
 */
export class JumpConnection extends SshConnection {
  constructor(
    target: SshTarget,
    private readonly ssh: Client,
  ) {
    super(target, ssh);
  }

  /** A channel to `hostName:port` opened by the jump host. */
  forward(hostName: string, port: number): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      if (!this.isOpen) {
        reject(this.failure ?? new HostFailure('connect', `jump host ${targetLabel(this.target)} is gone`));
        return;
      }
      try {
        this.ssh.forwardOut('127.0.0.1', 0, hostName, port, (error, channel) => {
          if (error !== undefined && error !== null) {
            reject(
              new HostFailure('connect', oneLine(`jump host ${targetLabel(this.target)} could not reach ${endpointLabel(hostName, port)}: ${error.message}`)),
            );
            return;
          }
          resolve(channel);
        });
      } catch (error) {
        reject(this.failure ?? new HostFailure('connect', oneLine(`jump host ${targetLabel(this.target)}: ${(error as Error).message}`)));
      }
    });
  }
}
