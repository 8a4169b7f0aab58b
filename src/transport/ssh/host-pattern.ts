/**
 * OpenSSH-style host patterns, shared by ssh_config `Host` lines and known_hosts entries:
 * `*` matches any run of characters, `?` exactly one, `!pattern` excludes.
 */

/** True when `text` matches the wildcard `pattern` (`*`, `?`), ignoring case. */
export function matchWildcard(text: string, pattern: string): boolean {
  const t = text.toLowerCase();
  const p = pattern.toLowerCase();
  // Iterative glob match with backtracking on the last `*`.
  let ti = 0;
  let pi = 0;
  let starPi = -1;
  let starTi = 0;
  while (ti < t.length) {
    const pc = p[pi];
    if (pc === '?' || (pc !== undefined && pc !== '*' && pc === t[ti])) {
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
  while (p[pi] === '*') pi += 1;
  return pi === p.length;
}

/**
 * Match `text` against a list of patterns the way OpenSSH does: no match if any negated
 * pattern matches, otherwise a match if any plain pattern matches.
 */
export function matchPatternList(text: string, patterns: readonly string[]): boolean {
  let matched = false;
  for (const pattern of patterns) {
    if (pattern.startsWith('!')) {
      if (matchWildcard(text, pattern.slice(1))) return false;
    } else if (matchWildcard(text, pattern)) {
      matched = true;
    }
  }
  return matched;
}
