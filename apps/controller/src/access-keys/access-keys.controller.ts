import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AccessKeyView, AgentAccessKeysAnswer, CreatedAccessKey } from '@mcos/common';
import { AdminOnly, AgentOnly, BEARER_SCHEME } from '../auth/auth.decorators';
import { ApiErrors } from '../common/api-errors.decorator';
import type { HttpRequest } from '../common/http-request';
import { AccessKeysService } from './access-keys.service';
import { AccessKeyViewDto, AgentAccessKeysAnswerDto, AgentAccessKeysRequestDto, CreatedAccessKeyDto } from './dto/access-key.dto';
import { CurrentUser, UserTokenGuard } from './user-token.guard';

const CREATE_DESCRIPTION =
  'The secret is in this answer only: it is never shown again (agents receive it sealed to their own X25519 key). ' +
  'At most 10 keys per user (409 beyond). A password reset or deleting the user revokes every key of the user.';

@ApiTags('access keys')
@AdminOnly()
@Controller('v1/users/:username/keys')
export class UserAccessKeysController {
  constructor(private readonly keys: AccessKeysService) {}

  @Post()
  // The one answer that carries a secret: no cache may keep it.
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: "Make an S3 access key for a user", description: CREATE_DESCRIPTION })
  @ApiCreatedResponse({ type: CreatedAccessKeyDto })
  @ApiErrors(404, 409)
  create(@Param('username') username: string): Promise<CreatedAccessKey> {
    return this.keys.create(username, 'admin');
  }

  @Get()
  @ApiOperation({ summary: "A user's access keys (id, created, last used; never the secret)" })
  @ApiOkResponse({ type: [AccessKeyViewDto] })
  @ApiErrors(404)
  list(@Param('username') username: string): Promise<AccessKeyView[]> {
    return this.keys.list(username);
  }

  @Delete(':accessKeyId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an access key: refused at every agent with the next cluster map (pushed at once)' })
  @ApiNoContentResponse()
  @ApiErrors(404)
  revoke(@Param('username') username: string, @Param('accessKeyId') accessKeyId: string): Promise<void> {
    return this.keys.revoke(username, accessKeyId, 'admin');
  }
}

@ApiTags('access keys')
@UseGuards(UserTokenGuard)
@ApiBearerAuth(BEARER_SCHEME)
@ApiErrors(401)
@Controller('v1/me/keys')
export class MyAccessKeysController {
  constructor(private readonly keys: AccessKeysService) {}

  @Post()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Make an S3 access key for yourself', description: `${CREATE_DESCRIPTION} At most 20 changes (creates and revokes) per minute (429).` })
  @ApiCreatedResponse({ type: CreatedAccessKeyDto })
  @ApiErrors(409, 429)
  create(@CurrentUser() username: string): Promise<CreatedAccessKey> {
    return this.keys.create(username, 'self');
  }

  @Get()
  @ApiOperation({ summary: 'Your access keys (id, created, last used; never the secret)' })
  @ApiOkResponse({ type: [AccessKeyViewDto] })
  list(@CurrentUser() username: string): Promise<AccessKeyView[]> {
    return this.keys.list(username);
  }

  @Delete(':accessKeyId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke one of your access keys' })
  @ApiNoContentResponse()
  @ApiErrors(404, 429)
  revoke(@CurrentUser() username: string, @Param('accessKeyId') accessKeyId: string): Promise<void> {
    return this.keys.revoke(username, accessKeyId, 'self');
  }
}

@ApiTags('access keys')
@Controller('v1/agent/access-keys')
export class AgentAccessKeysController {
  constructor(private readonly keys: AccessKeysService) {}

  @Post()
  @HttpCode(200)
  @AgentOnly()
  @ApiOperation({
    summary: "An agent fetches every live access key, sealed to its X25519 key, and reports the keys' last use",
    description:
      "The sealing key must be signed by the agent's identity key (the one in the map), so a replayed assertion cannot have the " +
      'secrets sealed to anyone else. Each secret: ephemeral X25519 ECDH -> HKDF-SHA256 -> AES-256-GCM, key id, owner, generation and agent as associated data.',
  })
  @ApiOkResponse({ type: AgentAccessKeysAnswerDto })
  @ApiErrors(400)
  fetch(@Body() body: AgentAccessKeysRequestDto, @Req() request: HttpRequest): Promise<AgentAccessKeysAnswer> {
    return this.keys.forAgent(request.service as string, body);
  }
}
