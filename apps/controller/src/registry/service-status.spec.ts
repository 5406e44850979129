import { describe, expect, it } from '@jest/globals';
import { statusAfterPoll } from './service-status';

describe('statusAfterPoll', () => {
  it('keeps an ACTIVE service ACTIVE until misses reach the threshold', () => {
    expect(statusAfterPoll('ACTIVE', false, 1, 3)).toBe('ACTIVE');
    expect(statusAfterPoll('ACTIVE', false, 2, 3)).toBe('ACTIVE');
    expect(statusAfterPoll('ACTIVE', false, 3, 3)).toBe('DISCONNECTED');
    expect(statusAfterPoll('ACTIVE', true, 0, 3)).toBe('ACTIVE');
  });

  it('brings a DISCONNECTED service back on its first answer', () => {
    expect(statusAfterPoll('DISCONNECTED', false, 9, 3)).toBe('DISCONNECTED');
    expect(statusAfterPoll('DISCONNECTED', true, 0, 3)).toBe('ACTIVE');
  });

  it('never changes SHUTOFF or REMOVED through polls', () => {
    expect(statusAfterPoll('SHUTOFF', true, 0, 3)).toBe('SHUTOFF');
    expect(statusAfterPoll('REMOVED', true, 0, 3)).toBe('REMOVED');
    expect(statusAfterPoll('REMOVED', false, 5, 3)).toBe('REMOVED');
  });
});
