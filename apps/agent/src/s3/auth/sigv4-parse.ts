import type { S3Request } from '../s3-request';
import { S3Error } from '../xml/s3-error';
import { parseHttpDate } from '../request/http-date';
import { parseQuery, type QueryParam } from './canonical-request';

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';
/** S3's limit on X-Amz-Expires: seven days. */
export const MAX_PRESIGNED_EXPIRES_SECONDS = 604800;

export interface SigV4Scope {
  accessKeyId: string;
  /** YYYYMMDD */
  date: string;
  region: string;
  service: string;
  /** date/region/service/aws4_request */
  scope: string;
}

/** A SigV4 request's authentication, parsed and checked for shape (not yet verified). */
export interface ParsedSigV4 {
  kind: 'header' | 'presigned';
  credential: SigV4Scope;
  signedHeaders: string[];
  /** Lower-case hex, 64 characters. */
  signature: string;
  /** ISO 8601 basic: YYYYMMDDTHHMMSSZ */
  amzDate: string;
  /** amzDate as epoch milliseconds. */
  timeMs: number;
  /** Presigned only: X-Amz-Expires in seconds. */
  expiresSeconds?: number;
  params: QueryParam[];
}

const MAX_AUTH_HEADER = 8192;
const MAX_SIGNED_HEADERS = 128;
const HEX64 = /^[0-9a-fA-F]{64}$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
// Any region is accepted; it only has to be something a signer could have put in a scope.
const REGION = /^[A-Za-z0-9_.:-]{1,64}$/;

const V2_MESSAGE =
  'AWS Signature Version 2 is not supported: sign requests with AWS Signature Version 4 (AWS4-HMAC-SHA256).';

function malformed(kind: 'header' | 'presigned', message: string): S3Error {
  return kind === 'header'
    ? new S3Error('AuthorizationHeaderMalformed', message)
    : new S3Error('AuthorizationQueryParametersError', message);
}

/** Parses ISO 8601 basic (`20130524T000000Z`) to epoch ms, or undefined. */
export function parseAmzDate(value: string): number | undefined {
  const m = AMZ_DATE.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  // Reject dates Date.UTC silently rolled over (month 13, 25:61:61, Feb 30).
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || back.getUTCHours() !== h || back.getUTCMinutes() !== mi || back.getUTCSeconds() !== s) {
    return undefined;
  }
  return ms;
}

export function formatAmzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function parseCredential(kind: 'header' | 'presigned', value: string): SigV4Scope {
  const parts = value.split('/');
  if (parts.length !== 5) throw malformed(kind, `The credential '${value}' is not of the form <key>/<date>/<region>/s3/aws4_request.`);
  const [accessKeyId, date, region, service, terminator] = parts;
  if (accessKeyId === '' || accessKeyId.length > 128) throw malformed(kind, 'The access key in the credential is empty or too long.');
  if (!/^\d{8}$/.test(date)) throw malformed(kind, `Invalid credential date '${date}': it must be in YYYYMMDD format.`);
  if (!REGION.test(region)) throw malformed(kind, `The region '${region}' in the credential is not valid.`);
  if (service !== 's3') throw malformed(kind, `The credential names the service '${service}'; this endpoint is 's3'.`);
  if (terminator !== 'aws4_request') throw malformed(kind, `The credential must end in 'aws4_request', not '${terminator}'.`);
  return { accessKeyId, date, region, service, scope: `${date}/${region}/${service}/aws4_request` };
}

function parseSignedHeaders(kind: 'header' | 'presigned', value: string): string[] {
  const names = value.split(';');
  if (names.length > MAX_SIGNED_HEADERS) throw malformed(kind, 'Too many signed headers.');
  for (const n of names) {
    if (!HEADER_NAME.test(n)) throw malformed(kind, `The signed header name '${n}' is not a lower-case header name.`);
  }
  if (!names.includes('host')) throw malformed(kind, "The signed headers must include 'host'.");
  return names;
}

function parseSignature(kind: 'header' | 'presigned', value: string): string {
  if (!HEX64.test(value)) throw malformed(kind, 'The signature must be 64 hexadecimal characters.');
  return value.toLowerCase();
}

/** The `Date` header (an HTTP date), the fall-back when a header-signed request has no x-amz-date. */
function dateHeaderMs(value: string): number | undefined {
  return parseHttpDate(value)?.getTime();
}

