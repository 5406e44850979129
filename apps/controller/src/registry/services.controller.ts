import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { LEGACY_CLUSTER_CREDENTIAL_HEADER, type RegisterServiceResponse, SERVICE_ASSERTION_HEADER } from '@mcos/common';
import { AdminOnly, AgentOnly, JoinTokenRequired } from '../auth/auth.decorators';
import { ApiErrors } from '../common/api-errors.decorator';
import type { HttpRequest } from '../common/http-request';
import { RegisterAgentDto, RegisterAgentResponseDto } from './register-agent.dto';
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
    summary: 'An agent joins (or re-joins) the cluster with its own identity key',
    description:
      'The body names the agent\'s Ed25519 public key and the x-mcos-assertion header proves it holds the private half. ' +
      'A known name may re-register (restart, new URL) only with the key it first registered with (409 otherwise); ' +
      'a REMOVED or revoked service gets 403 until an admin re-admits it.',
  })
  @ApiHeader({ name: SERVICE_ASSERTION_HEADER, required: true, description: 'Assertion by the key in the body (issuer = name, audience = "@controller")' })
  @ApiHeader({
    name: LEGACY_CLUSTER_CREDENTIAL_HEADER,
    required: false,
    description: 'Only for a service registered before agents had keys, once: the old shared credential proves it may adopt its first key',
  })
  @ApiOkResponse({ type: RegisterAgentResponseDto })
  @ApiErrors(400, 403, 409)
  register(
    @Body() body: RegisterAgentDto,
    @Headers(SERVICE_ASSERTION_HEADER) assertion: string | undefined,
    @Headers(LEGACY_CLUSTER_CREDENTIAL_HEADER) legacyCredential: string | undefined,
  ): Promise<RegisterServiceResponse> {
    return this.registry.register(body, { assertion, legacyCredential });
  }

  @Post(':name/deregister')
  @HttpCode(204)
  @AgentOnly()
  @ApiOperation({ summary: 'An agent shuts itself down cleanly (status SHUTOFF; it keeps its place in the rings); only its own name' })
  @ApiNoContentResponse()
  @ApiErrors(403, 404)
  deregister(@Param('name') name: string, @Req() request: HttpRequest): Promise<void> {
    return this.registry.deregister(name, request.service);
  }

  @Post(':name/revoke')
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({
    summary: 'Revoke a service\'s identity (a compromised agent)',
    description:
      'The service becomes REMOVED and leaves the cluster map: peers and the controller refuse its assertions from the next map on ' +
      '(pushed at once), the rings are rebuilt without it when the options allow, and it cannot register again until re-admitted.',
  })
  @ApiOkResponse({ type: ServiceViewDto })
  @ApiErrors(404)
  revoke(@Param('name') name: string): Promise<ServiceView> {
    return this.registry.revoke(name);
  }

  @Post(':name/readmit')
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({
    summary: 'Let a REMOVED or revoked service register again',
    description: 'Its next registration (join token + proof of its key) may bring a new identity key; until then it gets 403.',
  })
  @ApiOkResponse({ type: ServiceViewDto })
  @ApiErrors(404, 409)
  readmit(@Param('name') name: string): Promise<ServiceView> {
    return this.registry.readmit(name);
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
