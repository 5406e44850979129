import { describe, expect, it } from '@jest/globals';
import { hashPassword, verifyPassword } from './password';

const FAST = { N: 1024, r: 8, p: 1, keyLength: 32 };

describe('hashPassword / verifyPassword', () => {
  it('records the scrypt parameters and a random salt, never the password', async () => {
    const sut = await hashPassword('correct horse', FAST);
    expect(sut).toMatch(/^scrypt\$N=1024,r=8,p=1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(sut).not.toContain('correct horse');
    expect(await hashPassword('correct horse', FAST)).not.toBe(sut);
  });

  it('verifies the right password and refuses others', async () => {
    const sut = await hashPassword('correct horse', FAST);
    expect(await verifyPassword('correct horse', sut)).toBe(true);
    expect(await verifyPassword('correct horsE', sut)).toBe(false);
    expect(await verifyPassword('', sut)).toBe(false);
  });

  it('uses the parameters stored in the hash (default cost included)', async () => {
    const sut = await hashPassword('pässwörd');
    expect(sut).toMatch(/^scrypt\$N=16384,r=8,p=1\$/);
    expect(await verifyPassword('pässwörd', sut)).toBe(true);
    // The same text in decomposed form (NFD) is the same password.
    expect(await verifyPassword('pässwörd'.normalize('NFD'), sut)).toBe(true);
  });

  it('never matches a malformed stored hash', async () => {
    expect(await verifyPassword('x', 'plain-text-password')).toBe(false);
    expect(await verifyPassword('x', 'scrypt$N=1024,r=8,p=1$c2FsdA$c2hvcnQ')).toBe(false);
  });
});
