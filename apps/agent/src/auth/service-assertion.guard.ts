import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { AssertionVerifier, Clock, CONTROLLER_ISSUER, SERVICE_ASSERTION_HEADER, UnauthorizedError, UnavailableError } from '@mcos/common';
import { ClusterMapService } from '../cluster-map/cluster-map.service';
import { AgentIdentity } from '../config/agent-identity';

interface AssertedRequest {
  headers: Record<string, string | string[] | undefined>;
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
    identity: AgentIdentity,
    clock: Clock,
  ) {
    this.verifier = new AssertionVerifier(() => identity.name, (issuer) => map.issuerKey(issuer), clock);
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

/** The controller-facing door: the controller's assertion only. */
@Injectable()
export class ControllerOnlyGuard implements CanActivate {
  constructor(private readonly check: AssertionCheck) {}

  canActivate(context: ExecutionContext): boolean {
    const caller = this.check.caller(context.switchToHttp().getRequest<AssertedRequest>());
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
