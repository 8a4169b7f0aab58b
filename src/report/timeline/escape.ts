import { oneLine, visible } from '../../lib/text.js';

/**
 * Recorded text (host names, messages, errors) as one visible line: control characters shown
 * as escapes (the one `visible` of src/lib), line breaks folded, and a lone surrogate or a
 * noncharacter replaced by U+FFFD so that an XML parser never sees one raw.
 */
export function label(text: string): string {
  return visible(oneLine(text)).replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|[\ufffe\uffff]/g, '\ufffd');
}

const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text safe inside an XML element or a quoted attribute. */
export function xml(text: string): string {
  return label(text).replace(/[&<>"']/g, (char) => XML_ENTITIES[char] as string);
}

/** Cut to `width` characters, ending with `…` when cut. */
export function clip(text: string, width: number): string {
  if (width <= 0) return '';
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}
