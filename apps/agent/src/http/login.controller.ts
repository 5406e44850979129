import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiProperty, ApiTags } from '@nestjs/swagger';
import type { AgentLoginAnswer } from '@mcos/common';
import type { Request, Response } from 'express';
import { IsString, MinLength } from 'class-validator';
import { AgentConfig } from '../config/agent-config';
import { ControllerClient } from '../controller-client/controller-client';

export class LoginDto {
  @ApiProperty()
  @IsString()
  @MinLength(1)
  username!: string;

  @ApiProperty()
  @IsString()
  @MinLength(1)
  password!: string;
}

/**
 * Logins are forwarded to the controller, which owns users; its answer is
 * passed back as it is (status, Retry-After on 429), with, for an admin,
 * the controller URL this agent uses (so `mcos login` at an agent is
 * enough for the admin commands).
 */
@ApiTags('auth')
@Controller('v1/auth')
export class LoginController {
  constructor(
    private readonly controller: ControllerClient,
    private readonly config: AgentConfig,
  ) {}

  @Post('login')
  @HttpCode(200)
  async login(@Body() dto: LoginDto, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<unknown> {
    // The user's address goes along, so the controller throttles guesses per user address, not per agent.
    const answer = await this.controller.login(dto.username, dto.password, req.socket.remoteAddress);
    res.status(answer.status);
    if (answer.retryAfter !== undefined) res.setHeader('retry-after', answer.retryAfter);
    return answer.status === 200 && isAdminAnswer(answer.body) ? { ...answer.body, controllers: [this.config.controllerUrl] } : answer.body;
  }
}

function isAdminAnswer(body: unknown): body is AgentLoginAnswer {
  return typeof body === 'object' && body !== null && (body as { role?: unknown }).role === 'admin';
}
