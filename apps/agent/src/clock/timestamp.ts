/**
 * An ingress timestamp: (wall time ms, counter, service id), totally ordered
 * across agents. Written as a fixed-width string so that the string order is
 * the timestamp order and it can be stored and compared anywhere (backend
 * metadata, the sqlite index, HTTP headers) without parsing.
 *
 *   0001732300000000.000017.agent-a
 *   ^ ms, 16 digits  ^ counter, 6 digits  ^ service id
 */
export type Timestamp = string;

const MS_DIGITS = 16;
const COUNTER_DIGITS = 6;
export const MAX_COUNTER = 10 ** COUNTER_DIGITS - 1;
const PATTERN = /^(\d{16})\.(\d{6})\.([^\s]+)$/;
/** The shape of a timestamp (string order = time order). */
export const PATTERN_OF_TIMESTAMP: RegExp = PATTERN;

export interface TimestampParts {
  ms: number;
  counter: number;
  serviceId: string;
}

export function formatTimestamp(parts: TimestampParts): Timestamp {
  return (
    String(parts.ms).padStart(MS_DIGITS, '0') +
    '.' +
    String(parts.counter).padStart(COUNTER_DIGITS, '0') +
    '.' +
    parts.serviceId
  );
}

export function parseTimestamp(value: string): TimestampParts {
  const m = PATTERN.exec(value);
  if (!m) throw new Error(`malformed timestamp: ${JSON.stringify(value)}`);
  return { ms: Number(m[1]), counter: Number(m[2]), serviceId: m[3] };
}

export function isTimestamp(value: unknown): value is Timestamp {
  return typeof value === 'string' && PATTERN.test(value);
}

/** Negative when a is older than b, 0 when equal, positive when newer. */
export function compareTimestamps(a: Timestamp, b: Timestamp): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The largest time a JavaScript Date can hold (±8.64e15 ms); 16-digit timestamps can exceed it. */
const MAX_DATE_MS = 8.64e15;

/**
 * The wall time of a timestamp as a Date that is always valid, for display
 * (listings, Last-Modified): a stored timestamp is data from outside and
 * `toISOString` throws on an out-of-range Date, which must never turn a
 * listing into a 500. Out-of-range values are clamped.
 */
export function timestampDate(ts: Timestamp): Date {
  const m = PATTERN.exec(ts);
  const ms = m ? Number(m[1]) : 0;
  return new Date(Math.min(Math.max(ms, 0), MAX_DATE_MS));
}
