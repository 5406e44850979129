import { Body, Controller, Delete, Get, HttpCode, Post, Put, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { PeerOnlyGuard } from '../auth/service-assertion.guard';
import { PeerHttpAdapter } from './peer-http.adapter';

/** The peer API (agent to agent), an assertion of another agent of the map required. See peers/peer-protocol.ts. */
@ApiExcludeController()
@UseGuards(PeerOnlyGuard)
@Controller('v1/peer')
export class PeerController {
  constructor(private readonly peer: PeerHttpAdapter) {}

  @Put('replica')
  write(@Query('key') key: string, @Req() req: Request) {
    return this.peer.write(key, req);
  }

  @Get('replica')
  read(@Query('key') key: string, @Req() req: Request, @Res() res: Response) {
    return this.peer.read(key, req, res);
  }

  @Post('replica/versions')
  @HttpCode(200)
  versions(@Body() body: { keys?: unknown }) {
    return this.peer.versions(body?.keys);
  }

  @Get('replica/stat')
  stat(@Query('key') key: string) {
    return this.peer.stat(key);
  }

  @Delete('replica')
  drop(@Query('key') key: string, @Query('timestamp') timestamp: string) {
    return this.peer.drop(key, timestamp);
  }

  @Get('index/objects')
  listObjects(@Query() q: Record<string, unknown>) {
    return this.peer.listObjects(q);
  }

  @Get('index/containers')
  listContainers(@Query() q: Record<string, unknown>) {
    return this.peer.listContainers(q);
  }

  @Get('ping')
  ping() {
    return this.peer.ping();
  }

  @Get('cluster-map')
  clusterMap() {
    return this.peer.clusterMap();
  }
}
