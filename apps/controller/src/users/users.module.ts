import { Module } from '@nestjs/common';
import { Clock } from '@mcos/common';
import { ControllerConfig } from '../config/controller-config';
import { LoginController } from './login.controller';
import { DEFAULT_LOGIN_THROTTLE, LoginThrottle } from './login-throttle';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  controllers: [LoginController, UsersController],
  providers: [
    UsersService,
    {
      provide: LoginThrottle,
      useFactory: (clock: Clock, config: ControllerConfig) => new LoginThrottle(clock, { ...DEFAULT_LOGIN_THROTTLE, ...config.loginThrottle }),
      inject: [Clock, ControllerConfig],
    },
  ],
  exports: [UsersService],
})
export class UsersModule {}