function parseHeaderAuth(req: S3Request, value: string, params: QueryParam[]): ParsedSigV4 {
  if (value.length > MAX_AUTH_HEADER) throw malformed('header', 'The Authorization header is too long.');
  const space = value.indexOf(' ');
  const fields: Record<string, string> = {};
  for (const part of value.slice(space + 1).split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq <= 0) throw malformed('header', `The Authorization header component '${item.slice(0, 64)}' is not of the form name=value.`);
    const name = item.slice(0, eq);
    if (name in fields) throw malformed('header', `The Authorization header names ${name} twice.`);
    fields[name] = item.slice(eq + 1);
  }
  for (const need of ['Credential', 'SignedHeaders', 'Signature']) {
    if (fields[need] === undefined) throw malformed('header', `The Authorization header is missing ${need}.`);
  }
  const credential = parseCredential('header', fields.Credential);
  const signedHeaders = parseSignedHeaders('header', fields.SignedHeaders);
  const signature = parseSignature('header', fields.Signature);

  let amzDate = req.headers['x-amz-date'];
  let timeMs: number | undefined;
  if (amzDate !== undefined) {
    timeMs = parseAmzDate(amzDate.trim());
    amzDate = amzDate.trim();
  } else if (req.headers['date'] !== undefined) {
    timeMs = dateHeaderMs(req.headers['date']);
    if (timeMs !== undefined) amzDate = formatAmzDate(timeMs);
  }
  if (amzDate === undefined || timeMs === undefined) {
    throw new S3Error('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
  }
  if (amzDate.slice(0, 8) !== credential.date) {
    throw malformed('header', `Invalid credential date '${credential.date}': it is not the date of the request (${amzDate.slice(0, 8)}).`);
  }
  return { kind: 'header', credential, signedHeaders, signature, amzDate, timeMs, params };
}

function parsePresigned(params: QueryParam[]): ParsedSigV4 {
  const get = (name: string): string => {
    const found = params.filter((p) => p.name === name);
    if (found.length === 0) throw malformed('presigned', `Query-string authentication requires the ${name} parameter.`);
    if (found.length > 1) throw malformed('presigned', `The ${name} parameter is given more than once.`);
    return found[0].value;
  };
  const algorithm = get('X-Amz-Algorithm');
  if (algorithm !== SIGV4_ALGORITHM) {
    throw malformed('presigned', `X-Amz-Algorithm only supports "${SIGV4_ALGORITHM}".`);
  }
  const credential = parseCredential('presigned', get('X-Amz-Credential'));
  const amzDate = get('X-Amz-Date');
  const timeMs = parseAmzDate(amzDate);
  if (timeMs === undefined) throw malformed('presigned', 'X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd\'T\'HHmmss\'Z\'".');
  if (amzDate.slice(0, 8) !== credential.date) {
    throw malformed('presigned', `Invalid credential date '${credential.date}': it is not the date of X-Amz-Date.`);
  }
  const expiresRaw = get('X-Amz-Expires');
  if (!/^\d{1,7}$/.test(expiresRaw) || Number(expiresRaw) < 1) throw malformed('presigned', 'X-Amz-Expires should be a positive number of seconds.');
  const expiresSeconds = Number(expiresRaw);
  if (expiresSeconds > MAX_PRESIGNED_EXPIRES_SECONDS) {
    throw malformed('presigned', `X-Amz-Expires must be less than a week (in seconds) that is ${MAX_PRESIGNED_EXPIRES_SECONDS}.`);
  }
  const signedHeaders = parseSignedHeaders('presigned', get('X-Amz-SignedHeaders'));
  const signature = parseSignature('presigned', get('X-Amz-Signature'));
  return { kind: 'presigned', credential, signedHeaders, signature, amzDate, timeMs, expiresSeconds, params };
}

/**
 * Finds and parses the request's SigV4 authentication, from the
 * Authorization header or a presigned URL's query. Anonymous requests,
 * Signature Version 2 and other schemes are refused with a clear S3 error;
 * nothing here throws anything but an S3Error.
 */
export function parseSigV4(req: S3Request): ParsedSigV4 {
  const params = parseQuery(req.query);
  const header = req.headers['authorization'];
  const queryAlgorithm = params.some((p) => p.name === 'X-Amz-Algorithm');
  if (header !== undefined) {
    if (queryAlgorithm) {
      throw new S3Error(
        'InvalidArgument',
        'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
        undefined,
        { ArgumentName: 'Authorization', ArgumentValue: 'SigV4' },
      );
    }
    const scheme = header.slice(0, Math.max(0, header.indexOf(' ')));
    if (scheme === SIGV4_ALGORITHM) return parseHeaderAuth(req, header, params);
    if (scheme === 'AWS') throw new S3Error('AccessDenied', V2_MESSAGE);
    if (scheme.startsWith('AWS4-')) throw new S3Error('NotImplemented', `The authorization algorithm ${scheme} is not supported; use ${SIGV4_ALGORITHM}.`);
    throw malformed('header', 'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.');
  }
  if (queryAlgorithm) return parsePresigned(params);
  if (params.some((p) => p.name === 'AWSAccessKeyId' || p.name === 'Signature')) throw new S3Error('AccessDenied', V2_MESSAGE);
  throw new S3Error('AccessDenied', 'Anonymous access is not allowed: sign the request with AWS Signature Version 4.');
}
