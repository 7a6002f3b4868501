// Bad input: a keyspace or table the source does not have. vtgate and vttablet report both as UNKNOWN (the code
// of most transient failures too); they must pause the stream with a message naming them, not be retried forever.
import { status } from '@grpc/grpc-js';
import { expect, test } from 'vitest';
import { classifyVStreamError } from '../../../src/vstream/errors.js';

const grpcError = (code: number, details: string) =>
  Object.assign(new Error(`${code} ${status[code]}: ${details}`), { code, details, metadata: undefined });

test.each([
  [
    'failed to resolve vstream parameters: failed to get shards in keyspace nosuch: keyspace nosuch fetch error: ' +
      "node doesn't exist: keyspaces/nosuch/SrvKeyspace",
    'request',
    /does not know a keyspace in the request: .*keyspace nosuch fetch error/,
  ],
  [
    'error starting stream from shard GTID keyspace:"commerce" shard:"-80" gtid:"": error in vstream for ' +
      'commerce/-80 on tablet zone1-0000000100: table nosuch is not present in the database',
    'schema',
    /cannot copy a table the stream selects: .*table nosuch is not present in the database.*Check source\.tables/,
  ],
])('UNKNOWN %s → %s, not retryable', (details, kind, message) => {
  for (const code of [status.UNKNOWN, status.INTERNAL]) {
    const err = classifyVStreamError(grpcError(code, details), 'vtgate:15991');
    expect(err).toMatchObject({ kind, retryable: false });
    expect(err.message).toMatch(message);
  }
});

test('other UNKNOWN failures stay retryable', () => {
  const err = classifyVStreamError(grpcError(status.UNKNOWN, 'vttablet: unexpected EOF'), 'vtgate:15991');
  expect(err).toMatchObject({ kind: 'unavailable', retryable: true });
});
