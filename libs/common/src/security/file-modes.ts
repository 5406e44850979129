import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { generateEd25519KeyPair } from './ed25519-keys';

/** Directories holding secrets or data: owner only. */
export const PRIVATE_DIR_MODE = 0o700;
/** Files holding secrets or data: owner read/write only. */
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates `dir` (and missing parents) readable by the owner only, and
 * tightens it to 0700 when it already exists (a directory made by an older
 * version with the default 0755).
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if ((statSync(dir).mode & 0o777) !== PRIVATE_DIR_MODE) chmodSync(dir, PRIVATE_DIR_MODE);
}

/** Creates `file` empty with mode 0600 unless it exists, and tightens an existing one to 0600. */
export function ensurePrivateFile(file: string): void {
  closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
  if ((statSync(file).mode & 0o777) !== PRIVATE_FILE_MODE) chmodSync(file, PRIVATE_FILE_MODE);
}

/** Writes `content` to `file` atomically (temp file, fsync, rename), mode 0600. */
export async function writePrivateFileAtomic(file: string, content: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  const handle = await fs.open(tmp, 'w', PRIVATE_FILE_MODE);
  try {
    await handle.chmod(PRIVATE_FILE_MODE);
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, file);
}

/** The file's content, or undefined when it does not exist. */
export async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** File name of an agent's identity key inside its data dir. */
export const IDENTITY_KEY_FILE = 'identity.key';

/**
 * The agent's own Ed25519 identity key from `<dataDir>/identity.key`, made
 * (0600, in a 0700 data dir) on the first start. It never leaves the agent:
 * only its public half goes to the controller at registration.
 */
export async function loadOrCreateIdentityKey(dataDir: string): Promise<KeyObject> {
  ensurePrivateDir(dataDir);
  const file = join(dataDir, IDENTITY_KEY_FILE);
  let pem = await readIfExists(file);
  if (pem === undefined) {
    pem = generateEd25519KeyPair().privateKeyPem;
    await writePrivateFileAtomic(file, pem);
  } else {
    ensurePrivateFile(file);
  }
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${file} does not hold an Ed25519 private key`);
  return key;
}
