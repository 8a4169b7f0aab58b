import { renderCommand } from '../quote.js';

/**
 * The stop wrapper: how a remote command is made stoppable without touching its argv,
 * stdout or stderr. The command line sent is
 *
 *   sh -c '<WRAPPER_SCRIPT>' deploy-wrapper <argv...>
 *
 * (every word quoted by renderCommand), so the user's login shell only has to parse
 * quoted words. The POSIX sh wrapper then:
 * 1. starts the command in the background as `setsid sh -c '<announce>; exec "$@"' ...`:
 *    it becomes the leader of a new session and process group whose id is its own pid; it
 *    prints `\x1edeploy-pgid <pid>` as one line on stderr BEFORE exec'ing the exact argv,
 *    so the marker always precedes anything the command writes. Its stdin is /dev/null.
 *    (Without setsid on the host, the fallback announces `\x1edeploy-pid <pid>` and only
 *    that process can be signalled.)
 * 2. starts a watchdog that reads the channel's stdin, which deploy keeps open and never
 *    writes: end of file there means the channel or connection is gone, and the watchdog
 *    sends TERM to the group, then KILL if anything is left after ~2 s. So the command
 *    cannot outlive a dropped connection or a run that closed its channel. Once fired, the
 *    watchdog ignores TERM so that the wrapper cannot cut the escalation short.
 * 3. waits for the command and exits with its status (128+n when a signal killed it),
 *    after stopping (and reaping) a watchdog that never fired.
 * The transport strips the marker line from the captured stderr and, to stop the command,
 * runs STOP_SCRIPT on a second channel: TERM to the group, KILL after ~2 s if any member
 * is left.
 *
 * `kill -TERM -<pgid>` is written without `--` because dash's kill rejects `--`.
 */
export const PGID_MARKER = '\x1edeploy-pgid ';
export const PID_MARKER = '\x1edeploy-pid ';

/**
 * Shell functions shared by both scripts. `alive` ignores zombies (an orphan killed by TERM
 * stays a group member until init reaps it) when `ps` is there; `stop` sends TERM, waits up
 * to ~2 s for the target to go, then sends KILL.
 */
export const STOP_FUNCTIONS = [
  'alive() {',
  '  if ps -o stat= -p "$$" >/dev/null 2>&1; then',
  '    case $1 in',
  '      -*) ps -o stat= -s "${1#-}" ;;',
  '      *) ps -o stat= -p "$1" ;;',
  "    esac 2>/dev/null | grep -q '^[^Z]'",
  '  else',
  '    kill -0 "$1" 2>/dev/null',
  '  fi',
  '}',
  'stop() {',
  '  kill -TERM "$1" 2>/dev/null || return 0',
  '  n=0',
  '  while [ "$n" -lt 20 ] && alive "$1"; do',
  '    sleep 0.1 2>/dev/null || { sleep 1; n=$((n + 9)); }',
  '    n=$((n + 1))',
  '  done',
  '  if alive "$1"; then kill -KILL "$1" 2>/dev/null; fi',
  '  return 0',
  '}',
].join('\n');

export const WRAPPER_SCRIPT = [
  STOP_FUNCTIONS,
  'exec 3<&0',
  'if command -v setsid >/dev/null 2>&1; then',
  `  setsid sh -c 'printf "\\036deploy-pgid %s\\n" "$$" >&2; exec "$@"' deploy-command "$@" </dev/null 3<&- &`,
  '  p=$!; t=-$p',
  'else',
  `  sh -c 'printf "\\036deploy-pid %s\\n" "$$" >&2; exec "$@"' deploy-command "$@" </dev/null 3<&- &`,
  '  p=$!; t=$p',
  'fi',
  '(',
  '  while read -r _; do :; done',
  "  trap '' TERM",
  '  stop "$t"',
  ') <&3 >/dev/null 2>&1 &',
  'w=$!',
  'exec 3<&-',
  'wait "$p"',
  's=$?',
  'kill "$w" 2>/dev/null',
  'wait "$w" 2>/dev/null',
  'exit "$s"',
].join('\n');

export const STOP_SCRIPT = [STOP_FUNCTIONS, 'stop "$1"'].join('\n');

/** The command line that runs `argv` under the stop wrapper. */
export function wrapCommand(argv: readonly string[]): string {
  return renderCommand(['sh', '-c', WRAPPER_SCRIPT, 'deploy-wrapper', ...argv]);
}

/** What the wrapper announced: a whole process group, or (no setsid) one process. */
export interface StopHandle {
  kind: 'group' | 'process';
  id: number;
}

/** The command line that stops what `handle` names: TERM, then KILL after ~2 s. */
export function stopCommand(handle: StopHandle): string {
  const target = handle.kind === 'group' ? `-${handle.id}` : String(handle.id);
  return renderCommand(['sh', '-c', STOP_SCRIPT, 'deploy-stop', target]);
}

/** Longest stderr prefix (in bytes) searched for the marker before giving up. */
const MARKER_SEARCH_LIMIT = 64 * 1024;

/**
 * Removes the wrapper's marker line from a stderr stream and remembers the id in it. Lines
 * before the marker (e.g. noise from the remote shell's startup files) pass through.
 */
export class MarkerFilter {
  private pending: Buffer = Buffer.alloc(0);
  private searched = 0;
  private done = false;
  handle: StopHandle | undefined;

  /** Feed a chunk; returns the bytes to pass on (possibly empty). */
  push(chunk: Buffer): Buffer {
    if (this.done) return chunk;
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: Buffer[] = [];
    for (;;) {
      const newline = this.pending.indexOf(0x0a);
      if (newline === -1) break;
      const line = this.pending.subarray(0, newline + 1);
      this.pending = this.pending.subarray(newline + 1);
      this.searched += line.length;
      const handle = parseMarker(line.toString('latin1'));
      if (handle !== undefined) {
        this.handle = handle;
        this.done = true;
        out.push(this.pending);
        this.pending = Buffer.alloc(0);
        return Buffer.concat(out);
      }
      out.push(line);
    }
    if (this.searched + this.pending.length > MARKER_SEARCH_LIMIT) {
      this.done = true;
      out.push(this.pending);
      this.pending = Buffer.alloc(0);
    }
    return Buffer.concat(out);
  }

  /** At end of stream: whatever is still held back. */
  flush(): Buffer {
    const rest = this.pending;
    this.pending = Buffer.alloc(0);
    this.done = true;
    return rest;
  }
}

/** The handle in a marker line, or undefined when `line` is not one. */
export function parseMarker(line: string): StopHandle | undefined {
  const match = /^\x1edeploy-(pgid|pid) ([0-9]+)\r?\n?$/.exec(line);
  if (match === null) return undefined;
  const id = Number(match[2]);
  if (!Number.isSafeInteger(id) || id <= 1) return undefined;
  return { kind: match[1] === 'pgid' ? 'group' : 'process', id };
}
