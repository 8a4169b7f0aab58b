/** Characters with a meaning in RE2 syntax. */
const REGEX_SPECIAL = /[\\.+*?()|[\]{}^$]/g;

/** A regular expression matching exactly these names (`mw01|mw02\.eqiad`), plain: for a check to quote. */
export function plainRegex(names: readonly string[]): string {
  return names.map((name) => name.replace(REGEX_SPECIAL, '\\$&')).join('|');
}

/**
 * A regular expression matching exactly these names (`mw01|mw02\\.eqiad`), written to sit inside
 * a PromQL double-quoted string: regex-escaped, then backslashes and quotes escaped for the string.
 */
export function canaryRegex(names: readonly string[]): string {
  return plainRegex(names).replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}
