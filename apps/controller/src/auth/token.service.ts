import { Injectable } from '@nestjs/common';
import { Clock, type LoginResponse, signToken, type TokenClaims, type UserRole, verifyToken } from '@mcos/common';
import { ControllerConfig } from '../config/controller-config';
import { ClusterSecretsService } from './cluster-secrets.service';

/** Issues and checks user tokens with the cluster's token key. */
@Injectable()
export class TokenService {
  constructor(
    private readonly secrets: ClusterSecretsService,
    private readonly config: ControllerConfig,
    private readonly clock: Clock,
  ) {}

  issue(username: string, role: UserRole): LoginResponse {
    const iat = Math.floor(this.clock.now() / 1000);
    const exp = iat + this.config.tokenTtlSeconds;
    const token = signToken({ sub: username, role, iat, exp }, this.secrets.tokenPrivateKey);
    return { token, expiresAt: new Date(exp * 1000).toISOString(), role };
  }

  /** @throws UnauthorizedError when the token is malformed, forged or expired. */
  verify(token: string): TokenClaims {
    return verifyToken(token, this.secrets.tokenPublicKeyPem, this.clock.now());
  }
}
