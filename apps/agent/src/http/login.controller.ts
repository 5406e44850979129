import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import { ApiProperty, ApiTags } from '@nestjs/swagger';
import type { AgentLoginAnswer } from '@mcos/common';
import type { Response } from 'express';
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
  async login(@Body() dto: LoginDto, @Res({ passthrough: true }) res: Response): Promise<unknown> {
    const answer = await this.controller.login(dto.username, dto.password);
    res.status(answer.status);
    if (answer.retryAfter !== undefined) res.setHeader('retry-after', answer.retryAfter);
    return answer.status === 200 && isAdminAnswer(answer.body) ? { ...answer.body, controllers: [this.config.controllerUrl] } : answer.body;
  }
}

function isAdminAnswer(body: unknown): body is AgentLoginAnswer {
  return typeof body === 'object' && body !== null && (body as { role?: unknown }).role === 'admin';
}
