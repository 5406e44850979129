import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';

/** An Ed25519 key pair as PEM text (SPKI public, PKCS#8 private). */
export interface Ed25519KeyPair {
  publicKeyPem: string;
  privateKeyPem: string;
}

export function generateEd25519KeyPair(): Ed25519KeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** The public half of a private key, as SPKI PEM. */
export function publicKeyPemOf(privateKey: KeyObject | string): string {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  return createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString();
}

/**
 * A short, stable name for a public key: base64url of the first 12 bytes of
 * SHA-256 over its DER (SPKI) form. Different PEM spellings of one key give
 * the same id.
 *
 * @throws Error when `publicKeyPem` is not a public key.
 */
export function keyIdOf(publicKeyPem: string | KeyObject): string {
  const key = typeof publicKeyPem === 'string' ? createPublicKey(publicKeyPem) : publicKeyPem;
  const der = key.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest().subarray(0, 12).toString('base64url');
}

/** Most SPKI PEM text a caller may send us (an Ed25519 key is ~113 characters). */
export const MAX_PUBLIC_KEY_PEM_LENGTH = 1024;

/**
 * Parses an Ed25519 public key sent by someone else; undefined when it is
 * not one (wrong type, not PEM, too long). Never throws.
 */
export function parseEd25519PublicKey(pem: unknown): KeyObject | undefined {
  if (typeof pem !== 'string' || pem.length === 0 || pem.length > MAX_PUBLIC_KEY_PEM_LENGTH) return undefined;
  try {
    const key = createPublicKey(pem);
    return key.asymmetricKeyType === 'ed25519' ? key : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Parsed keys by PEM text, bounded: verifying against the same few keys all
 * day should not re-parse them on every request.
 */
export class PublicKeyCache {
  private readonly keys = new Map<string, KeyObject | null>();

  constructor(private readonly max = 1024) {}

  /** The parsed key, or undefined when `pem` is not an Ed25519 public key. */
  get(pem: string): KeyObject | undefined {
    let key = this.keys.get(pem);
    if (key === undefined) {
      key = parseEd25519PublicKey(pem) ?? null;
      if (this.keys.size >= this.max) this.keys.clear();
      this.keys.set(pem, key);
    }
    return key ?? undefined;
  }
}
