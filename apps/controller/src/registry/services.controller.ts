import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post } from '@nestjs/common';
import { ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CLUSTER_CREDENTIAL_HEADER, type RegisterServiceResponse } from '@mcos/common';
import { AdminOnly, ClusterCredentialRequired, JoinTokenRequired } from '../auth/auth.decorators';
import { ApiErrors } from '../common/api-errors.decorator';
import { RegisterServiceDto, RegisterServiceResponseDto } from './dto/register-service.dto';
import { DistanceMatrixDto, ServiceViewDto } from './dto/service-view.dto';
import { DistanceMatrix, RegistryService, ServiceView } from './registry.service';

@ApiTags('services')
@Controller('v1/services')
export class ServicesController {
  constructor(private readonly registry: RegistryService) {}

  @Post('register')
  @HttpCode(200)
  @JoinTokenRequired()
  @ApiOperation({
    summary: 'An agent joins (or re-joins) the cluster',
    description: 'Re-registering a known name (restart, new URL) also requires the cluster credential.',
  })
  @ApiHeader({ name: CLUSTER_CREDENTIAL_HEADER, required: false, description: 'Required to re-register a known name' })
  @ApiOkResponse({ type: RegisterServiceResponseDto })
  @ApiErrors(400, 409)
  register(
    @Body() body: RegisterServiceDto,
    @Headers(CLUSTER_CREDENTIAL_HEADER) credential: string | undefined,
  ): Promise<RegisterServiceResponse> {
    return this.registry.register(body, credential);
  }

  @Post(':name/deregister')
  @HttpCode(204)
  @ClusterCredentialRequired()
  @ApiOperation({ summary: 'An agent shuts down cleanly (status SHUTOFF; it keeps its place in the rings)' })
  @ApiNoContentResponse()
  @ApiErrors(404)
  deregister(@Param('name') name: string): Promise<void> {
    return this.registry.deregister(name);
  }

  @Get()
  @AdminOnly()
  @ApiOperation({ summary: 'Every service with status, region, capacity, speed, distances, ring versions and background progress' })
  @ApiOkResponse({ type: [ServiceViewDto] })
  list(): Promise<ServiceView[]> {
    return this.registry.list();
  }

  @Get('distances')
  @AdminOnly()
  @ApiOperation({ summary: 'Round-trip times the agents measured to each other' })
  @ApiOkResponse({ type: DistanceMatrixDto })
  distances(): Promise<DistanceMatrix> {
    return this.registry.distances();
  }

  @Get(':name')
  @AdminOnly()
  @ApiOperation({ summary: 'One service' })
  @ApiOkResponse({ type: ServiceViewDto })
  @ApiErrors(404)
  get(@Param('name') name: string): Promise<ServiceView> {
    return this.registry.get(name);
  }

  @Delete(':name')
  @AdminOnly()
  @ApiOperation({ summary: 'Take a service out of the cluster: REMOVED, rings rebalanced without it' })
  @ApiOkResponse({ type: ServiceViewDto })
  @ApiErrors(404, 409)
  remove(@Param('name') name: string): Promise<ServiceView> {
    return this.registry.remove(name);
  }
}
