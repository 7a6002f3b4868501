import { status } from '@grpc/grpc-js';
import { describe, expect, test } from 'vitest';
import { VStreamError, classifyVStreamError } from '../../../src/vstream/errors.js';

function grpcError(code: number, details: string): Error {
  return Object.assign(new Error(`${code} ${status[code]}: ${details}`), {
    code,
    details,
    metadata: undefined,
  });
}

describe('classifyVStreamError', () => {
  test.each([
    [status.UNAVAILABLE, 'connection refused', 'unavailable', true],
    [status.DEADLINE_EXCEEDED, 'deadline exceeded', 'unavailable', true],
    [status.INTERNAL, 'vttablet: unexpected server EOF', 'unavailable', true],
    [status.INTERNAL, 'stream terminated by RST_STREAM with error code: INTERNAL_ERROR', 'unavailable', true],
    [status.NOT_FOUND, 'tablet zone1-101 not found', 'unavailable', true],
    [status.CANCELLED, 'stream (at source tablet) error @ a1b2: context canceled', 'unavailable', true],
    [
      status.FAILED_PRECONDITION,
      'failed to find a PRIMARY tablet for VStream in cell zone1',
      'unavailable',
      true,
    ],
    [status.UNAUTHENTICATED, 'username and password must be provided', 'auth', false],
    [status.PERMISSION_DENIED, 'auth failure: caller "relay" not authenticated', 'auth', false],
    [
      status.INVALID_ARGUMENT,
      'vgtid must have at least one value with a starting position',
      'request',
      false,
    ],
    [status.NOT_FOUND, 'keyspace nosuchks not found in vschema', 'request', false],
    [status.UNIMPLEMENTED, 'unknown service vtgateservice.Vitess', 'protocol', false],
    [status.RESOURCE_EXHAUSTED, 'Received message larger than max (5242880 vs. 4194304)', 'too-large', false],
    [status.FAILED_PRECONDITION, 'column name not found in table orders', 'schema', false],
    [status.UNKNOWN, 'Cannot replicate because the source purged required binary logs', 'position', false],
    [
      status.UNAVAILABLE,
      'No connection established. Last error: Error: certificate has expired',
      'tls',
      false,
    ],
    [status.INVALID_ARGUMENT, 'error parsing gtid MySQL56/zz:1-2', 'position', false],
  ])('code %s "%s" → %s (retryable %s)', (code, details, kind, retryable) => {
    const error = classifyVStreamError(grpcError(code, details), 'vtgate:15991');
    expect(error).toBeInstanceOf(VStreamError);
    expect({ kind: error.kind, retryable: error.retryable, grpcCode: error.grpcCode }).toEqual({
      kind,
      retryable,
      grpcCode: code,
    });
    expect(error.message).toContain(details);
    expect(error.cause).toBeDefined();
  });

  test('messages tell the operator what to do', () => {
    const auth = classifyVStreamError(grpcError(status.UNAUTHENTICATED, 'no creds'), 'vtgate:15991');
    expect(auth.message).toMatch(/vtgate vtgate:15991 .*check the vtgate username\/password/);
    const position = classifyVStreamError(
      grpcError(status.UNKNOWN, 'gtid_purged contains gtids'),
      'vtgate:15991',
    );
    expect(position.message).toMatch(/position is kept\. Recovering needs a fresh snapshot .*--resnapshot/);
    const big = classifyVStreamError(
      grpcError(status.RESOURCE_EXHAUSTED, 'Received message larger than max'),
      'v:1',
    );
    expect(big.message).toMatch(/raise source\.vtgate\.maxReceiveMessageBytes/);
  });

  test('errors without a gRPC code are retryable transport failures; VStreamErrors pass through', () => {
    const plain = classifyVStreamError(new Error('socket hang up'), 'v:1');
    expect({ kind: plain.kind, retryable: plain.retryable }).toEqual({
      kind: 'unavailable',
      retryable: true,
    });
    const original = new VStreamError('x', 'auth', false);
    expect(classifyVStreamError(original, 'v:1')).toBe(original);
  });
});
