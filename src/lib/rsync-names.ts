const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * rsync (LC_ALL=C) prints every byte outside printable ASCII, and a `\` before `#`, as `\#ooo`:
 * the bytes of the name, decoded as UTF-8; undefined when they are not UTF-8.
 */
export function decodeRsyncName(name: string): string | undefined {
  if (!name.includes('\\#')) return name;
  const parts: Buffer[] = [];
  let last = 0;
  for (const match of name.matchAll(/\\#([0-7]{3})/g)) {
    parts.push(Buffer.from(name.slice(last, match.index), 'utf8'), Buffer.from([Number.parseInt(match[1] ?? '0', 8)]));
    last = match.index + match[0].length;
  }
  parts.push(Buffer.from(name.slice(last), 'utf8'));
  try {
    return utf8.decode(Buffer.concat(parts));
  } catch {
    return undefined;
  }
}

/** A name as rsync printed it, decoded (decodeRsyncName), or as printed when its bytes are not UTF-8. */
export function readRsyncName(name: string): string {
  return decodeRsyncName(name) ?? name;
}
