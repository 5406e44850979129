import { describe, expect, it } from '@jest/globals';
import { UnauthorizedError } from '../errors/domain.error';
import { extractBearerToken, generateTokenKeyPair, signToken, type TokenClaims, verifyToken } from './token';

const keys = generateTokenKeyPair();
const NOW = 1_700_000_000_000;
const claims: TokenClaims = { sub: 'alice', role: 'user', iat: NOW / 1000, exp: NOW / 1000 + 3600 };

function expectUnauthorized(fn: () => unknown, message: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(UnauthorizedError);
  expect((caught as Error).message).toMatch(message);
}

describe('signToken / verifyToken', () => {
  it('round-trips the claims as a compact EdDSA JWT', () => {
    const sut = signToken(claims, keys.privateKeyPem);
    expect(sut.split('.')).toHaveLength(3);
    expect(JSON.parse(Buffer.from(sut.split('.')[0] as string, 'base64url').toString())).toEqual({ alg: 'EdDSA', typ: 'JWT' });
    expect(verifyToken(sut, keys.publicKeyPem, NOW)).toEqual(claims);
  });

  it('refuses a token at and after its expiry', () => {
    const sut = signToken(claims, keys.privateKeyPem);
    expect(verifyToken(sut, keys.publicKeyPem, claims.exp * 1000 - 1)).toEqual(claims);
    expectUnauthorized(() => verifyToken(sut, keys.publicKeyPem, claims.exp * 1000), /Token expired/);
  });

  it('refuses a tampered payload or signature', () => {
    const [header, payload, signature] = signToken(claims, keys.privateKeyPem).split('.') as [string, string, string];
    const promoted = Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url');
    expectUnauthorized(() => verifyToken(`${header}.${promoted}.${signature}`, keys.publicKeyPem, NOW), /Invalid token signature/);
    const flipped = Buffer.from(signature, 'base64url');
    flipped[0] = (flipped[0] as number) ^ 1;
    expectUnauthorized(() => verifyToken(`${header}.${payload}.${flipped.toString('base64url')}`, keys.publicKeyPem, NOW), /Invalid token signature/);
  });

  it('refuses a token signed with another key', () => {
    const other = generateTokenKeyPair();
    expectUnauthorized(() => verifyToken(signToken(claims, other.privateKeyPem), keys.publicKeyPem, NOW), /Invalid token signature/);
  });

  it('refuses malformed tokens with a clear message', () => {
    expectUnauthorized(() => verifyToken('abc', keys.publicKeyPem, NOW), /Malformed token: expected three base64url parts/);
    expectUnauthorized(() => verifyToken('a.b.c.d', keys.publicKeyPem, NOW), /Malformed token/);
    expectUnauthorized(() => verifyToken('!!.b.c', keys.publicKeyPem, NOW), /Malformed token/);
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.x`;
    expectUnauthorized(() => verifyToken(none, keys.publicKeyPem, NOW), /unsupported algorithm/);
    const notJson = `${Buffer.from('nope').toString('base64url')}.e30.x`;
    expectUnauthorized(() => verifyToken(notJson, keys.publicKeyPem, NOW), /header is not JSON/);
  });

  it('refuses validly signed tokens whose claims are incomplete', () => {
    const sut = signToken({ sub: '', role: 'user', iat: 1, exp: 9e9 }, keys.privateKeyPem);
    expectUnauthorized(() => verifyToken(sut, keys.publicKeyPem, NOW), /invalid claims/);
  });
});

describe('extractBearerToken', () => {
  it('takes the token of a Bearer header only', () => {
    expect(extractBearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(extractBearerToken('bearer   xyz ')).toBe('xyz');
    expect(extractBearerToken(['Bearer first', 'Bearer second'])).toBe('first');
    expect(extractBearerToken('Basic dXNlcjpwYXNz')).toBeUndefined();
    expect(extractBearerToken('Bearer')).toBeUndefined();
    expect(extractBearerToken(undefined)).toBeUndefined();
  });
});
