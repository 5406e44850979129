import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CLIENT_ADDRESS_HEADER, type LoginResponse } from '@mcos/common';
import { ApiErrors } from '../common/api-errors.decorator';
import type { HttpRequest } from '../common/http-request';
import { ClientAddressResolver } from './client-address';
import { LoginDto, LoginResponseDto } from './dto/user.dto';
import { UsersService } from './users.service';

@ApiTags('auth')
@Controller('v1/auth')
export class LoginController {
  constructor(
    private readonly users: UsersService,
    private readonly addresses: ClientAddressResolver,
  ) {}

  @Post('login')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Log in: a signed token with role and expiry (agents forward user logins here)',
    description: 'Failed logins are throttled per username and source address (429 + Retry-After).',
  })
  @ApiHeader({ name: CLIENT_ADDRESS_HEADER, required: false, description: 'The user\'s address, believed only from an agent (with its x-mcos-assertion)' })
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiErrors(400, 401, 429)
  login(@Body() body: LoginDto, @Req() request: HttpRequest): Promise<LoginResponse> {
    return this.users.login(body.username, body.password, this.addresses.of(request));
  }
}
