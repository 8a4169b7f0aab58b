/** `1 host`, `2 hosts`: a count with its noun. */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** One line: every run of line breaks (and the blanks around it) becomes one space. */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** The last line of a command's output, blanks around it trimmed ('' for none): where rsync and the host scripts say why they stopped. */
export function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}

/**
 * Text from a host or a check, safe to print: control characters (ESC, bare CR, BEL, DEL, C1
 * controls ...) are shown as `\xNN` escapes; newline and tab pass through. An escape byte
 * never reaches the terminal raw, so remote output cannot clear the screen, set the window
 * title or write to the clipboard.
 */
export function visible(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
