import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import {
  AssertionVerifier,
  Clock,
  CONTROLLER_ISSUER,
  SERVICE_ASSERTION_HEADER,
  UnauthorizedError,
  UnavailableError,
  verifyAssertion,
} from '@mcos/common';
import { ClusterMapService } from '../cluster-map/cluster-map.service';
import { AgentIdentity } from '../config/agent-identity';

interface AssertedRequest {
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
  /** Who sent the request (the assertion's issuer). */
  caller?: string;
}

/**
 * Checks service assertions addressed to this agent, against the keys of
 * the verified map it holds (the controller's pinned key, each agent's own
 * key). Verified tokens are remembered until they expire; the issuer's key
 * is looked up on every request, so a revocation in a new map stops them.
 */
@Injectable()
export class AssertionCheck {
  private readonly verifier: AssertionVerifier;

  constructor(
    private readonly map: ClusterMapService,
    private readonly identity: AgentIdentity,
    private readonly clock: Clock,
  ) {
    this.verifier = new AssertionVerifier(() => identity.name, (issuer) => map.issuerKey(issuer), clock);
  }

  /**
   * The controller's map push right after it rotated its key: the assertion
   * is signed by the new key, which this agent learns from the pushed map
   * itself (endorsed from the pinned key). Verifies the assertion with the
   * key that signed the body; false when that does not hold.
   */
  controllerProvedByBody(request: AssertedRequest): boolean {
    const key = this.map.signingKeyOf(request.body);
    if (!key) return false;
    try {
      const claims = verifyAssertion(request.headers[SERVICE_ASSERTION_HEADER], this.identity.name, (issuer) => (issuer === CONTROLLER_ISSUER ? key : undefined), this.clock.now());
      request.caller = claims.iss;
      return true;
    } catch {
      return false;
    }
  }

  /** @throws UnavailableError before the first join; UnauthorizedError for a missing or bad assertion. */
  caller(request: AssertedRequest): string {
    if (!this.map.joined) throw new UnavailableError('this agent has not joined the cluster yet');
    const token = request.headers[SERVICE_ASSERTION_HEADER];
    if (token === undefined) throw new UnauthorizedError(`missing service assertion (${SERVICE_ASSERTION_HEADER})`);
    request.caller = this.verifier.verify(token).iss;
    return request.caller;
  }
}

/**
 * The controller-facing door: the controller's assertion only, verified with
 * the pinned controller key (or, for a map push right after a rotation, the
 * new key the pushed map proves).
 */
@Injectable()
export class ControllerOnlyGuard implements CanActivate {
  constructor(private readonly check: AssertionCheck) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AssertedRequest>();
    let caller: string;
    try {
      caller = this.check.caller(request);
    } catch (error) {
      if (error instanceof UnauthorizedError && this.check.controllerProvedByBody(request)) return true;
      throw error;
    }
    if (caller !== CONTROLLER_ISSUER) throw new UnauthorizedError('only the controller may call this');
    return true;
  }
}

/** The peer door: an assertion of another agent of the held map (not REMOVED, not revoked). */
@Injectable()
export class PeerOnlyGuard implements CanActivate {
  constructor(private readonly check: AssertionCheck) {}

  canActivate(context: ExecutionContext): boolean {
    const caller = this.check.caller(context.switchToHttp().getRequest<AssertedRequest>());
    if (caller === CONTROLLER_ISSUER) throw new UnauthorizedError('the peer API is for agents');
    return true;
  }
}
