import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../auth/auth.decorators';
import { ApiErrors } from '../common/api-errors.decorator';
import { CreateUserDto, ResetPasswordDto, UserViewDto } from './dto/user.dto';
import { DeleteUserQuery } from './delete-user.query';
import { UsersService, UserView } from './users.service';

@ApiTags('users')
@AdminOnly()
@Controller('v1/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOperation({ summary: 'Every user' })
  @ApiOkResponse({ type: [UserViewDto] })
  list(): Promise<UserView[]> {
    return this.users.list();
  }

  @Get(':username')
  @ApiOperation({ summary: 'One user' })
  @ApiOkResponse({ type: UserViewDto })
  @ApiErrors(404)
  get(@Param('username') username: string): Promise<UserView> {
    return this.users.get(username);
  }

  @Post()
  @ApiOperation({ summary: 'Create a user' })
  @ApiCreatedResponse({ type: UserViewDto })
  @ApiErrors(400, 409)
  create(@Body() body: CreateUserDto): Promise<UserView> {
    return this.users.create(body.username, body.password, body.role);
  }

  @Put(':username/password')
  @HttpCode(204)
  @ApiOperation({ summary: 'Reset a user\'s password; their tokens stop working at every agent with the next cluster map' })
  @ApiNoContentResponse()
  @ApiErrors(400, 404)
  resetPassword(@Param('username') username: string, @Body() body: ResetPasswordDto): Promise<void> {
    return this.users.resetPassword(username, body.password);
  }

  @Delete(':username')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a user (not the last admin); their tokens stop working at every agent with the next cluster map',
    description: 'Refused (409) while the user owns containers, unless purge=true, which deletes their objects and containers first.',
  })
  @ApiNoContentResponse()
  @ApiErrors(404, 409, 503)
  delete(@Param('username') username: string, @Query() query: DeleteUserQuery): Promise<void> {
    return this.users.delete(username, query.purge === true);
  }
}
