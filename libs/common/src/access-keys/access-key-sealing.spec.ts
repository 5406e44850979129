import { describe, expect, it } from '@jest/globals';
import { generateX25519KeyPair, openAccessKeys, parseX25519PublicKey, sealAccessKeys, x25519PublicKeyText } from './access-key-sealing';
import type { SealedAccessKeySet } from './access-keys.types';

const KEYS = [
  { accessKeyId: 'MCOSAAAAAAAAAAAAAAAA', owner: 'alice', generation: 3, secret: 'a'.repeat(40) },
  { accessKeyId: 'MCOSBBBBBBBBBBBBBBBB', owner: 'bob', generation: 7, secret: 'b+/b'.repeat(10) },
];

describe('access key sealing', () => {
  const agent = generateX25519KeyPair();

  it('opens what it sealed for the same agent, and the secrets are not in the sealed text', () => {
    const sut = sealAccessKeys(KEYS, agent.publicKey, 'agent-1', 5);
    expect(sut.version).toBe(5);
    expect(JSON.stringify(sut)).not.toContain(KEYS[0]!.secret);
    expect(JSON.stringify(sut)).not.toContain(KEYS[1]!.secret);
    expect(openAccessKeys(sut, agent.privateKey, 'agent-1')).toEqual(KEYS);
  });

  it('uses a fresh ephemeral key, salt and nonces per answer', () => {
    const a = sealAccessKeys(KEYS, agent.publicKey, 'agent-1', 1);
    const b = sealAccessKeys(KEYS, agent.publicKey, 'agent-1', 1);
    expect(a.ephemeralKey).not.toBe(b.ephemeralKey);
    expect(a.salt).not.toBe(b.salt);
    expect(a.keys[0]!.sealed).not.toBe(b.keys[0]!.sealed);
  });

  it('refuses another agent private key, another agent name, and a set sealed for someone else', () => {
    const sut = sealAccessKeys(KEYS, agent.publicKey, 'agent-1', 1);
    expect(() => openAccessKeys(sut, generateX25519KeyPair().privateKey, 'agent-1')).toThrow(/does not open/);
    expect(() => openAccessKeys(sut, agent.privateKey, 'agent-2')).toThrow(/sealed for "agent-1"/);
    expect(() => openAccessKeys({ ...sut, agent: 'agent-2' }, agent.privateKey, 'agent-2')).toThrow(/does not open/);
  });

  it.each<[string, (set: SealedAccessKeySet) => SealedAccessKeySet]>([
    ['a flipped ciphertext bit', (s) => ({ ...s, keys: [{ ...s.keys[0]!, sealed: flip(s.keys[0]!.sealed) }, s.keys[1]!] })],
    ['another owner', (s) => ({ ...s, keys: [{ ...s.keys[0]!, owner: 'mallory' }, s.keys[1]!] })],
    ['another generation', (s) => ({ ...s, keys: [{ ...s.keys[0]!, generation: 99 }, s.keys[1]!] })],
    ['another key id', (s) => ({ ...s, keys: [{ ...s.keys[0]!, accessKeyId: 'MCOSCCCCCCCCCCCCCCCC' }, s.keys[1]!] })],
    ['swapped nonces', (s) => ({ ...s, keys: [{ ...s.keys[0]!, iv: s.keys[1]!.iv }, { ...s.keys[1]!, iv: s.keys[0]!.iv }] })],
    ['another salt', (s) => ({ ...s, salt: 'A'.repeat(22) })],
  ])('detects tampering: %s', (_what, tamper) => {
    const sut = sealAccessKeys(KEYS, agent.publicKey, 'agent-1', 1);
    expect(() => openAccessKeys(tamper(sut), agent.privateKey, 'agent-1')).toThrow();
  });

  it('refuses malformed sets without crashing', () => {
    for (const bad of [null, 'x', { version: 1 }, { version: 1, agent: 'agent-1', ephemeralKey: 'nope', salt: '', keys: [] }]) {
      expect(() => openAccessKeys(bad as unknown as SealedAccessKeySet, agent.privateKey, 'agent-1')).toThrow();
    }
  });

  it('parses only raw 32-byte X25519 public keys', () => {
    const text = x25519PublicKeyText(agent.publicKey);
    expect(parseX25519PublicKey(text)?.asymmetricKeyType).toBe('x25519');
    for (const bad of [undefined, 42, '', 'x'.repeat(43) + '=', text + 'A', '-----BEGIN PUBLIC KEY-----']) expect(parseX25519PublicKey(bad)).toBeUndefined();
  });
});

function flip(text: string): string {
  const bytes = Buffer.from(text, 'base64url');
  bytes[0]! ^= 1;
  return bytes.toString('base64url');
}
