import { lstatSync, readdirSync } from 'node:fs';

/**
 * glob(3) as OpenSSH's `Include` uses it: `*`, `?` and `[...]` in any part of the path
 * (folders included), `\` escapes, names starting with `.` only matched by a pattern that
 * starts with `.`, results sorted. A path without wildcards is returned when it exists.
 * `~` must already be expanded.
 */
export function globPaths(pattern: string): string[] {
  const absolute = pattern.startsWith('/');
  const parts = pattern.split('/').filter((part) => part !== '');
  let candidates = [absolute ? '/' : ''];
  for (const part of parts) {
    const next: string[] = [];
    for (const base of candidates) {
      if (!hasMagic(part)) {
        next.push(join(base, unescape(part)));
        continue;
      }
      const matcher = componentRegExp(part);
      for (const entry of listDir(base === '' ? '.' : base)) {
        if (entry.startsWith('.') && !part.startsWith('.')) continue;
        if (matcher.test(entry)) next.push(join(base, entry));
      }
    }
    candidates = next;
  }
  return candidates.filter(exists).sort(byteOrder);
}

function join(base: string, name: string): string {
  if (base === '') return name;
  return base.endsWith('/') ? `${base}${name}` : `${base}/${name}`;
}

function byteOrder(a: string, b: string): number {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return Buffer.compare(x, y);
}

function listDir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** True when the part has an unescaped `*`, `?` or a `[` with a closing `]`. */
export function hasMagic(part: string): boolean {
  for (let i = 0; i < part.length; i += 1) {
    const ch = part[i];
    if (ch === '\\') i += 1;
    else if (ch === '*' || ch === '?') return true;
    else if (ch === '[' && classEnd(part, i) > 0) return true;
  }
  return false;
}

function unescape(part: string): string {
  return part.replace(/\\(.)/g, '$1');
}

/** Index of the `]` closing the class opened at `open`, or -1. */
function classEnd(part: string, open: number): number {
  let i = open + 1;
  if (part[i] === '!' || part[i] === '^') i += 1;
  if (part[i] === ']') i += 1;
  for (; i < part.length; i += 1) if (part[i] === ']') return i;
  return -1;
}

const REGEXP_SPECIAL = /[.*+?^${}()|[\]\\/]/g;

/** One path component's pattern as an anchored regular expression. */
export function componentRegExp(part: string): RegExp {
  let source = '';
  for (let i = 0; i < part.length; i += 1) {
    const ch = part[i]!;
    if (ch === '\\' && i + 1 < part.length) {
      i += 1;
      source += part[i]!.replace(REGEXP_SPECIAL, '\\$&');
    } else if (ch === '*') {
      source += '[^/]*';
    } else if (ch === '?') {
      source += '[^/]';
    } else if (ch === '[' && classEnd(part, i) > 0) {
      const end = classEnd(part, i);
      let body = part.slice(i + 1, end);
      let negate = false;
      if (body.startsWith('!') || body.startsWith('^')) {
        negate = true;
        body = body.slice(1);
      }
      source += `[${negate ? '^' : ''}${body.replace(/[\\\]^[]/g, '\\$&')}]`;
      i = end;
    } else {
      source += ch.replace(REGEXP_SPECIAL, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}
