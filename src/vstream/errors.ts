import { status, type ServiceError } from '@grpc/grpc-js';

/**
 * What went wrong, in terms an operator acts on:
 * - `unavailable`: vtgate/tablets unreachable or the stream broke; retry from the last position.
 * - `auth`: credentials missing or wrong; fix the worker's secrets.
 * - `request`: the request itself is invalid (unknown keyspace, bad filter); fix the stream config.
 * - `position`: the stored position cannot be served (purged binlogs, unknown GTID); resnapshot.
 * - `schema`: a filter or column list no longer matches the source schema.
 * - `too-large`: a message exceeded the receive limit; raise `maxReceiveMessageBytes`.
 * - `protocol`: the server said something we cannot follow (wrong server, unimplemented).
 * - `tls`: the TLS handshake failed (unknown CA, expired or missing certificate, wrong name); fix certificates.
 */
export type VStreamErrorKind =
  'unavailable' | 'auth' | 'request' | 'position' | 'schema' | 'too-large' | 'protocol' | 'tls';

export class VStreamError extends Error {
  override readonly name = 'VStreamError';
  constructor(
    message: string,
    readonly kind: VStreamErrorKind,
    /** Whether reconnecting from the last committed position can succeed without operator action. */
    readonly retryable: boolean,
    /** The gRPC status code, when the error came from the server or the transport. */
    readonly grpcCode?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

// Position problems Vitess/MySQL report in prose; they never heal by retrying.
const POSITION_PATTERNS = [
  /purged required binary logs/i,
  /binlogs? (?:have been|were|was) purged/i,
  /gtid_purged/i,
  /could not find .*gtid/i,
  /cannot replicate because/i,
  /unknown gtid/i,
  /(?:invalid|malformed|parse|parsing).*(?:gtid|position|vgtid)/i,
  /(?:gtid|position|vgtid).*(?:invalid|malformed)/i,
];
// Certificate and handshake failures surface as UNAVAILABLE but never heal by retrying.
const TLS_PATTERNS = [
  /certificate/i,
  /self[- ]signed/i,
  /unable to (?:verify|get local issuer)/i,
  /SSL routines/i,
  /wrong version number/i,
  /Hostname\/IP does not match/i,
  /ERR_TLS_/,
];
const SCHEMA_PATTERNS = [/column .* not found/i, /unknown column/i, /table .* not found/i];
// vtgate: `keyspace X fetch error: node doesn't exist: keyspaces/X/SrvKeyspace`; vttablet (copy of an exact
// table rule): `table X is not present in the database`.
const UNKNOWN_KEYSPACE = /keyspace \S+ fetch error: node doesn't exist/i;
const UNKNOWN_TABLE = /table \S+ is not present in the database/i;
// Transport-level breakage that vtgate reports as INTERNAL or UNKNOWN although it is transient.
const TRANSIENT_PATTERNS = [
  /server EOF/i,
  /\bEOF\b/,
  /connection (?:reset|refused|closed)/i,
  /transport is closing/i,
  /stream (?:terminated|removed|ended)/i,
  /RST_STREAM/i,
  /broken pipe/i,
  /context canceled/i,
  /tablet.*(?:not found|unavailable|not serving)/i,
  /no healthy tablet/i,
  /failed to find .* tablet/i,
];

const matches = (patterns: RegExp[], text: string) => patterns.some((p) => p.test(text));

function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === 'number';
}

/** Maps any error out of a VStream call to a VStreamError with a clear message and a retry decision. */
export function classifyVStreamError(err: unknown, address: string): VStreamError {
  if (err instanceof VStreamError) return err;
  if (!isServiceError(err)) {
    const text = err instanceof Error ? err.message : String(err);
    return new VStreamError(`VStream from ${address} failed: ${text}`, 'unavailable', true, undefined, {
      cause: err,
    });
  }
  const detail = err.details || err.message;
  const at = `vtgate ${address}`;
  const make = (kind: VStreamErrorKind, retryable: boolean, message: string) =>
    new VStreamError(message, kind, retryable, err.code, { cause: err });

  if (matches(POSITION_PATTERNS, detail)) {
    return make(
      'position',
      false,
      `${at} cannot stream from the stored position: ${detail}. The position is kept. Recovering needs a ` +
        `fresh snapshot (the mirror is emptied and copied again): \`vstream-relay resume <stream> --resnapshot\` ` +
        `or the workflow update \`resnapshot\`.`,
    );
  }
  if (err.code === status.UNAVAILABLE && matches(TLS_PATTERNS, detail)) {
    return make(
      'tls',
      false,
      `TLS to vtgate ${address} failed: ${detail}. Check source.vtgate.tls (CA file, client certificate, serverName).`,
    );
  }
  switch (err.code) {
    case status.UNAUTHENTICATED:
      return make(
        'auth',
        false,
        `${at} rejected the call as unauthenticated (${detail}); check the vtgate username/password the worker uses.`,
      );
    case status.PERMISSION_DENIED:
      return make(
        'auth',
        false,
        `${at} denied access (${detail}); check the vtgate credentials and table ACLs.`,
      );
    case status.INVALID_ARGUMENT:
      return make('request', false, `${at} rejected the VStream request: ${detail}`);
    case status.UNIMPLEMENTED:
      return make(
        'protocol',
        false,
        `${at} does not implement VStream (${detail}); is this the vtgate gRPC port?`,
      );
    case status.RESOURCE_EXHAUSTED:
      if (/message larger than max|received message larger/i.test(detail)) {
        return make(
          'too-large',
          false,
          `a VStream message from ${at} exceeds the receive limit (${detail}); raise source.vtgate.maxReceiveMessageBytes.`,
        );
      }
      return make('unavailable', true, `${at} is overloaded: ${detail}`);
    case status.FAILED_PRECONDITION:
      if (matches(SCHEMA_PATTERNS, detail)) {
        return make(
          'schema',
          false,
          `${at} cannot apply the stream's filter to the current schema: ${detail}`,
        );
      }
      return make('unavailable', true, `${at}: ${detail}`);
    case status.NOT_FOUND:
      if (/keyspace/i.test(detail) && !/tablet/i.test(detail)) {
        return make('request', false, `${at} does not know a keyspace in the request: ${detail}`);
      }
      return make('unavailable', true, `VStream from ${at} interrupted (NOT_FOUND): ${detail}`);
    case status.UNAVAILABLE:
    case status.DEADLINE_EXCEEDED:
    case status.ABORTED:
    case status.CANCELLED:
      return make('unavailable', true, `VStream from ${at} interrupted (${status[err.code]}): ${detail}`);
    case status.INTERNAL:
    case status.UNKNOWN:
      // vtgate reports a keyspace missing from the topology, and vttablet a table the copy cannot find, as
      // UNKNOWN: no retry brings them into existence, so the stream pauses naming them.
      if (UNKNOWN_KEYSPACE.test(detail)) {
        return make('request', false, `${at} does not know a keyspace in the request: ${detail}`);
      }
      if (UNKNOWN_TABLE.test(detail)) {
        return make(
          'schema',
          false,
          `${at} cannot copy a table the stream selects: ${detail}. Check source.tables against the source schema.`,
        );
      }
      // Unknown internal failures are retried with backoff (and shown as lastError) rather than pausing a
      // stream for good; the recognisable transient ones get a calmer message.
      return make(
        'unavailable',
        true,
        matches(TRANSIENT_PATTERNS, detail)
          ? `VStream from ${at} broke off: ${detail}`
          : `VStream from ${at} failed with ${status[err.code]}: ${detail}`,
      );
    default:
      return make(
        'unavailable',
        true,
        `VStream from ${at} failed (${status[err.code] ?? err.code}): ${detail}`,
      );
  }
}
