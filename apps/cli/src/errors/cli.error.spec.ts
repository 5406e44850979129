import { describe, expect, it } from '@jest/globals';
import { ApiError, exitCodeForStatus, ExitCode } from './cli.error';

describe('exitCodeForStatus', () => {
  it.each([
    [200, ExitCode.ok],
    [204, ExitCode.ok],
    [404, ExitCode.notFound],
    [401, ExitCode.auth],
    [403, ExitCode.auth],
    [400, ExitCode.usage],
    [409, ExitCode.usage],
    [412, ExitCode.usage],
    [413, ExitCode.usage],
    [500, ExitCode.server],
    [503, ExitCode.server],
    [0, ExitCode.server],
  ])('maps HTTP %i to exit code %i', (status, code) => {
    expect(exitCodeForStatus(status)).toBe(code);
  });

  it('gives an ApiError the exit code of its status', () => {
    const sut = new ApiError('container photos not found', 404);
    expect(sut.exitCode).toBe(1);
    expect(sut.status).toBe(404);
  });
});
