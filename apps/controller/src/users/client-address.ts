import { Injectable } from '@nestjs/common';
import { CLIENT_ADDRESS_HEADER, SERVICE_ASSERTION_HEADER } from '@mcos/common';
import { ServiceIdentityService } from '../auth/service-identity.service';
import type { HttpRequest } from '../common/http-request';

/** An IPv4 or IPv6 address as an agent writes it (no port, no zone). */
const ADDRESS = /^[0-9A-Fa-f:.]{2,45}$/;

/**
 * Whose login this is, for the throttle: the TCP peer, unless the peer is an
 * agent forwarding a user's login — then the address the agent names, but
 * only when the request carries that agent's valid assertion (anyone else
 * could otherwise pick a fresh address for every guess).
 */
@Injectable()
export class ClientAddressResolver {
  constructor(private readonly identities: ServiceIdentityService) {}

  of(request: HttpRequest): string {
    const peer = request.ip ?? 'unknown';
    const named = request.headers[CLIENT_ADDRESS_HEADER];
    const assertion = request.headers[SERVICE_ASSERTION_HEADER];
    if (typeof named !== 'string' || assertion === undefined || !ADDRESS.test(named)) return peer;
    try {
      this.identities.verify(assertion);
      return named;
    } catch {
      return peer;
    }
  }
}
