import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isExampleSecret, exampleSecretProblems } from './example-secrets';
import { ensurePrivateDir, ensurePrivateFile, loadOrCreateIdentityKey, writePrivateFileAtomic } from './file-modes';

const mode = (path: string) => statSync(path).mode & 0o777;

describe('private files', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcos-modes-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates and tightens directories to 0700 and files to 0600', async () => {
    const sub = join(dir, 'a', 'b');
    ensurePrivateDir(sub);
    expect(mode(sub)).toBe(0o700);
    const loose = join(dir, 'loose');
    mkdirSync(loose, { mode: 0o755 });
    ensurePrivateDir(loose);
    expect(mode(loose)).toBe(0o700);
    const file = join(dir, 'f');
    writeFileSync(file, 'x', { mode: 0o644 });
    ensurePrivateFile(file);
    expect(mode(file)).toBe(0o600);
    await writePrivateFileAtomic(join(dir, 'g'), 'secret');
    expect(mode(join(dir, 'g'))).toBe(0o600);
  });

  it('makes the identity key once and keeps it', async () => {
    const data = join(dir, 'data');
    const first = await loadOrCreateIdentityKey(data);
    expect(mode(data)).toBe(0o700);
    expect(mode(join(data, 'identity.key'))).toBe(0o600);
    const again = await loadOrCreateIdentityKey(data);
    expect(again.export({ format: 'pem', type: 'pkcs8' })).toEqual(first.export({ format: 'pem', type: 'pkcs8' }));
  });
});

describe('example secrets', () => {
  it('knows the published example values', () => {
    expect(isExampleSecret('change-me-join-token')).toBe(true);
    expect(isExampleSecret('change-me-admin-password')).toBe(true);
    expect(isExampleSecret('a-real-random-secret-value')).toBe(false);
    expect(exampleSecretProblems({ joinToken: 'change-me-join-token', other: 'fine-secret' })).toEqual([
      expect.stringMatching(/^joinToken holds a published example value/),
    ]);
  });
});
