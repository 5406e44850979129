import { Module } from '@nestjs/common';
import { AccessKeysModule } from '../access-keys/access-keys.module';
import { AuthModule } from '../auth/auth.module';
import { ClusterMapModule } from '../cluster-map/cluster-map.module';
import { ControllerClientModule } from '../controller-client/controller-client.module';
import { ObjectsModule } from '../objects/objects.module';
import { ContainersController } from './containers.controller';
import { KeysController } from './keys.controller';
import { MultipartModule } from '../multipart/multipart.module';
import { MultipartController } from './multipart.controller';
import { LoginController } from './login.controller';
import { ObjectHttpAdapter } from './object-http.adapter';
import { ObjectsController } from './objects.controller';
import { MAX_REQUESTS_PER_USER, PerUserLimiter, UserConcurrencyInterceptor } from './user-concurrency';
import { AgentConfig } from '../config/agent-config';

/**
 * The user API door (`/v1`): containers, objects, login. Controllers and the
 * Express adapter translate HTTP to ObjectsService / ContainersService
 * inputs and their results back to HTTP; the bearer token is checked by
 * UserAuthGuard against the cluster map's public key.
 */
@Module({
  imports: [AuthModule, ObjectsModule, ClusterMapModule, ControllerClientModule, AccessKeysModule, MultipartModule],
  controllers: [LoginController, ContainersController, ObjectsController, KeysController, MultipartController],
  providers: [
    ObjectHttpAdapter,
    UserConcurrencyInterceptor,
    { provide: MAX_REQUESTS_PER_USER, useFactory: (config: AgentConfig) => new PerUserLimiter(config.http.maxRequestsPerUser), inject: [AgentConfig] },
  ],
})
export class UserApiModule {}
