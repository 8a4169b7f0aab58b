import type { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runLocalProcess } from '../../../src/transport/local-process.js';
import { headerCommand, REMOTE_SHELL, RSH_SCRIPT } from '../../../src/transport/ssh/rsync-tunnel.js';

const never = (): AbortSignal => new AbortController().signal;

describe('the remote shell rsync runs', () => {
  it('is one word for rsync: the script holds no single quote', () => {
    expect(RSH_SCRIPT).not.toContain("'");
    expect(REMOTE_SHELL).toBe(`/bin/sh -c '${RSH_SCRIPT}' deploy-rsh`);
  });

  it('writes its words and an empty line on fd 3, then relays stdin to fd 3 and fd 3 to stdout, ending when fd 3 does', async () => {
    // Given the script run as rsync runs it, with a socket pair at fd 3, stdin a pipe that says "to the host"
    let socket: Duplex | undefined;
    const received: Buffer[] = [];
    const run = runLocalProcess(
      'sh',
      ['-c', `printf 'to the host' | /bin/sh -c '${RSH_SCRIPT}' deploy-rsh "$@"`, 'sh', 'mw01', 'rsync', '--server', '-e.Lsfx', '.'],
      {
        cwd: process.cwd(),
        signal: never(),
        channel: (end) => {
          socket = end;
          end.on('data', (chunk: Buffer) => {
            received.push(chunk);
            const all = Buffer.concat(received);
            // When the header and the relayed stdin are in, the "host" answers and ends
            if (all.toString().endsWith('to the host')) {
              end.write('from the host');
              end.end();
            }
          });
        },
      },
    );
    const result = await run;
    // Then fd 3 got the words (host first) and stdin; stdout got what came back on fd 3
    expect(socket).toBeDefined();
    const header = headerCommand(Buffer.concat(received));
    expect(header?.words).toEqual(['rsync', '--server', '-e.Lsfx', '.']);
    expect(header?.rest.toString()).toBe('to the host');
    expect(result.stdout).toBe('from the host');
    expect(result.exitCode).toBe(0);
  });
});

describe('headerCommand', () => {
  it('drops the host, and `-l user` before it; waits for the empty line', () => {
    expect(headerCommand(Buffer.from('mw01\nrsync\n--server\n.\n\nDATA'))).toEqual({ words: ['rsync', '--server', '.'], rest: Buffer.from('DATA') });
    expect(headerCommand(Buffer.from('-l\ndeploy\nmw01\nrsync\n--server\n.\n\n'))?.words).toEqual(['rsync', '--server', '.']);
    expect(headerCommand(Buffer.from('mw01\nrsync\n--server\n.\n'))).toBeUndefined();
  });
});
