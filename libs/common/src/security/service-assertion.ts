import { KeyObject, sign, verify } from 'node:crypto';
import { UnauthorizedError } from '../errors/domain.error';
import type { Clock } from '../time/clock';

/**
 * Service assertions: how the controller and the agents prove who they are
 * to each other. Each part holds its own Ed25519 key; a request carries a
 * short-lived token `header.payload.signature` (base64url, like a JWT but
 * with its own `typ`, so a user token is never taken for one) saying who
 * sends it (`iss`), to whom (`aud`) and until when (`exp`). The receiver
 * verifies it with the sender's key from the signed cluster map (or, at the
 * controller, the key it recorded at registration).
 */

/** Issuer name of the controller: `@` is not allowed in service names, so no agent can claim it. */
export const CONTROLLER_ISSUER = '@controller';
/** Default lifetime of an assertion. */
export const ASSERTION_LIFETIME_MS = 60_000;
/** Longest lifetime a receiver accepts, whatever the token says. */
export const MAX_ASSERTION_LIFETIME_MS = 5 * 60_000;
/** How far a sender's clock may run ahead of the receiver's. */
export const ASSERTION_CLOCK_SKEW_MS = 30_000;
/** Longest assertion text accepted (a real one is ~250 characters). */
export const MAX_ASSERTION_LENGTH = 1024;

const TYP = 'mcos-sa';
const ENCODED_HEADER = Buffer.from(JSON.stringify({ alg: 'EdDSA', typ: TYP })).toString('base64url');

export interface AssertionClaims {
  iss: string;
  aud: string;
  /** ms since the epoch. */
  iat: number;
  /** ms since the epoch; refused at and after. */
  exp: number;
}

export function signAssertion(claims: AssertionClaims, privateKey: KeyObject): string {
  const input = `${ENCODED_HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${input}.${sign(null, Buffer.from(input), privateKey).toString('base64url')}`;
}

/** Finds the key an issuer's assertions must verify with; undefined when the issuer is unknown or revoked. */
export type IssuerKeyResolver = (issuer: string) => KeyObject | undefined;

/**
 * Verifies one assertion addressed to `audience`.
 *
 * @throws UnauthorizedError malformed, wrong type, unknown issuer, bad
 *   signature, another audience, expired, too long-lived or from the future.
 */
export function verifyAssertion(token: unknown, audience: string, resolveKey: IssuerKeyResolver, nowMs: number): AssertionClaims & { key: KeyObject } {
  if (typeof token !== 'string' || token.length > MAX_ASSERTION_LENGTH) throw new UnauthorizedError('malformed service assertion');
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => p.length === 0 || !/^[A-Za-z0-9_-]+$/.test(p))) throw new UnauthorizedError('malformed service assertion');
  const [header, payload, signature] = parts as [string, string, string];
  if (header !== ENCODED_HEADER) throw new UnauthorizedError('not a service assertion');
  const claims = parseClaims(payload);
  const key = resolveKey(claims.iss);
  if (!key) throw new UnauthorizedError(`service assertion from unknown or revoked issuer ${JSON.stringify(claims.iss)}`);
  if (!verify(null, Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, 'base64url'))) {
    throw new UnauthorizedError('invalid service assertion signature');
  }
  if (claims.aud !== audience) throw new UnauthorizedError(`service assertion is addressed to ${JSON.stringify(claims.aud)}, not ${JSON.stringify(audience)}`);
  checkTimes(claims, nowMs);
  return { ...claims, key };
}

function checkTimes(claims: AssertionClaims, nowMs: number): void {
  if (nowMs >= claims.exp) throw new UnauthorizedError('service assertion expired');
  if (claims.iat > nowMs + ASSERTION_CLOCK_SKEW_MS) throw new UnauthorizedError('service assertion issued in the future');
  if (claims.exp - claims.iat > MAX_ASSERTION_LIFETIME_MS || claims.exp < claims.iat) throw new UnauthorizedError('service assertion lives too long');
}

function parseClaims(payload: string): AssertionClaims {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch (cause) {
    throw new UnauthorizedError('malformed service assertion', { cause });
  }
  const c = value as Partial<AssertionClaims> | null;
  if (
    typeof c !== 'object' ||
    c === null ||
    typeof c.iss !== 'string' ||
    c.iss.length === 0 ||
    c.iss.length > 64 ||
    typeof c.aud !== 'string' ||
    !Number.isSafeInteger(c.iat) ||
    !Number.isSafeInteger(c.exp)
  ) {
    throw new UnauthorizedError('malformed service assertion claims');
  }
  return { iss: c.iss, aud: c.aud, iat: c.iat as number, exp: c.exp as number };
}

/**
 * Makes this part's assertions, one per audience, re-used for the first half
 * of their life: a burst of small requests to a peer pays one signature, not
 * one each.
 */
export class AssertionSigner {
  private readonly cache = new Map<string, { token: string; renewAt: number }>();

  constructor(
    readonly issuer: string,
    private readonly privateKey: KeyObject,
    private readonly clock: Clock,
    private readonly lifetimeMs = ASSERTION_LIFETIME_MS,
  ) {}

  /** An assertion for `audience`, valid for at least half the lifetime. */
  for(audience: string): string {
    const now = this.clock.now();
    const cached = this.cache.get(audience);
    if (cached && now < cached.renewAt) return cached.token;
    const token = signAssertion({ iss: this.issuer, aud: audience, iat: now, exp: now + this.lifetimeMs }, this.privateKey);
    if (this.cache.size >= 1024) this.cache.clear();
    this.cache.set(audience, { token, renewAt: now + Math.floor(this.lifetimeMs / 2) });
    return token;
  }
}

/**
 * Verifies assertions addressed to this part, remembering verified ones by
 * their text until they expire: the signature is checked once per token,
 * while the issuer's key is looked up on every request, so a revoked issuer
 * or a rotated key stops a cached token at once.
 */
export class AssertionVerifier {
  private readonly verified = new Map<string, AssertionClaims & { key: KeyObject }>();

  constructor(
    private readonly audience: () => string,
    private readonly resolveKey: IssuerKeyResolver,
    private readonly clock: Clock,
    private readonly maxCached = 10_000,
  ) {}

  /** @throws UnauthorizedError as verifyAssertion. */
  verify(token: unknown): AssertionClaims {
    const now = this.clock.now();
    if (typeof token === 'string') {
      const cached = this.verified.get(token);
      if (cached && now < cached.exp && this.resolveKey(cached.iss) === cached.key) return stripKey(cached);
      if (cached) this.verified.delete(token);
    }
    const claims = verifyAssertion(token, this.audience(), this.resolveKey, now);
    if (this.verified.size >= this.maxCached) this.evictExpired(now);
    this.verified.set(token as string, claims);
    return stripKey(claims);
  }

  private evictExpired(now: number): void {
    for (const [token, claims] of this.verified) if (claims.exp <= now) this.verified.delete(token);
    // Still full of live tokens: drop the oldest half rather than grow.
    if (this.verified.size >= this.maxCached) {
      let drop = Math.ceil(this.verified.size / 2);
      for (const token of this.verified.keys()) {
        if (drop-- <= 0) break;
        this.verified.delete(token);
      }
    }
  }
}

function stripKey(claims: AssertionClaims & { key: KeyObject }): AssertionClaims {
  return { iss: claims.iss, aud: claims.aud, iat: claims.iat, exp: claims.exp };
}
