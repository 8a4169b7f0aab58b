/**
 * ssh_config(5) lines, split as OpenSSH 9's readconf.c splits them: the keyword ends at
 * blanks or one `=`; the arguments are split on blanks with `"`/`'` quotes and `\` escapes,
 * and a word starting with `#` ends them. `rest` keeps the raw remainder, which is what
 * `ProxyCommand`, `ProxyJump` and `Match` read.
 */
export interface ConfigLine {
  file: string;
  /** 1-based line number in `file`. */
  line: number;
  /** Lower-cased. */
  keyword: string;
  args: string[];
  /** The text after the keyword and its separator. */
  rest: string;
  /** Set when OpenSSH would reject the line (no argument, unbalanced quotes). */
  error?: string;
}

const BLANKS = ' \t\r\n';

/** The next word of `text` from `start`, split on blanks or one `=` (OpenSSH's strdelim). */
export function strdelim(text: string, start: number): { word: string; next: number } | undefined {
  if (start >= text.length) return undefined;
  let end = start;
  while (end < text.length && !`${BLANKS}"=`.includes(text[end]!)) end += 1;
  if (end >= text.length) return { word: text.slice(start), next: text.length };
  if (text[end] === '"') {
    const close = text.indexOf('"', end + 1);
    if (close < 0) return undefined;
    const word = text.slice(start, end) + text.slice(end + 1, close);
    return { word, next: skipBlanks(text, close + 1) };
  }
  const word = text.slice(start, end);
  let next = end;
  const sawEquals = text[next] === '=';
  next = skipBlanks(text, next + 1);
  if (!sawEquals && text[next] === '=') next = skipBlanks(text, next + 1);
  return { word, next };
}

function skipBlanks(text: string, from: number): number {
  let index = from;
  while (index < text.length && BLANKS.includes(text[index]!)) index += 1;
  return index;
}

/** Split arguments like OpenSSH's argv_split(…, terminate_on_comment=1); undefined on an open quote. */
export function argvSplit(text: string): string[] | undefined {
  const words: string[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === ' ' || ch === '\t') {
      i += 1;
      continue;
    }
    if (ch === '#') break;
    let quote = '';
    let word = '';
    for (; i < text.length; i += 1) {
      const c = text[i]!;
      const after = text[i + 1];
      if (c === '\\') {
        if (after === "'" || after === '"' || after === '\\' || (quote === '' && after === ' ')) {
          i += 1;
          word += after;
        } else {
          word += c;
        }
      } else if (quote === '' && (c === ' ' || c === '\t')) {
        break;
      } else if (quote === '' && (c === '"' || c === "'")) {
        quote = c;
      } else if (quote !== '' && c === quote) {
        quote = '';
      } else {
        word += c;
      }
    }
    if (quote !== '') return undefined;
    words.push(word);
  }
  return words;
}

/** Parse one line; undefined for blank lines and comments. */
export function parseConfigLine(raw: string, file: string, line: number): ConfigLine | undefined {
  const text = raw.replace(/[ \t\r\n\f]+$/, '');
  let start = skipBlanks(text, 0);
  const first = strdelim(text, start);
  if (first === undefined || first.word === '' || first.word.startsWith('#')) return undefined;
  const keyword = first.word.toLowerCase();
  start = skipBlanks(text, first.next);
  const rest = text.slice(start);
  if (rest === '') return { file, line, keyword, args: [], rest, error: `no argument after keyword "${keyword}"` };
  const args = argvSplit(rest);
  if (args === undefined) return { file, line, keyword, args: [], rest, error: 'invalid quotes' };
  return { file, line, keyword, args, rest };
}

/** Every keyword line of a file's text. */
export function parseConfigText(text: string, file: string): ConfigLine[] {
  const lines: ConfigLine[] = [];
  text.split('\n').forEach((raw, index) => {
    const parsed = parseConfigLine(raw, file, index + 1);
    if (parsed !== undefined) lines.push(parsed);
  });
  return lines;
}
