import { matchHostname, matchPatternList } from '../host-pattern.js';
import { NeedsOpenSsh, SshConfigError, atLine } from './errors.js';
import { type ConfigLine, strdelim } from './lines.js';

/** What `Match` criteria are tested against, at the point of the config where the line is. */
export interface MatchContext {
  /** HostName so far (its %h expanded from the original host), else the host as given. */
  host: string;
  /** The host as given (ssh's host_arg). */
  originalHost: string;
  /** User so far (ssh_user, or the first User obtained), else the local user. */
  user: string;
  localUser: string;
}

/**
 * Evaluate a `Match` line the way OpenSSH 9's match_cfg_line does: criteria are ANDed left to
 * right, `!` negates one, `all` must stand alone. `exec` (when reached), `final`, and criteria
 * deploy does not know throw NeedsOpenSsh; a malformed line throws SshConfigError.
 */
export function evaluateMatch(line: ConfigLine, context: MatchContext): boolean {
  const words = matchWords(line.rest);
  let result = true;
  let attributes = 0;
  for (let i = 0; i < words.length; i += 1) {
    const word = words[i]!;
    if (word === '' || word.startsWith('#')) break;
    const negate = word.startsWith('!');
    const attribute = (negate ? word.slice(1) : word).toLowerCase();
    if (attribute === 'all') {
      const after = words[i + 1];
      if (attributes > 1 || (after !== undefined && after !== '' && !after.startsWith('#'))) {
        throw new SshConfigError(atLine(line, `'${word}' cannot be combined with other Match attributes`));
      }
      return result && !negate;
    }
    attributes += 1;
    if (attribute === 'final') throw new NeedsOpenSsh(atLine(line, '`Match final` (a second pass over the config)'));
    if (attribute === 'canonical') {
      // First pass, no canonicalization: "canonical" is false.
      if (!negate) result = false;
      continue;
    }
    const argument = words[i + 1];
    if (argument === undefined || argument === '' || argument.startsWith('#')) {
      throw new SshConfigError(atLine(line, `Missing Match criteria for ${attribute}`));
    }
    i += 1;
    let matched: boolean;
    switch (attribute) {
      case 'host':
        matched = matchHostname(context.host, argument);
        break;
      case 'originalhost':
        matched = matchHostname(context.originalHost, argument);
        break;
      case 'user':
        matched = matchPatternList(context.user, argument, false) === 1;
        break;
      case 'localuser':
        matched = matchPatternList(context.localUser, argument, false) === 1;
        break;
      case 'exec':
        if (!result) continue; // ssh skips the command once a criterion failed
        throw new NeedsOpenSsh(atLine(line, '`Match exec` (a command to run)'));
      default:
        throw new NeedsOpenSsh(atLine(line, `Match criterion "${attribute}"`));
    }
    if (matched === negate) result = false;
  }
  if (attributes === 0) throw new SshConfigError(atLine(line, 'One or more attributes required for Match'));
  return result;
}

/** The words of a Match line, split as strdelim splits them; an open quote ends the list. */
function matchWords(rest: string): string[] {
  const words: string[] = [];
  let pos = 0;
  while (pos < rest.length) {
    const next = strdelim(rest, pos);
    if (next === undefined) break;
    words.push(next.word);
    if (next.next <= pos) break;
    pos = next.next;
  }
  return words;
}
