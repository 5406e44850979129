import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { S3Error } from './s3-error';

/**
 * Reads the small XML documents S3 clients send (CreateBucketConfiguration,
 * Delete). Hostile input is contained before fast-xml-parser sees it: the
 * size is bounded, DOCTYPE (hence entity definitions, the "billion laughs")
 * is refused outright, the library's own entity processing is off, and the
 * five XML entities and numeric character references are decoded here with
 * a strict decoder. Every failure, including the library's own exceptions,
 * becomes MalformedXML.
 */

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false, // keys like "0123" or "true" stay strings
  trimValues: false, // S3 keys may start or end with spaces
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  maxNestedTags: 16,
});

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function malformed(detail?: string): S3Error {
  return new S3Error('MalformedXML', detail ? `The XML you provided was not well-formed or did not validate against our published schema: ${detail}` : undefined);
}

/** Decodes XML entities and character references; anything else after `&` is malformed. */
export function decodeXmlText(text: string): string {
  if (text.indexOf('&') < 0) return text;
  return text.replace(/&([^;&\s]{0,16});?/g, (whole, name: string) => {
    if (!whole.endsWith(';')) throw malformed("an '&' does not start an entity.");
    if (NAMED[name] !== undefined) return NAMED[name];
    const m = /^#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))$/.exec(name);
    if (!m) throw malformed(`unknown entity &${name.slice(0, 16)};`);
    const cp = m[1] !== undefined ? parseInt(m[1], 16) : Number(m[2]);
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw malformed('a character reference is out of range.');
    return String.fromCodePoint(cp);
  });
}

export type XmlValue = string | XmlObject | XmlValue[];
export interface XmlObject {
  [name: string]: XmlValue;
}

/** Parses a bounded XML document into plain objects; root element name → content. */
export function readXml(body: Buffer | string, maxBytes: number): XmlObject {
  const size = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  if (size > maxBytes) throw new S3Error('MaxMessageLengthExceeded', `Your request was too big: at most ${maxBytes} bytes of XML are accepted.`);
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw malformed('DOCTYPE and entity declarations are not accepted.');
  let parsed: unknown;
  try {
    if (XMLValidator.validate(text) !== true) throw malformed();
    parsed = parser.parse(text);
  } catch (e) {
    if (e instanceof S3Error) throw e;
    throw malformed();
  }
  if (parsed === null || typeof parsed !== 'object') throw malformed();
  return parsed as XmlObject;
}

/** The one child element `name` of `parent` as decoded text, or undefined. */
export function textOf(parent: XmlObject, name: string): string | undefined {
  const v = parent[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw malformed(`<${name}> must occur once and hold text.`);
  return decodeXmlText(v);
}

/** The child elements `name` of `parent` as objects (zero, one or many). */
export function elementsOf(parent: XmlObject, name: string): XmlObject[] {
  const v = parent[name];
  if (v === undefined) return [];
  const list = Array.isArray(v) ? v : [v];
  return list.map((item) => {
    if (typeof item === 'string') {
      if (item.trim() === '') return {};
      throw malformed(`<${name}> must hold elements.`);
    }
    if (Array.isArray(item)) throw malformed();
    return item;
  });
}

/** The root element, which must be `name`. */
export function rootOf(doc: XmlObject, name: string): XmlObject {
  const keys = Object.keys(doc);
  if (keys.length !== 1 || keys[0] !== name) throw malformed(`the root element must be <${name}>.`);
  const root = doc[name];
  if (typeof root === 'string') {
    if (root.trim() === '') return {};
    throw malformed();
  }
  if (Array.isArray(root)) throw malformed();
  return root;
}
