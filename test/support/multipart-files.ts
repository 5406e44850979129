import { createCipheriv, createHash, Hash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** What a generated file is, computed while it was written (nothing read back). */
export interface GeneratedFile {
  path: string;
  size: number;
  sha256: string;
  md5: string;
  /** MD5 (binary) of each `partSize` slice, for the multipart ETag. */
  partMd5s: Buffer[];
  partSize: number;
}

const CHUNK = 8 * MiB;

/**
 * Deterministic bytes of any length: the AES-256-CTR keystream of a key
 * derived from `seed` (about 1 GB/s, no repeating pattern a store could
 * deduplicate or compress). The same (seed, offset) always gives the same
 * bytes, so a test can regenerate any slice instead of keeping it.
 */
export function bytesAt(seed: string, offset: number, length: number): Buffer {
  const key = createHash('sha256').update(seed).digest();
  const block = Math.floor(offset / 16);
  const iv = Buffer.alloc(16);
  iv.writeBigUInt64BE(BigInt(block), 8);
  const cipher = createCipheriv('aes-256-ctr', key, iv);
  const skip = offset - block * 16;
  return cipher.update(Buffer.alloc(skip + length)).subarray(skip);
}

/**
 * Writes `size` deterministic bytes to `path` in 8 MiB chunks (never the
 * whole file in memory), hashing as it goes: SHA-256 and MD5 of the whole and
 * the MD5 of every `partSize` slice (the multipart ETag of an upload cut at
 * `partSize`).
 */
export async function generateFile(path: string, size: number, seed: string, partSize = 8 * MiB): Promise<GeneratedFile> {
  const file = await open(path, 'wx');
  const sha = createHash('sha256');
  const md5 = createHash('md5');
  const partMd5s: Buffer[] = [];
  let part: Hash | undefined;
  let inPart = 0;
  try {
    for (let offset = 0; offset < size; offset += CHUNK) {
      const chunk = bytesAt(seed, offset, Math.min(CHUNK, size - offset));
      sha.update(chunk);
      md5.update(chunk);
      for (let at = 0; at < chunk.length; ) {
        part ??= createHash('md5');
        const take = Math.min(partSize - inPart, chunk.length - at);
        part.update(chunk.subarray(at, at + take));
        inPart += take;
        at += take;
        if (inPart === partSize) {
          partMd5s.push(part.digest());
          part = undefined;
          inPart = 0;
        }
      }
      await file.write(chunk, 0, chunk.length, offset);
    }
    if (part) partMd5s.push(part.digest());
  } finally {
    await file.close();
  }
  return { path, size, sha256: sha.digest('hex'), md5: md5.digest('hex'), partMd5s, partSize };
}

/** SHA-256 of a file, streamed. */
export function fileSha256(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path, { highWaterMark: CHUNK })
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** S3's multipart ETag: the MD5 of the parts' binary MD5s, then `-N` (quoted as S3 answers it). */
export function multipartEtag(partMd5s: Buffer[]): string {
  return `"${createHash('md5').update(Buffer.concat(partMd5s)).digest('hex')}-${partMd5s.length}"`;
}

export const md5Binary = (data: Buffer): Buffer => createHash('md5').update(data).digest();

/**
 * Every stored unit under an fs backend's root, as paths relative to it
 * (`o/admin/bucket/key.obj`): what the backend itself would list. Files the
 * driver is still writing (temp names starting with `.`) are left out.
 */
export function backendFiles(root: string): Set<string> {
  const out = new Set<string>();
  if (!existsSync(root)) return out;
  const walk = (dir: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return; // removed while walking (background work)
    }
    for (const name of names) {
      if (name.startsWith('.')) continue;
      const path = join(dir, name);
      let isDir: boolean;
      try {
        isDir = statSync(path).isDirectory();
      } catch {
        continue;
      }
      if (isDir) walk(path);
      else out.add(relative(root, path).split(sep).join('/'));
    }
  };
  walk(root);
  return out;
}

/** Entries of `now` not in `before`. */
export function added(before: Set<string>, now: Set<string>): string[] {
  return [...now].filter((path) => !before.has(path)).sort();
}
