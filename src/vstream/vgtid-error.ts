// The one error type of the VGTID model (VGTIDs, GTID sets, key ranges, coverage checks).

export type VgtidErrorCode =
  | 'malformed_json'
  | 'invalid_shape'
  | 'duplicate_shard'
  | 'invalid_gtid'
  | 'unresolved_current'
  | 'invalid_journal'
  | 'coverage_mismatch';

/** Anything wrong with a VGTID, a GTID set, or the use of a VGTID; `code` says which kind. */
export class VgtidError extends Error {
  override readonly name = 'VgtidError';

  constructor(
    readonly code: VgtidErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
