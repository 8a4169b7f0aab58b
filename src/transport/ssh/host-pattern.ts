/**
 * OpenSSH's pattern matching (match.c), shared by ssh_config `Host`/`Match` and known_hosts:
 * `*` matches any run of characters, `?` exactly one; a list is comma-separated and `!pattern`
 * excludes.
 */

/** match_pattern: `text` against one wildcard `pattern`, case-sensitive. */
export function matchPattern(text: string, pattern: string): boolean {
  // Iterative glob match with backtracking on the last `*`.
  let ti = 0;
  let pi = 0;
  let starPi = -1;
  let starTi = 0;
  while (ti < text.length) {
    const pc = pattern[pi];
    if (pc === '?' || (pc !== undefined && pc !== '*' && pc === text[ti])) {
      ti += 1;
      pi += 1;
    } else if (pc === '*') {
      starPi = pi;
      starTi = ti;
      pi += 1;
    } else if (starPi !== -1) {
      pi = starPi + 1;
      starTi += 1;
      ti = starTi;
    } else {
      return false;
    }
  }
  while (pattern[pi] === '*') pi += 1;
  return pi === pattern.length;
}

/**
 * match_pattern_list: 1 when some pattern of the comma-separated `list` matches, -1 when a
 * negated one does (which wins), 0 otherwise. `lower` lower-cases the patterns (not the text).
 */
export function matchPatternList(text: string, list: string, lower: boolean): 1 | 0 | -1 {
  let positive = false;
  for (const raw of list.split(',')) {
    const negated = raw.startsWith('!');
    let pattern = negated ? raw.slice(1) : raw;
    if (lower) pattern = pattern.toLowerCase();
    if (matchPattern(text, pattern)) {
      if (negated) return -1;
      positive = true;
    }
  }
  return positive ? 1 : 0;
}

/** match_hostname: the host, lower-cased, against a pattern list; true only for a positive match. */
export function matchHostname(host: string, list: string): boolean {
  return matchPatternList(host.toLowerCase(), list, true) === 1;
}
