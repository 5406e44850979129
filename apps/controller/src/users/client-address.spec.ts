import { beforeEach, describe, expect, it } from '@jest/globals';
import { CLIENT_ADDRESS_HEADER, SERVICE_ASSERTION_HEADER } from '@mcos/common';
import { createTestCore, identityOf, join, type TestCore } from '../testing/test-core';
import { ClientAddressResolver } from './client-address';

describe('ClientAddressResolver', () => {
  let core: TestCore;
  let sut: ClientAddressResolver;

  beforeEach(async () => {
    core = await createTestCore();
    await join(core, 'a');
    sut = new ClientAddressResolver(core.identities);
  });

  it('takes the TCP peer\'s address by default', () => {
    expect(sut.of({ headers: {}, ip: '10.1.2.3' })).toBe('10.1.2.3');
    expect(sut.of({ headers: {} })).toBe('unknown');
  });

  it('believes a forwarded address only with a valid agent assertion', () => {
    const forwarded = { [CLIENT_ADDRESS_HEADER]: '192.168.7.7' };
    expect(sut.of({ headers: forwarded, ip: '127.0.0.1' })).toBe('127.0.0.1');
    expect(sut.of({ headers: { ...forwarded, [SERVICE_ASSERTION_HEADER]: identityOf('nobody').assertion(core.clock.now()) }, ip: '127.0.0.1' })).toBe('127.0.0.1');
    expect(sut.of({ headers: { ...forwarded, [SERVICE_ASSERTION_HEADER]: identityOf('a').assertion(core.clock.now()) }, ip: '127.0.0.1' })).toBe('192.168.7.7');
    expect(sut.of({ headers: { [CLIENT_ADDRESS_HEADER]: 'x\r\ny', [SERVICE_ASSERTION_HEADER]: identityOf('a').assertion(core.clock.now()) }, ip: '127.0.0.1' })).toBe(
      '127.0.0.1',
    );
  });
});
