import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, type KeyObject, randomBytes } from 'node:crypto';
import type { SealedAccessKey, SealedAccessKeySet } from './access-keys.types';

/**
 * Sealing S3 secrets for one agent: "encrypt what travels to and is kept by
 * agents". Each answer makes an ephemeral X25519 key pair; ECDH with the
 * agent's X25519 key, then HKDF-SHA256 (random salt, info naming the agent)
 * gives one AES-256-GCM key for the answer, and every secret is encrypted
 * under it with its own random nonce and, as associated data, the key id,
 * its owner, its generation and the agent's name: a key moved to another
 * owner, another id or another agent's file does not open.
 */

const HKDF_INFO_PREFIX = 'mcos-access-keys-v1';
const AAD_PREFIX = 'mcos-access-key-v1';
const BINDING_PREFIX = 'mcos-sealing-key-v1';
const X25519_RAW_LENGTH = 32;
/** Longest secret sealed or opened (the controller makes 40-character ones). */
const MAX_SECRET_LENGTH = 128;

export interface AccessKeySecret {
  accessKeyId: string;
  owner: string;
  generation: number;
  secret: string;
}

export interface X25519KeyPair {
  publicKey: KeyObject;
  privateKey: KeyObject;
}

export function generateX25519KeyPair(): X25519KeyPair {
  return generateKeyPairSync('x25519');
}

/** The raw public key, base64url (what an agent sends as `sealingKey`). */
export function x25519PublicKeyText(key: KeyObject): string {
  const jwk = (key.type === 'public' ? key : createPublicKey(key)).export({ format: 'jwk' }) as { x?: string };
  if (typeof jwk.x !== 'string') throw new Error('not an X25519 key');
  return jwk.x;
}

/** Parses a raw X25519 public key (base64url) sent by someone else; undefined when it is not one. Never throws. */
export function parseX25519PublicKey(text: unknown): KeyObject | undefined {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(text)) return undefined;
  if (Buffer.from(text, 'base64url').length !== X25519_RAW_LENGTH) return undefined;
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: text }, format: 'jwk' });
  } catch {
    return undefined;
  }
}

/** An X25519 private key from PKCS#8 PEM; throws when it is anything else. */
export function parseX25519PrivateKey(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'x25519') throw new Error('not an X25519 private key');
  return key;
}

/**
 * What an agent signs with its Ed25519 identity key to bind its sealing key
 * to its name: an eavesdropper replaying the agent's (short-lived) assertion
 * cannot have the keys sealed to a key of its own.
 */
export function sealingKeyBindingBytes(agent: string, sealingKey: string): Buffer {
  return Buffer.from(`${BINDING_PREFIX}\0${agent}\0${sealingKey}`);
}

/** Seals `keys` for `agent` whose X25519 public key is `recipient`. */
export function sealAccessKeys(keys: AccessKeySecret[], recipient: KeyObject, agent: string, version: number): SealedAccessKeySet {
  const ephemeral = generateX25519KeyPair();
  const salt = randomBytes(16);
  const aesKey = deriveKey(diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient }), salt, agent);
  return {
    version,
    agent,
    ephemeralKey: x25519PublicKeyText(ephemeral.publicKey),
    salt: salt.toString('base64url'),
    keys: keys.map((key) => {
      if (key.secret.length > MAX_SECRET_LENGTH) throw new Error(`secret of ${key.accessKeyId} too long`);
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', aesKey, iv);
      cipher.setAAD(associatedData(agent, key));
      const sealed = Buffer.concat([cipher.update(key.secret, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return { accessKeyId: key.accessKeyId, owner: key.owner, generation: key.generation, iv: iv.toString('base64url'), sealed: sealed.toString('base64url') };
    }),
  };
}

/**
 * Opens every key of a set sealed for `agent`.
 *
 * @throws Error the set is malformed, sealed for another agent or key, or any
 *   key was changed (the whole set is refused: it is one answer).
 */
export function openAccessKeys(set: SealedAccessKeySet, privateKey: KeyObject, agent: string): AccessKeySecret[] {
  if (!isSealedSet(set)) throw new Error('malformed sealed access key set');
  if (set.agent !== agent) throw new Error(`access keys sealed for ${JSON.stringify(set.agent)}, not ${JSON.stringify(agent)}`);
  const ephemeral = parseX25519PublicKey(set.ephemeralKey);
  if (!ephemeral) throw new Error('malformed ephemeral key');
  const aesKey = deriveKey(diffieHellman({ privateKey, publicKey: ephemeral }), Buffer.from(set.salt, 'base64url'), agent);
  return set.keys.map((key) => {
    const iv = Buffer.from(key.iv, 'base64url');
    const sealed = Buffer.from(key.sealed, 'base64url');
    if (iv.length !== 12 || sealed.length < 16 || sealed.length > MAX_SECRET_LENGTH + 16) throw new Error(`malformed sealed secret of ${key.accessKeyId}`);
    const decipher = createDecipheriv('aes-256-gcm', aesKey, iv);
    decipher.setAAD(associatedData(agent, key));
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    try {
      const secret = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]).toString('utf8');
      return { accessKeyId: key.accessKeyId, owner: key.owner, generation: key.generation, secret };
    } catch {
      throw new Error(`sealed secret of ${key.accessKeyId} does not open (tampered, or sealed to another key)`);
    }
  });
}

function deriveKey(shared: Buffer, salt: Buffer, agent: string): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, salt, `${HKDF_INFO_PREFIX}\0${agent}`, 32));
}

function associatedData(agent: string, key: Pick<SealedAccessKey, 'accessKeyId' | 'owner' | 'generation'>): Buffer {
  return Buffer.from(`${AAD_PREFIX}\0${agent}\0${key.accessKeyId}\0${key.owner}\0${key.generation}`);
}

const B64URL = /^[A-Za-z0-9_-]*$/;

function isSealedSet(value: unknown): value is SealedAccessKeySet {
  if (typeof value !== 'object' || value === null) return false;
  const set = value as Partial<SealedAccessKeySet>;
  return (
    Number.isSafeInteger(set.version) &&
    typeof set.agent === 'string' &&
    typeof set.ephemeralKey === 'string' &&
    typeof set.salt === 'string' &&
    B64URL.test(set.salt) &&
    Array.isArray(set.keys) &&
    set.keys.every(
      (k: Partial<SealedAccessKey>) =>
        typeof k === 'object' &&
        k !== null &&
        typeof k.accessKeyId === 'string' &&
        typeof k.owner === 'string' &&
        Number.isSafeInteger(k.generation) &&
        typeof k.iv === 'string' &&
        B64URL.test(k.iv) &&
        typeof k.sealed === 'string' &&
        B64URL.test(k.sealed),
    )
  );
}
