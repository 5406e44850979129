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
import { LimitsModule } from '../limits/limits.module';
import { UserConcurrencyInterceptor } from './user-concurrency';

/**
 * The user API door (`/v1`): containers, objects, login. Controllers and the
 * Express adapter translate HTTP to ObjectsService / ContainersService
 * inputs and their results back to HTTP; the bearer token is checked by
 * UserAuthGuard against the cluster map's public key.
 */
@Module({
  imports: [AuthModule, LimitsModule, ObjectsModule, ClusterMapModule, ControllerClientModule, AccessKeysModule, MultipartModule],
  controllers: [LoginController, ContainersController, ObjectsController, KeysController, MultipartController],
  providers: [
    ObjectHttpAdapter,
    UserConcurrencyInterceptor,
  ],
})
export class UserApiModule {}
