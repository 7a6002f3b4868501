// Errors the test vtgate reports over gRPC, with the vtrpc code Vitess would use. Codes 0-16 are the
// gRPC status codes, so `code` goes straight into the call status.
import { VtrpcCode } from '../../vstream/proto.js';

export class VtgateError extends Error {
  override readonly name = 'VtgateError';

  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }

  /** The same error with Vitess-style context in front ("context: message"), keeping the code. */
  wrap(context: string): VtgateError {
    return new VtgateError(this.code, `${context}: ${this.message}`);
  }
}

export const invalidArgument = (message: string) => new VtgateError(VtrpcCode.INVALID_ARGUMENT, message);
export const failedPrecondition = (message: string) =>
  new VtgateError(VtrpcCode.FAILED_PRECONDITION, message);
export const unknownError = (message: string) => new VtgateError(VtrpcCode.UNKNOWN, message);
export const internalError = (message: string) => new VtgateError(VtrpcCode.INTERNAL, message);

/** Any thrown value as a VtgateError; foreign errors become UNKNOWN like an unclassified Go error. */
export function asVtgateError(err: unknown): VtgateError {
  if (err instanceof VtgateError) return err;
  return unknownError(err instanceof Error ? err.message : String(err));
}

/** A write (insert/update/delete/DDL) that MySQL would refuse; thrown to the caller of the model API. */
export class DataError extends Error {
  override readonly name = 'DataError';
}
