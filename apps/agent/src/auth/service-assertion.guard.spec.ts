import { beforeEach, describe, expect, it } from '@jest/globals';
import type { ExecutionContext } from '@nestjs/common';
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import {
  CONTROLLER_ISSUER,
  generateEd25519KeyPair,
  ManualClock,
  SERVICE_ASSERTION_HEADER,
  signAssertion,
  UnauthorizedError,
  UnavailableError,
} from '@mcos/common';
import type { ClusterMapService } from '../cluster-map/cluster-map.service';
import { AgentIdentity } from '../config/agent-identity';
import { AssertionCheck, ControllerOnlyGuard, PeerOnlyGuard } from './service-assertion.guard';

type MapView = Pick<ClusterMapService, 'issuerKey' | 'signingKeyOf'> & { joined: boolean };

function keyPair(): { publicKey: KeyObject; privateKey: KeyObject } {
  const pair = generateEd25519KeyPair();
  return { privateKey: createPrivateKey(pair.privateKeyPem), publicKey: createPublicKey(pair.publicKeyPem) };
}

describe('the agent\'s service assertion guards', () => {
  const clock = new ManualClock(1_700_000_000_000);
  const controllerKey = keyPair();
  const rotatedKey = keyPair();
  const peerKey = keyPair();
  let map: MapView & { keys: Map<string, KeyObject>; rotated: boolean };
  let check: AssertionCheck;

  const request = (assertion?: string, body?: unknown) => ({ headers: assertion === undefined ? {} : { [SERVICE_ASSERTION_HEADER]: assertion }, body });
  const context = (req: object) => ({ switchToHttp: () => ({ getRequest: () => req }) }) as unknown as ExecutionContext;
  const assertion = (key: KeyObject, iss: string, aud = 'me') => signAssertion({ iss, aud, iat: clock.now(), exp: clock.now() + 60_000 }, key);

  beforeEach(() => {
    map = {
      joined: true,
      rotated: false,
      keys: new Map([
        [CONTROLLER_ISSUER, controllerKey.publicKey],
        ['peer', peerKey.publicKey],
      ]),
      issuerKey: (issuer: string) => map.keys.get(issuer),
      signingKeyOf: () => (map.rotated ? rotatedKey.publicKey : undefined),
    };
    check = new AssertionCheck(map as unknown as ClusterMapService, new AgentIdentity('me', 'r', 'http://me'), clock);
  });

  it('lets the controller through the control door, and no peer', () => {
    const sut = new ControllerOnlyGuard(check);
    expect(sut.canActivate(context(request(assertion(controllerKey.privateKey, CONTROLLER_ISSUER))))).toBe(true);
    expect(() => sut.canActivate(context(request(assertion(peerKey.privateKey, 'peer'))))).toThrow(/only the controller/);
    expect(() => sut.canActivate(context(request(assertion(peerKey.privateKey, CONTROLLER_ISSUER))))).toThrow(/invalid service assertion signature/);
    expect(() => sut.canActivate(context(request(assertion(controllerKey.privateKey, CONTROLLER_ISSUER, 'someone-else'))))).toThrow(/addressed to/);
    expect(() => sut.canActivate(context(request()))).toThrow(UnauthorizedError);
  });

  it('takes the rotated controller key only when the pushed map proves it', () => {
    const sut = new ControllerOnlyGuard(check);
    const fromNewKey = assertion(rotatedKey.privateKey, CONTROLLER_ISSUER);
    expect(() => sut.canActivate(context(request(fromNewKey, { version: 9 })))).toThrow(UnauthorizedError);
    map.rotated = true;
    expect(sut.canActivate(context(request(fromNewKey, { version: 9 })))).toBe(true);
    expect(() => sut.canActivate(context(request(assertion(peerKey.privateKey, CONTROLLER_ISSUER), { version: 9 })))).toThrow(UnauthorizedError);
  });

  it('lets members through the peer door, not the controller, and drops a revoked peer at once', () => {
    const sut = new PeerOnlyGuard(check);
    const fromPeer = assertion(peerKey.privateKey, 'peer');
    const req = request(fromPeer) as { caller?: string };
    expect(sut.canActivate(context(req))).toBe(true);
    expect(req.caller).toBe('peer');
    expect(() => sut.canActivate(context(request(assertion(controllerKey.privateKey, CONTROLLER_ISSUER))))).toThrow(/for agents/);
    map.keys.delete('peer');
    expect(() => sut.canActivate(context(request(fromPeer)))).toThrow(/unknown or revoked/);
  });

  it('answers 503 before the first join', () => {
    map.joined = false;
    expect(() => new PeerOnlyGuard(check).canActivate(context(request(assertion(peerKey.privateKey, 'peer'))))).toThrow(UnavailableError);
  });
});
