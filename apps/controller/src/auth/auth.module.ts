import { Global, Module } from '@nestjs/common';
import { ClusterSecretsService } from './cluster-secrets.service';
import { AdminGuard, JoinTokenGuard, ServiceAssertionGuard } from './guards';
import { ServiceIdentityService } from './service-identity.service';
import { TokenService } from './token.service';

/** Secrets, tokens and the guards every feature's controllers use. */
@Global()
@Module({
  providers: [ClusterSecretsService, TokenService, ServiceIdentityService, AdminGuard, ServiceAssertionGuard, JoinTokenGuard],
  exports: [ClusterSecretsService, TokenService, ServiceIdentityService, AdminGuard, ServiceAssertionGuard, JoinTokenGuard],
})
export class AuthModule {}
