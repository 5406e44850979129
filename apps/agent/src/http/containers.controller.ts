import { Body, Controller, Delete, Get, HttpCode, Param, Put, Query, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Account, UserAuthGuard } from '../auth/user-auth.guard';
import { ContainersService } from '../objects/containers.service';
import { CreateContainerDto, ListQueryDto } from './containers.dto';
import { ContainerNamePipe } from './name.pipes';
import { UserConcurrencyInterceptor } from './user-concurrency';

@ApiTags('containers')
@ApiBearerAuth()
@UseGuards(UserAuthGuard)
@UseInterceptors(UserConcurrencyInterceptor)
@Controller('v1/containers')
export class ContainersController {
  constructor(private readonly containers: ContainersService) {}

  @Get()
  list(@Account() account: string, @Query() q: ListQueryDto) {
    return this.containers.list(account, q);
  }

  @Put(':container')
  async create(
    @Account() account: string,
    @Param('container', ContainerNamePipe) name: string,
    @Body() dto: CreateContainerDto,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { container, created } = await this.containers.create(account, name, dto.option);
    res.status(created ? 201 : 200);
    return container;
  }

  @Get(':container')
  get(@Account() account: string, @Param('container', ContainerNamePipe) name: string) {
    return this.containers.get(account, name);
  }

  @Delete(':container')
  @HttpCode(204)
  remove(@Account() account: string, @Param('container', ContainerNamePipe) name: string) {
    return this.containers.remove(account, name);
  }
}

