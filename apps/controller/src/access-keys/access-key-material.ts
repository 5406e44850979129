import { randomBytes } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** `MCOS` + 16 base32 characters of 80 random bits: 20 characters, shaped like AWS's `AKIA…` ids. */
export function newAccessKeyId(): string {
  const bytes = randomBytes(10);
  let bits = 0;
  let value = 0;
  let out = 'MCOS';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

/** 240 random bits as 40 base64 characters (AWS secrets are 40 characters of the same alphabet). */
export function newSecretAccessKey(): string {
  return randomBytes(30).toString('base64');
}
