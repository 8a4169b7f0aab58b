/**
 * Host names folded into ranges, as clush's nodesets and dshbak -c write them:
 * `mw01 mw02 mw03 mw05` is `mw[01-03,05]`. Names are split at their last run of digits (before
 * a `:port`); names that share what is around it and its width fold together. Anything else
 * stays as written. The order is the first appearance of each prefix; numbers ascend.
 */
interface Parsed {
  /** What is around the number: `mw` and `.eqiad.wmnet:2222`, with the width, as one key. */
  key: string;
  prefix: string;
  suffix: string;
  digits: string;
}

function parse(name: string): Parsed | undefined {
  const port = /:\d+$/.exec(name)?.[0] ?? '';
  const base = name.slice(0, name.length - port.length);
  const match = /^(.*?)(\d+)(\D*)$/.exec(base);
  if (match === null) return undefined;
  const [, prefix = '', digits = '', rest = ''] = match;
  const suffix = `${rest}${port}`;
  return { key: `${prefix}\u0000${suffix}\u0000${digits.length}`, prefix, suffix, digits };
}

function ranges(numbers: string[]): string {
  const sorted = [...new Set(numbers)].sort((a, b) => Number(a) - Number(b));
  const parts: string[] = [];
  let start = 0;
  for (let index = 1; index <= sorted.length; index++) {
    if (index < sorted.length && Number(sorted[index]) === Number(sorted[index - 1]) + 1) continue;
    const first = sorted[start] as string;
    const last = sorted[index - 1] as string;
    parts.push(first === last ? first : `${first}-${last}`);
    start = index;
  }
  return parts.join(',');
}

/** The hosts as folded ranges, e.g. `mw[01-03,05],db1`. */
export function foldHosts(hosts: readonly string[]): string {
  const groups = new Map<string, { prefix: string; suffix: string; digits: string[] }>();
  const out: Array<string | { key: string }> = [];
  for (const host of hosts) {
    const parsed = parse(host);
    if (parsed === undefined) {
      out.push(host);
      continue;
    }
    const group = groups.get(parsed.key);
    if (group !== undefined) group.digits.push(parsed.digits);
    else {
      groups.set(parsed.key, { prefix: parsed.prefix, suffix: parsed.suffix, digits: [parsed.digits] });
      out.push({ key: parsed.key });
    }
  }
  return out
    .map((item) => {
      if (typeof item === 'string') return item;
      const group = groups.get(item.key)!;
      const folded = ranges(group.digits);
      return folded.includes(',') || folded.includes('-') ? `${group.prefix}[${folded}]${group.suffix}` : `${group.prefix}${folded}${group.suffix}`;
    })
    .join(',');
}

/** `text` cut to at most `width` characters at a comma, with `,…` saying more was there. */
export function clipAtComma(text: string, width: number): string {
  if (text.length <= width) return text;
  const cut = text.lastIndexOf(',', width - 2);
  return `${text.slice(0, cut > 0 ? cut : width - 2)},…`;
}
