/** Exit codes of `vstream-relay`: 0 ok, 1 runtime failure, 2 usage or config error. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A failure the CLI reports as its message alone (no stack trace), with the exit code it maps to. */
export class CliError extends Error {
  override readonly name: string = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Bad arguments, a bad config file or a bad environment: nothing was started (exit code 2). */
export class UsageError extends CliError {
  override readonly name: string = 'UsageError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, EXIT_USAGE, options);
  }
}
