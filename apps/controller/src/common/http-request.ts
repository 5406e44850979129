import type { TokenClaims } from '@mcos/common';

/** The part of an incoming request the guards and controllers use. */
export interface HttpRequest {
  headers: Record<string, string | string[] | undefined>;
  user?: TokenClaims;
  /** The agent whose service assertion the request carried (ServiceAssertionGuard). */
  service?: string;
  /** The TCP peer's address (express). */
  ip?: string;
}
