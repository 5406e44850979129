import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { LoginResponse } from '@mcos/common';
import { ApiErrors } from '../common/api-errors.decorator';
import { LoginDto, LoginResponseDto } from './dto/user.dto';
import { UsersService } from './users.service';

@ApiTags('auth')
@Controller('v1/auth')
export class LoginController {
  constructor(private readonly users: UsersService) {}

  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Log in: a signed token with role and expiry (agents forward user logins here)' })
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiErrors(400, 401)
  login(@Body() body: LoginDto): Promise<LoginResponse> {
    return this.users.login(body.username, body.password);
  }
}
