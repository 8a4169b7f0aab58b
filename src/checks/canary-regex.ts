/** Characters with a meaning in RE2 syntax. */
const REGEX_SPECIAL = /[\\.+*?()|[\]{}^$]/g;

/**
 * A regular expression matching exactly these names (`mw01|mw02\\.eqiad`), written to sit inside
 * a PromQL double-quoted string: regex-escaped, then backslashes and quotes escaped for the string.
 */
export function canaryRegex(names: readonly string[]): string {
  const alternatives = names.map((name) => name.replace(REGEX_SPECIAL, '\\$&'));
  return alternatives.join('|').replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}
