import { Module } from '@nestjs/common';
import { AgentCredentials } from '../cluster-map/agent-credentials';
import { ClusterMapModule } from '../cluster-map/cluster-map.module';
import { AgentConfig } from '../config/agent-config';
import { CONTROLLER_CLIENT_OPTIONS, ControllerClient, ControllerClientOptions } from './controller-client';

/** The agent's one client of the controller (registration, map pulls, forwarded logins). */
@Module({
  imports: [ClusterMapModule],
  providers: [
    {
      provide: CONTROLLER_CLIENT_OPTIONS,
      useFactory: (config: AgentConfig, credentials: AgentCredentials): ControllerClientOptions => ({
        url: config.controllerUrl,
        joinToken: config.joinToken,
        timeoutMs: config.requestTimeoutMs,
        assertion: () => credentials.assertionForController(),
      }),
      inject: [AgentConfig, AgentCredentials],
    },
    ControllerClient,
  ],
  exports: [ControllerClient],
})
export class ControllerClientModule {}
