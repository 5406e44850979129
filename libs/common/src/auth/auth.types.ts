import type { UserRole } from './token';

/** POST /v1/auth/login body (controller; agents forward it unchanged). */
export interface LoginRequest {
  username: string;
  password: string;
}

/** POST /v1/auth/login answer. */
export interface LoginResponse {
  token: string;
  /** ISO 8601 instant after which the token is refused. */
  expiresAt: string;
  role: UserRole;
}
