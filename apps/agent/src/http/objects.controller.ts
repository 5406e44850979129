import { Controller, Delete, Get, Head, HttpCode, Param, Put, Query, Req, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Account, UserAuthGuard } from '../auth/user-auth.guard';
import { ObjectsService } from '../objects/objects.service';
import { ListObjectsQueryDto } from './containers.dto';
import { ContainerNamePipe } from './name.pipes';
import { UserConcurrencyInterceptor } from './user-concurrency';
import { ObjectHttpAdapter } from './object-http.adapter';

/**
 * Objects. Names may contain `/`; they are read from the raw path (see
 * objectNameFromUrl), so the wildcard only matches.
 */
@ApiTags('objects')
@ApiBearerAuth()
@UseGuards(UserAuthGuard)
@UseInterceptors(UserConcurrencyInterceptor)
@Controller('v1/containers/:container/objects')
export class ObjectsController {
  constructor(
    private readonly objects: ObjectsService,
    private readonly requests: ObjectHttpAdapter,
  ) {}

  @Get()
  list(@Account() account: string, @Param('container', ContainerNamePipe) container: string, @Query() q: ListObjectsQueryDto) {
    return this.objects.list(account, container, q);
  }

  @Put('*name')
  @HttpCode(201)
  put(
    @Account() account: string,
    @Param('container', ContainerNamePipe) container: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.requests.put(account, container, req, res);
  }

  @Get('*name')
  get(
    @Account() account: string,
    @Param('container', ContainerNamePipe) container: string,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    return this.requests.get(account, container, req, res);
  }

  @Head('*name')
  head(
    @Account() account: string,
    @Param('container', ContainerNamePipe) container: string,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    return this.requests.head(account, container, req, res);
  }

  @Delete('*name')
  @HttpCode(204)
  remove(@Account() account: string, @Param('container', ContainerNamePipe) container: string, @Req() req: Request) {
    return this.requests.remove(account, container, req);
  }
}
