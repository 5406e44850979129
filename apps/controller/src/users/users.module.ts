import { Module } from '@nestjs/common';
import { Clock } from '@mcos/common';
import { ClusterMapModule } from '../cluster-map/cluster-map.module';
import { ControllerConfig } from '../config/controller-config';
import { ClientAddressResolver } from './client-address';
import { LoginController } from './login.controller';
import { DEFAULT_LOGIN_THROTTLE, LoginThrottle } from './login-throttle';
import { UserDataClient } from './user-data.client';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  imports: [ClusterMapModule],
  controllers: [LoginController, UsersController],
  providers: [
    UsersService,
    UserDataClient,
    ClientAddressResolver,
    {
      provide: LoginThrottle,
      useFactory: (clock: Clock, config: ControllerConfig) => new LoginThrottle(clock, { ...DEFAULT_LOGIN_THROTTLE, ...config.loginThrottle }),
      inject: [Clock, ControllerConfig],
    },
  ],
  exports: [UsersService],
})
export class UsersModule {}
