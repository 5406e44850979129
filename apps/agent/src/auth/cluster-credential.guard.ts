import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import { CLUSTER_CREDENTIAL_HEADER, UnauthorizedError, UnavailableError } from '@mcos/common';
import { ClusterCredential } from '../cluster-map/cluster-credential';

/** Peer and controller calls: the cluster credential, compared in constant time. */
@Injectable()
export class ClusterCredentialGuard implements CanActivate {
  constructor(private readonly credential: ClusterCredential) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<{ headers: Record<string, string | string[] | undefined> }>();
    const expected = this.credential.value;
    if (!expected) throw new UnavailableError('this agent has not joined the cluster yet');
    const given = req.headers[CLUSTER_CREDENTIAL_HEADER];
    if (typeof given !== 'string' || !sameSecret(given, expected)) throw new UnauthorizedError('bad or missing cluster credential');
    return true;
  }
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
