/**
 * Layout of MCOS data on a backend. Every key starts with a one-letter
 * namespace so that container records and objects can never collide, and the
 * account (user name) and container come first so that a backend listing by
 * prefix walks one container.
 *
 *   c/<account>/<container>            container record (empty body)
 *   o/<account>/<container>/<object>   object replica (object may contain '/')
 *
 * Account and container names never contain '/', so the split is unambiguous.
 */
export type EntryKind = 'object' | 'container';

export interface ObjectAddress {
  account: string;
  container: string;
  name: string;
}

export interface ContainerAddress {
  account: string;
  container: string;
}

export function objectKey(a: ObjectAddress): string {
  return `o/${a.account}/${a.container}/${a.name}`;
}

export function containerKey(a: ContainerAddress): string {
  return `c/${a.account}/${a.container}`;
}

export type ParsedKey =
  | ({ kind: 'object' } & ObjectAddress)
  | ({ kind: 'container' } & ContainerAddress);

/** Parses a backend key written by MCOS; undefined for anything else. */
export function parseKey(key: string): ParsedKey | undefined {
  const parts = key.split('/');
  if (parts[0] === 'c' && parts.length === 3 && parts[1] && parts[2]) {
    return { kind: 'container', account: parts[1], container: parts[2] };
  }
  if (parts[0] === 'o' && parts.length >= 4 && parts[1] && parts[2]) {
    const name = parts.slice(3).join('/');
    if (name) return { kind: 'object', account: parts[1], container: parts[2], name };
  }
  return undefined;
}

/**
 * Orders names by Unicode code point, which is the byte order of their UTF-8
 * form: the order sqlite (BINARY collation) and the backends list in.
 * JavaScript's `<` orders by UTF-16 code unit, which differs above U+FFFF.
 */
export function compareNames(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(i)!;
    if (ca !== cb) return ca - cb;
    if (ca > 0xffff) i++;
  }
  return a.length - b.length;
}
