/**
 * HTTP dates. S3 answers Last-Modified (and the other date headers) in the
 * RFC 1123 form `Sun, 06 Nov 1994 08:49:37 GMT`; requests may use any of
 * the three forms HTTP allows.
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MON = '(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
const RFC1123 = new RegExp(`^${DAY}, (\\d{2}) ${MON} (\\d{4}) ${TIME} GMT$`);
const RFC850 = new RegExp(`^${LONG_DAY}, (\\d{2})-${MON}-(\\d{2}) ${TIME} GMT$`);
const ASCTIME = new RegExp(`^${DAY} ${MON} ([ \\d]\\d) ${TIME} (\\d{4})$`);

export function formatHttpDate(d: Date): string {
  // toUTCString() is RFC 1123 (IMF-fixdate) in every supported Node.
  return d.toUTCString();
}

function build(y: number, mon: string, d: number, h: number, mi: number, s: number): Date | undefined {
  const month = MONTHS.indexOf(mon);
  const ms = Date.UTC(y, month, d, h, mi, s);
  const back = new Date(ms);
  if (back.getUTCDate() !== d || back.getUTCMonth() !== month || h > 23 || mi > 59 || s > 60) return undefined;
  return back;
}

/** Parses an HTTP date in any of its three forms; undefined when it is none (callers then ignore the header). */
export function parseHttpDate(value: string): Date | undefined {
  const v = value.trim();
  let m = RFC1123.exec(v);
  if (m) return build(Number(m[3]), m[2], Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  m = RFC850.exec(v);
  if (m) {
    // Two-digit years: RFC 7231 says within 50 years of now; 70-99 → 19xx is the usual reading.
    const yy = Number(m[3]);
    return build(yy < 70 ? 2000 + yy : 1900 + yy, m[2], Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  }
  m = ASCTIME.exec(v);
  if (m) return build(Number(m[6]), m[1], Number(m[2].trim()), Number(m[3]), Number(m[4]), Number(m[5]));
  return undefined;
}
