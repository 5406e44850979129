import { Body, Controller, Get, Put, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { AgentHealth, ClusterMap, PushClusterMapResponse } from '@mcos/common';
import { ControllerOnlyGuard } from '../auth/service-assertion.guard';
import { AgentStatusService } from './agent-status.service';

/** What the controller calls on an agent (its assertion required): its health (polls) and map pushes. */
@ApiExcludeController()
@UseGuards(ControllerOnlyGuard)
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
