/**
 * A tiny XML writer for S3's fixed answer shapes. S3 answers are a closed set
 * of simple documents (no attributes except the root namespace and one
 * xsi:type), so plain string building with one escaping function is faster
 * and more predictable than a generic object-to-XML mapper.
 */

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

const PROLOG = '<?xml version="1.0" encoding="UTF-8"?>\n';

// Characters XML 1.0 cannot carry literally. S3 answers them as numeric
// character references (its documented behaviour for keys with control
// characters); the five markup characters get their named entities.
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /[&<>"'\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const NAMED: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function escapeXml(text: string): string {
  return text.replace(NEEDS_ESCAPE, (c) => NAMED[c] ?? `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`);
}

/** `<name>text</name>`, or nothing when the value is absent. */
export function leaf(name: string, value: string | number | boolean | undefined | null): string {
  if (value === undefined || value === null) return '';
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** `<name>…children…</name>` from already-written children. */
export function node(name: string, ...children: string[]): string {
  return `<${name}>${children.join('')}</${name}>`;
}

/** A whole answer: prolog, and S3's namespace on the root element only. */
export function document(root: string, ...children: string[]): string {
  return `${PROLOG}<${root} xmlns="${S3_XMLNS}">${children.join('')}</${root}>`;
}
