import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { IsString, MinLength } from 'class-validator';
import { ApiProperty } from '@nestjs/swagger';
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

/** Logins are forwarded to the controller, which owns users; its answer is passed back as it is. */
@ApiTags('auth')
@Controller('v1/auth')
export class LoginController {
  constructor(private readonly controller: ControllerClient) {}

  @Post('login')
  @HttpCode(200)
  async login(@Body() dto: LoginDto, @Res({ passthrough: true }) res: Response): Promise<unknown> {
    const answer = await this.controller.login(dto.username, dto.password);
    res.status(answer.status);
    if (answer.retryAfter !== undefined) res.setHeader('retry-after', answer.retryAfter);
    return answer.body;
  }
}
