import { S3Error } from '../xml/s3-error';
import { parseHttpDate } from './http-date';

/** What a condition is evaluated against: the object as it is now. */
export interface ConditionTarget {
  etag: string;
  lastModified: Date;
}

export interface ConditionHeaders {
  ifMatch?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
  ifUnmodifiedSince?: string;
}

/** Strips quotes and a weak `W/` prefix: S3 clients send ETags quoted or bare. */
export function normaliseEtag(etag: string): string {
  let e = etag.trim();
  if (e.startsWith('W/')) e = e.slice(2);
  if (e.length >= 2 && e.startsWith('"') && e.endsWith('"')) e = e.slice(1, -1);
  return e;
}

/** Whether an If-Match / If-None-Match list (`*`, or comma-separated ETags) names this ETag. */
export function etagListMatches(list: string, etag: string): boolean {
  const target = normaliseEtag(etag);
  return list.split(',').some((item) => {
    const t = item.trim();
    return t === '*' || (t !== '' && normaliseEtag(t) === target);
  });
}

/** HTTP dates have second precision: compare whole seconds. */
function seconds(d: Date): number {
  return Math.floor(d.getTime() / 1000);
}

/**
 * Evaluates read preconditions (GetObject, HeadObject) with S3's precedence
 * (RFC 7232's): If-Match decides alone when present (a match makes
 * If-Unmodified-Since irrelevant); else a false If-Unmodified-Since → 412.
 * Then If-None-Match decides alone when present (a match → 304); else a
 * true If-Modified-Since → 304. Unparseable dates are ignored, as HTTP says.
 * Returns `not-modified` (the door answers 304 without a body) or
 * `proceed`; throws PreconditionFailed (412).
 */
export function evaluateReadConditions(h: ConditionHeaders, target: ConditionTarget): 'proceed' | 'not-modified' {
  if (h.ifMatch !== undefined) {
    if (!etagListMatches(h.ifMatch, target.etag)) throw new S3Error('PreconditionFailed', undefined, undefined, { Condition: 'If-Match' });
  } else if (h.ifUnmodifiedSince !== undefined) {
    const d = parseHttpDate(h.ifUnmodifiedSince);
    if (d && seconds(target.lastModified) > seconds(d)) throw new S3Error('PreconditionFailed', undefined, undefined, { Condition: 'If-Unmodified-Since' });
  }
  if (h.ifNoneMatch !== undefined) {
    if (etagListMatches(h.ifNoneMatch, target.etag)) return 'not-modified';
  } else if (h.ifModifiedSince !== undefined) {
    const d = parseHttpDate(h.ifModifiedSince);
    if (d && seconds(target.lastModified) <= seconds(d)) return 'not-modified';
  }
  return 'proceed';
}

/** The read conditions of a request's headers. */
export function readConditionHeaders(headers: Readonly<Record<string, string | undefined>>): ConditionHeaders {
  return {
    ifMatch: headers['if-match'],
    ifNoneMatch: headers['if-none-match'],
    ifModifiedSince: headers['if-modified-since'],
    ifUnmodifiedSince: headers['if-unmodified-since'],
  };
}

/** CopyObject's x-amz-copy-source-if-* conditions on the source. */
export function copySourceConditionHeaders(headers: Readonly<Record<string, string | undefined>>): ConditionHeaders {
  return {
    ifMatch: headers['x-amz-copy-source-if-match'],
    ifNoneMatch: headers['x-amz-copy-source-if-none-match'],
    ifModifiedSince: headers['x-amz-copy-source-if-modified-since'],
    ifUnmodifiedSince: headers['x-amz-copy-source-if-unmodified-since'],
  };
}

/**
 * CopyObject's source conditions: the same precedence, but a copy never
 * answers 304: every failed condition is PreconditionFailed.
 */
export function evaluateCopySourceConditions(h: ConditionHeaders, source: ConditionTarget): void {
  if (evaluateReadConditions(h, source) === 'not-modified') {
    throw new S3Error('PreconditionFailed', undefined, undefined, { Condition: h.ifNoneMatch !== undefined ? 'x-amz-copy-source-If-None-Match' : 'x-amz-copy-source-If-Modified-Since' });
  }
}

/**
 * Conditional writes (PutObject, CopyObject's destination): `If-None-Match: *`
 * fails when the key exists; `If-Match` fails when it does not match, and
 * answers NoSuchKey when there is no object (as S3 does).
 */
export function evaluateWriteConditions(headers: Readonly<Record<string, string | undefined>>, current: ConditionTarget | undefined): void {
  const ifNoneMatch = headers['if-none-match'];
  const ifMatch = headers['if-match'];
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() !== '*') throw new S3Error('NotImplemented', 'Conditional writes support If-None-Match: * only.');
    if (current) throw new S3Error('PreconditionFailed', undefined, undefined, { Condition: 'If-None-Match' });
  }
  if (ifMatch !== undefined) {
    if (!current) throw new S3Error('NoSuchKey');
    if (!etagListMatches(ifMatch, current.etag)) throw new S3Error('PreconditionFailed', undefined, undefined, { Condition: 'If-Match' });
  }
}
