import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { MarkerFilter, STOP_SCRIPT, WRAPPER_SCRIPT, parseMarker, stopCommand, wrapCommand } from '../../../src/transport/ssh/stop-wrapper.js';

describe('stop wrapper rendering', () => {
  it('renders sh -c <script> deploy-wrapper <argv> with every word quoted', () => {
    // Given an argv with words a shell would split
    const argv = ['systemctl', 'reload', 'php8.2-fpm', "it's here"];
    // When it is wrapped
    const command = wrapCommand(argv);
    // Then the command line is the quoted script followed by the quoted argv, unchanged
    expect(command.startsWith("sh -c '")).toBe(true);
    expect(command.endsWith(` deploy-wrapper systemctl reload php8.2-fpm 'it'"'"'s here'`)).toBe(true);
    expect(WRAPPER_SCRIPT).toContain(`setsid sh -c 'printf "\\036deploy-pgid %s\\n" "$$" >&2; exec "$@"' deploy-command "$@" </dev/null 3<&- &`);
    expect(WRAPPER_SCRIPT).toContain('wait "$p"');
  });

  it('renders the stop command for a group (negative id) and for a single process', () => {
    // Given handles; When rendered; Then the target argument is -pgid or pid
    expect(stopCommand({ kind: 'group', id: 4242 })).toMatch(/^sh -c '.*' deploy-stop -4242$/s);
    expect(stopCommand({ kind: 'process', id: 4242 })).toMatch(/ deploy-stop 4242$/);
    expect(STOP_SCRIPT).toContain('kill -TERM "$1"');
    expect(STOP_SCRIPT).toContain('kill -KILL "$1"');
    expect(STOP_SCRIPT).not.toContain('kill -TERM --'); // dash's kill has no --
  });

  it('runs under a local POSIX sh: exact argv, separate streams, marker first, exit status kept', async () => {
    // Given the wrapped command run by a local sh, as a remote login shell would
    const argv = ['sh', '-c', 'printf "[%s]" "$@"; echo err >&2; exit 7', 'zero', 'a b', '', '$X', "q'"];
    // When it runs with stdin kept open (as the SSH channel is)
    const result = await execa('sh', ['-c', wrapCommand(argv)], { reject: false, stdin: 'pipe' }).catch((e) => e);
    // Then stdout is untouched, stderr starts with the marker, and the status is 7
    expect(result.stdout).toBe("[a b][][$X][q']");
    const [first, ...rest] = result.stderr.split('\n');
    expect(parseMarker(`${first}\n`)?.kind).toBe('group');
    expect(rest.join('\n')).toBe('err');
    expect(result.exitCode).toBe(7);
  });

  it('reports 128+n when the command dies of a signal', async () => {
    // Given a command that kills itself with TERM
    const result = await execa('sh', ['-c', wrapCommand(['sh', '-c', 'kill -TERM $$'])], { reject: false, stdin: 'pipe' });
    // Then the wrapper exits 143
    expect(result.exitCode).toBe(143);
  });
});

describe('MarkerFilter', () => {
  it('strips the marker line and keeps what follows, even split across chunks', () => {
    // Given a marker arriving in pieces, followed by output
    const filter = new MarkerFilter();
    const out = [filter.push(Buffer.from('\x1edeploy-pg')), filter.push(Buffer.from('id 1234\nfirst')), filter.push(Buffer.from(' line\n'))];
    // Then the id is known and only the output passes
    expect(filter.handle).toEqual({ kind: 'group', id: 1234 });
    expect(Buffer.concat([...out, filter.flush()]).toString()).toBe('first line\n');
  });

  it('passes lines before the marker through (shell startup noise)', () => {
    // Given noise from a login shell before the marker
    const filter = new MarkerFilter();
    const out = filter.push(Buffer.from('motd noise\n\x1edeploy-pid 99\nreal\n'));
    // Then noise and output pass, the marker does not
    expect(out.toString()).toBe('motd noise\nreal\n');
    expect(filter.handle).toEqual({ kind: 'process', id: 99 });
  });

  it('strips only the first marker and gives back a partial line at the end', () => {
    // Given output that repeats the marker text later, and no trailing newline
    const filter = new MarkerFilter();
    const out = [filter.push(Buffer.from('\x1edeploy-pgid 5\n\x1edeploy-pgid 6\nno newline'))];
    out.push(filter.flush());
    // Then the second marker is the command's own output
    expect(Buffer.concat(out).toString()).toBe('\x1edeploy-pgid 6\nno newline');
    expect(filter.handle?.id).toBe(5);
  });

  it('rejects malformed markers', () => {
    expect(parseMarker('deploy-pgid 5\n')).toBeUndefined();
    expect(parseMarker('\x1edeploy-pgid 1\n')).toBeUndefined();
    expect(parseMarker('\x1edeploy-pgid x\n')).toBeUndefined();
  });
});
