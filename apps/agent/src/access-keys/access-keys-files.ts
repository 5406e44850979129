import { join } from 'node:path';
import {
  ensurePrivateDir,
  ensurePrivateFile,
  generateX25519KeyPair,
  parseX25519PrivateKey,
  readIfExists,
  type SealedAccessKeySet,
  writePrivateFileAtomic,
} from '@mcos/common';
import type { KeyObject } from 'node:crypto';

/** The agent's X25519 key the controller seals access-key secrets to (PKCS#8 PEM). */
export const SEALING_KEY_FILE = 'access-keys.key';
/** The sealed key set as the controller sent it: secrets stay sealed on disk. */
export const SEALED_KEYS_FILE = 'access-keys.json';

/**
 * What the access-key store keeps in the agent's data dir (0700), each file
 * 0600 and written atomically: its X25519 sealing key, made once, and the
 * last sealed key set it accepted, so S3 requests verify after a restart
 * while the controller is down. The opened secrets are never written.
 */
export class AccessKeysFiles {
  private readonly keyFile: string;
  private readonly setFile: string;

  constructor(readonly dataDir: string) {
    ensurePrivateDir(dataDir);
    this.keyFile = join(dataDir, SEALING_KEY_FILE);
    this.setFile = join(dataDir, SEALED_KEYS_FILE);
  }

  async loadOrCreateSealingKey(): Promise<KeyObject> {
    let pem = await readIfExists(this.keyFile);
    if (pem === undefined) {
      pem = generateX25519KeyPair().privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      await writePrivateFileAtomic(this.keyFile, pem);
    } else {
      ensurePrivateFile(this.keyFile);
    }
    try {
      return parseX25519PrivateKey(pem);
    } catch {
      throw new Error(`${this.keyFile} does not hold an X25519 private key`);
    }
  }

  /** The persisted sealed set, unchecked (opening it checks it); undefined when absent or not JSON. */
  async loadSealedSet(): Promise<SealedAccessKeySet | undefined> {
    const text = await readIfExists(this.setFile);
    if (text === undefined) return undefined;
    ensurePrivateFile(this.setFile);
    try {
      return JSON.parse(text) as SealedAccessKeySet;
    } catch {
      return undefined;
    }
  }

  async saveSealedSet(set: SealedAccessKeySet): Promise<void> {
    await writePrivateFileAtomic(this.setFile, JSON.stringify(set));
  }
}
