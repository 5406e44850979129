/**
 * A stable serialization for signing: JSON with object keys sorted, no
 * whitespace, `undefined` members left out (as JSON.stringify does). The
 * same value always gives the same bytes, whatever order its keys were built
 * in, so a signature survives a round trip through any JSON parser.
 *
 * @throws TypeError on values JSON cannot carry faithfully (non-finite
 *   numbers, functions, symbols, bigints): a signature over them would not
 *   survive transport.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record)
        .filter((k) => record[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`;
    }
    default:
      throw new TypeError(`canonicalJson: cannot encode a ${typeof value}`);
  }
}
