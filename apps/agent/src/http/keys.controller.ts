import { Controller, Delete, Get, HttpCode, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ACCESS_KEY_ID_PATTERN, extractBearerToken, NotFoundError, UnauthorizedError } from '@mcos/common';
import { AccessKeysClient, type ForwardedAnswer } from '../access-keys/access-keys.client';
import { UserAuthGuard } from '../auth/user-auth.guard';

/**
 * A user's own S3 access keys (`/v1/keys`): forwarded to the controller's
 * `/v1/me/keys` with the caller's token (the controller owns keys and
 * checks the token again); its answer is passed back as it is.
 */
@ApiTags('access keys')
@ApiBearerAuth()
@UseGuards(UserAuthGuard)
@Controller('v1/keys')
export class KeysController {
  constructor(private readonly controller: AccessKeysClient) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Make an S3 access key; the secret is in this answer only' })
  async create(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<unknown> {
    // The one answer that carries a secret: no cache may keep it.
    res.setHeader('cache-control', 'no-store');
    return passBack(res, await this.controller.forward('POST', '/v1/me/keys', tokenOf(req)));
  }

  @Get()
  @ApiOperation({ summary: 'Your access keys (id, created, last used; never the secret)' })
  async list(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<unknown> {
    return passBack(res, await this.controller.forward('GET', '/v1/me/keys', tokenOf(req)));
  }

  @Delete(':accessKeyId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke one of your access keys (refused at every agent with the next cluster map)' })
  async revoke(@Param('accessKeyId') accessKeyId: string, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<unknown> {
    if (!ACCESS_KEY_ID_PATTERN.test(accessKeyId)) throw new NotFoundError(`no access key ${accessKeyId}`);
    return passBack(res, await this.controller.forward('DELETE', `/v1/me/keys/${accessKeyId}`, tokenOf(req)));
  }
}

function tokenOf(req: Request): string {
  const token = extractBearerToken(req.headers.authorization);
  if (!token) throw new UnauthorizedError('missing bearer token: log in with POST /v1/auth/login');
  return token;
}

function passBack(res: Response, answer: ForwardedAnswer): unknown {
  res.status(answer.status);
  return answer.body;
}
