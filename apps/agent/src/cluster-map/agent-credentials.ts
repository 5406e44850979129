import type { KeyObject } from 'node:crypto';
import { AssertionSigner, type Clock, CONTROLLER_ISSUER, publicKeyPemOf } from '@mcos/common';

/**
 * This agent's own identity: its Ed25519 key (made at its first start,
 * `<dataDir>/identity.key`, 0600) and the assertions it signs with it. Only
 * the public half ever leaves the agent (in its registration); the
 * controller puts it in the signed map so peers can check the agent's
 * assertions. Assertions are cached per audience for half their life, so a
 * burst of small peer requests pays one signature.
 */
export class AgentCredentials {
  readonly publicKeyPem: string;
  private readonly signer: AssertionSigner;

  constructor(
    readonly name: string,
    privateKey: KeyObject,
    clock: Clock,
  ) {
    this.publicKeyPem = publicKeyPemOf(privateKey);
    this.signer = new AssertionSigner(name, privateKey, clock);
  }

  /** An assertion for a call to the peer named `audience`. */
  assertionFor(audience: string): string {
    return this.signer.for(audience);
  }

  /** An assertion for a call to the controller. */
  assertionForController(): string {
    return this.signer.for(CONTROLLER_ISSUER);
  }
}
