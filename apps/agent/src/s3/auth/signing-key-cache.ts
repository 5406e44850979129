import { createHmac } from 'node:crypto';

/** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"). */
export function deriveSigningKey(secret: string, date: string, region: string, service: string): Buffer {
  const kDate = createHmac('sha256', 'AWS4' + secret).update(date).digest();
  const kRegion = createHmac('sha256', kDate).update(region).digest();
  const kService = createHmac('sha256', kRegion).update(service).digest();
  return createHmac('sha256', kService).update('aws4_request').digest();
}

/**
 * Derived signing keys, kept per (secret, date, region, service): four HMACs
 * saved on every request of a client that keeps signing with the same key on
 * the same day. Bounded (least recently used goes first) so a stream of
 * requests naming ever new regions cannot grow it without limit.
 */
export class SigningKeyCache {
  private readonly keys = new Map<string, Buffer>();

  constructor(private readonly capacity = 1024) {}

  get(secret: string, date: string, region: string, service: string): Buffer {
    // NUL cannot appear in a date, region or service that passed parsing, so the key is unambiguous.
    const id = `${date}\0${region}\0${service}\0${secret}`;
    const hit = this.keys.get(id);
    if (hit) {
      this.keys.delete(id);
      this.keys.set(id, hit);
      return hit;
    }
    const key = deriveSigningKey(secret, date, region, service);
    this.keys.set(id, key);
    if (this.keys.size > this.capacity) this.keys.delete(this.keys.keys().next().value!);
    return key;
  }

  get size(): number {
    return this.keys.size;
  }
}
