/** An element of a parsed document: enough to check structure, attributes and text. */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = '[A-Za-z_][\\w.:-]*';
const ATTRIBUTE = new RegExp(`\\s+(${NAME})\\s*=\\s*"([^"<]*)"`, 'y');
const ENTITY = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;
// XML 1.0 chars: tab, LF, CR, U+0020..U+D7FF, U+E000..U+FFFD, astral pairs.
const BAD_CHAR = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\ud800-\udfff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function decode(raw: string, where: string): string {
  if (BAD_CHAR.test(raw)) throw new Error(`character not allowed in XML in ${where}: ${JSON.stringify(raw)}`);
  if (/&/.test(raw.replace(ENTITY, ''))) throw new Error(`bare & in ${where}: ${JSON.stringify(raw)}`);
  return raw.replace(ENTITY, (entity) => {
    const named: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&apos;': "'" };
    if (named[entity]) return named[entity] as string;
    const code = entity.startsWith('&#x') ? parseInt(entity.slice(3, -1), 16) : parseInt(entity.slice(2, -1), 10);
    return String.fromCodePoint(code);
  });
}

/**
 * A strict little XML parser for the SVG we write (no DTD, CDATA or processing instructions
 * beyond the XML declaration): throws on anything not well-formed — unbalanced or crossed tags,
 * unquoted or duplicate attributes, a bare `&` or `<`, characters XML forbids, text outside the
 * root, more than one root.
 */
export function parseXml(source: string): XmlElement {
  let at = 0;
  const declaration = /^<\?xml\s[^?]*\?>\s*/.exec(source);
  if (declaration) at = declaration[0].length;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (at < source.length) {
    if (source.startsWith('<!--', at)) {
      const end = source.indexOf('-->', at + 4);
      if (end < 0) throw new Error('unterminated comment');
      at = end + 3;
      continue;
    }
    if (source[at] === '<') {
      const close = new RegExp(`</(${NAME})\\s*>`, 'y');
      close.lastIndex = at;
      const closing = close.exec(source);
      if (closing) {
        const open = stack.pop();
        if (open?.name !== closing[1]) throw new Error(`</${closing[1]}> closes <${open?.name ?? 'nothing'}> at ${at}`);
        at = close.lastIndex;
        continue;
      }
      const start = new RegExp(`<(${NAME})`, 'y');
      start.lastIndex = at;
      const opening = start.exec(source);
      if (!opening) throw new Error(`bad tag at ${at}: ${source.slice(at, at + 30)}`);
      const element: XmlElement = { name: opening[1] as string, attributes: {}, children: [], text: '' };
      at = start.lastIndex;
      for (;;) {
        ATTRIBUTE.lastIndex = at;
        const attribute = ATTRIBUTE.exec(source);
        if (!attribute) break;
        const [, name, value] = attribute as unknown as [string, string, string];
        if (name in element.attributes) throw new Error(`duplicate attribute ${name} on <${element.name}>`);
        element.attributes[name] = decode(value, `attribute ${name}`);
        at = ATTRIBUTE.lastIndex;
      }
      const end = /\s*(\/?)>/y;
      end.lastIndex = at;
      const ending = end.exec(source);
      if (!ending) throw new Error(`bad attributes on <${element.name}> at ${at}: ${source.slice(at, at + 30)}`);
      at = end.lastIndex;
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(element);
      else if (root) throw new Error(`second root <${element.name}>`);
      else root = element;
      if (ending[1] !== '/') stack.push(element);
      continue;
    }
    const next = source.indexOf('<', at);
    const raw = source.slice(at, next < 0 ? source.length : next);
    const current = stack[stack.length - 1];
    if (current) current.text += decode(raw, `<${current.name}>`);
    else if (raw.trim() !== '') throw new Error(`text outside the root: ${JSON.stringify(raw.slice(0, 30))}`);
    if (raw.includes('>') && /]]>/.test(raw)) throw new Error(']]> in text');
    at = next < 0 ? source.length : next;
  }
  if (stack.length > 0) throw new Error(`<${stack[stack.length - 1]?.name}> is never closed`);
  if (!root) throw new Error('no root element');
  return root;
}

/** Every element under (and including) `element`, depth first. */
export function allElements(element: XmlElement): XmlElement[] {
  return [element, ...element.children.flatMap(allElements)];
}
