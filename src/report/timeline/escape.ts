/**
 * Recorded text (host names, messages, errors) with its control characters made visible, as
 * `cat -v` does: an escape byte is `^[`, DEL is `^?`, a C1 control is `?`; a lone surrogate or a
 * noncharacter becomes U+FFFD. Neither a terminal nor an XML parser ever sees one raw.
 */
export function visible(text: string): string {
  return text
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|[\ufffe\uffff]/g, '\ufffd')
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, (char) => {
      const code = char.charCodeAt(0);
      if (code < 0x20) return `^${String.fromCharCode(code + 0x40)}`;
      return code === 0x7f ? '^?' : '?';
    });
}

const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text safe inside an XML element or a quoted attribute. */
export function xml(text: string): string {
  return visible(text).replace(/[&<>"']/g, (char) => XML_ENTITIES[char] as string);
}

/** Cut to `width` characters, ending with `…` when cut. */
export function clip(text: string, width: number): string {
  if (width <= 0) return '';
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}
