import { Module } from '@nestjs/common';
import { AgentConfig } from '../config/agent-config';
import { CONTROLLER_CLIENT_OPTIONS, ControllerClient, ControllerClientOptions } from './controller-client';

/** The agent's one client of the controller (registration, map pulls, forwarded logins). */
@Module({
  providers: [
    {
      provide: CONTROLLER_CLIENT_OPTIONS,
      useFactory: (config: AgentConfig): ControllerClientOptions => ({
        url: config.controllerUrl,
        joinToken: config.joinToken,
        timeoutMs: config.requestTimeoutMs,
      }),
      inject: [AgentConfig],
    },
    ControllerClient,
  ],
  exports: [ControllerClient],
})
export class ControllerClientModule {}
