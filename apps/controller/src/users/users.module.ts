import { Module } from '@nestjs/common';
import { LoginController } from './login.controller';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  controllers: [LoginController, UsersController],
  providers: [UsersService],
  exports: [UsersService],
})
export class UsersModule {}
