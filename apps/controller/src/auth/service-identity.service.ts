import { Injectable } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import {
  type AssertionClaims,
  AssertionSigner,
  AssertionVerifier,
  Clock,
  type ClusterMap,
  CONTROLLER_ISSUER,
  PublicKeyCache,
  verifyAssertion,
} from '@mcos/common';
import { ClusterSecretsService } from './cluster-secrets.service';

/**
 * Who is who between the controller and the agents. The controller's own
 * assertions are signed with its map-signing key (the key agents pinned);
 * an agent's assertions verify with the key the current map carries for it.
 * A REMOVED service's assertions are refused here, and a revoked one is not
 * in the map at all.
 */
@Injectable()
export class ServiceIdentityService {
  private readonly keys = new PublicKeyCache(4096);
  private readonly verifier: AssertionVerifier;
  private services = new Map<string, { publicKey?: string; removed: boolean }>();
  private signer?: { keyId: string; signer: AssertionSigner };

  constructor(
    private readonly secrets: ClusterSecretsService,
    private readonly clock: Clock,
  ) {
    this.verifier = new AssertionVerifier(() => CONTROLLER_ISSUER, (issuer) => this.keyOf(issuer), clock);
  }

  /** Called with every map the controller publishes (or loads at start). */
  useMap(map: ClusterMap): void {
    this.services = new Map(map.services.map((s) => [s.name, { publicKey: s.publicKey, removed: s.status === 'REMOVED' }]));
  }

  /** The controller's assertion for a call to the agent named `audience`. */
  assertionFor(audience: string): string {
    const keyId = this.secrets.mapKeys[this.secrets.mapKeys.length - 1]?.keyId as string;
    if (this.signer?.keyId !== keyId) {
      this.signer = { keyId, signer: new AssertionSigner(CONTROLLER_ISSUER, this.secrets.mapSigningKey, this.clock) };
    }
    return this.signer.signer.for(audience);
  }

  /**
   * An agent's assertion addressed to the controller.
   *
   * @throws UnauthorizedError see verifyAssertion; also for REMOVED, revoked and unknown services.
   */
  verify(token: unknown): AssertionClaims {
    return this.verifier.verify(token);
  }

  /**
   * A registration's proof that the caller holds the key it registers:
   * an assertion by `name`, signed with `publicKey`.
   */
  verifyProofOfPossession(token: unknown, name: string, publicKey: KeyObject): AssertionClaims {
    return verifyAssertion(token, CONTROLLER_ISSUER, (issuer) => (issuer === name ? publicKey : undefined), this.clock.now());
  }

  private keyOf(issuer: string): KeyObject | undefined {
    const service = this.services.get(issuer);
    if (!service || service.removed || !service.publicKey) return undefined;
    return this.keys.get(service.publicKey);
  }
}
