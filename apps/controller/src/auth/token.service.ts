import { Injectable } from '@nestjs/common';
import {
  Clock,
  type LoginResponse,
  PublicKeyCache,
  signToken,
  type TokenClaims,
  tokenKeyId,
  UnauthorizedError,
  type UserRole,
  verifyToken,
} from '@mcos/common';
import { ControllerConfig } from '../config/controller-config';
import { ClusterSecretsService } from './cluster-secrets.service';

/** Issues and checks user tokens with the cluster's token keys (key id in every token). */
@Injectable()
export class TokenService {
  private readonly keys = new PublicKeyCache(64);

  constructor(
    private readonly secrets: ClusterSecretsService,
    private readonly config: ControllerConfig,
    private readonly clock: Clock,
  ) {}

  /**
   * @param generation the user's current token generation (see users.service).
   * @param ttlSeconds a shorter lifetime (e.g. the controller's own purge token).
   */
  issue(username: string, role: UserRole, generation: number, ttlSeconds = this.config.tokenTtlSeconds): LoginResponse {
    const iat = Math.floor(this.clock.now() / 1000);
    const exp = iat + ttlSeconds;
    const token = signToken({ sub: username, role, iat, exp, gen: generation }, this.secrets.tokenPrivateKey, this.secrets.tokenKeyId);
    return { token, expiresAt: new Date(exp * 1000).toISOString(), role };
  }

  /**
   * Signature (by the key its kid names, among the keys still valid) and
   * expiry; the caller checks the user and generation (checkTokenGeneration).
   *
   * @throws UnauthorizedError malformed, unknown key, forged or expired.
   */
  verify(token: string): TokenClaims {
    const kid = tokenKeyId(token);
    const entry = kid === undefined ? undefined : this.secrets.tokenKeys().find((k) => k.kid === kid);
    const key = entry && this.keys.get(entry.publicKey);
    if (!key) throw new UnauthorizedError('Token signed by an unknown or retired key: log in again');
    return verifyToken(token, key, this.clock.now());
  }
}
