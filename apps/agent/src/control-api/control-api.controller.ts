import { Body, Controller, Get, Put, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { AgentHealth, ClusterMap, PushClusterMapResponse } from '@mcos/common';
import { ClusterCredentialGuard } from '../auth/cluster-credential.guard';
import { AgentStatusService } from './agent-status.service';

/** What the controller calls on an agent: its health (polls) and map pushes. */
@ApiExcludeController()
@UseGuards(ClusterCredentialGuard)
@Controller('v1/agent')
export class ControlApiController {
  constructor(private readonly status: AgentStatusService) {}

  @Get('health')
  health(): Promise<AgentHealth> {
    return this.status.health();
  }

  @Put('cluster-map')
  push(@Body() map: ClusterMap): Promise<PushClusterMapResponse> {
    return this.status.acceptPush(map);
  }
}
