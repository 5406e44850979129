/** The cluster could not be started (or stopped); the message says why and what to do. */
export class LaunchError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LaunchError';
  }
}
