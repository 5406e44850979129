import { Global, Module } from '@nestjs/common';
import { ClusterSecretsService } from './cluster-secrets.service';
import { AdminGuard, ClusterCredentialGuard, JoinTokenGuard } from './guards';
import { TokenService } from './token.service';

/** Secrets, tokens and the guards every feature's controllers use. */
@Global()
@Module({
  providers: [ClusterSecretsService, TokenService, AdminGuard, ClusterCredentialGuard, JoinTokenGuard],
  exports: [ClusterSecretsService, TokenService, AdminGuard, ClusterCredentialGuard, JoinTokenGuard],
})
export class AuthModule {}
