import { Module } from '@nestjs/common';
import { AgentConfig } from '../config/agent-config';
import { AgentCredentials } from '../cluster-map/agent-credentials';
import { ClusterMapModule } from '../cluster-map/cluster-map.module';
import { PEER_CLIENT_OPTIONS, PeerClient, PeerClientOptions } from './peer-client';
import { PeerHealth } from './peer-health';

/** How long a peer that failed is skipped before it is tried again. */
const PEER_DOWN_MS = 5_000;

/** The client of the other agents' peer API, and what this agent knows about reaching them. */
@Module({
  imports: [ClusterMapModule],
  providers: [
    {
      provide: PEER_CLIENT_OPTIONS,
      useFactory: (config: AgentConfig, credentials: AgentCredentials): PeerClientOptions => ({
        assertion: (peer) => credentials.assertionFor(peer),
        timeoutMs: config.requestTimeoutMs,
        pools: {
          readSockets: config.peers.readSocketsPerPeer,
          writeSockets: config.peers.writeSocketsPerPeer,
          controlSockets: config.peers.controlSocketsPerPeer,
          idleTimeoutMs: config.peers.idleStreamTimeoutMs,
        },
      }),
      inject: [AgentConfig, AgentCredentials],
    },
    PeerClient,
    { provide: PeerHealth, useValue: new PeerHealth(PEER_DOWN_MS) },
  ],
  exports: [PeerClient, PeerHealth],
})
export class PeersModule {}
