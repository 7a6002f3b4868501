// Property test of undecodable values: transactions whose cells are random bytes in typed columns (integers,
// DECIMAL, DATE, DATETIME, JSON, ENUM, text). Under `badRows: fail` the assembler either decodes every row or stops
// with a typed AssemblyError before the transaction's commit — so no checkpoint ever passes a row that was not
// handed on; under `quarantine` it never stops, and every row change comes out exactly once, decoded or as an
// undecodable item, before the commit that carries the position.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { AssemblyError, EventAssembler } from '../../../src/vstream/assembler.js';
import type { StreamItem } from '../../../src/vstream/events.js';
import { QueryType, type Field, type Init, type VEventInit } from '../../../src/vstream/proto.js';
import {
  BINARY_COLLATION,
  UTF8MB4,
  at,
  gtid,
  pkBigint,
  vgtidEvent,
  wire,
  type CellInput,
} from '../../support/vevents.js';

const FIELDS: Init<Field>[] = [
  pkBigint(),
  { name: 'n', type: QueryType.INT32, charset: BINARY_COLLATION, columnType: 'int', columnLength: 11 },
  {
    name: 'amount',
    type: QueryType.DECIMAL,
    charset: BINARY_COLLATION,
    columnType: 'decimal(10,2)',
    decimals: 2,
    columnLength: 12,
  },
  { name: 'day', type: QueryType.DATE, charset: BINARY_COLLATION, columnType: 'date', columnLength: 10 },
  {
    name: 'at',
    type: QueryType.DATETIME,
    charset: BINARY_COLLATION,
    columnType: 'datetime(6)',
    decimals: 6,
    columnLength: 26,
  },
  { name: 'doc', type: QueryType.JSON, charset: BINARY_COLLATION, columnType: 'json' },
  { name: 'kind', type: QueryType.ENUM, charset: UTF8MB4, columnType: "enum('a','b')", columnLength: 4 },
  { name: 'label', type: QueryType.VARCHAR, charset: UTF8MB4, columnType: 'varchar(20)', columnLength: 80 },
];

/** A valid text value per column, as the running phase sends them. */
const VALID: fc.Arbitrary<CellInput>[] = [
  fc.integer({ min: 1, max: 1e9 }).map(String),
  fc.integer({ min: -2147483648, max: 2147483647 }).map(String),
  fc
    .tuple(fc.integer({ min: -99999999, max: 99999999 }), fc.integer({ min: 0, max: 99 }))
    .map(([i, f]) => `${i}.${String(f).padStart(2, '0')}`),
  fc
    .date({ min: new Date('1000-01-01'), max: new Date('9999-12-31'), noInvalidDate: true })
    .map((d) => d.toISOString().slice(0, 10)),
  fc
    .date({ min: new Date('1000-01-01'), max: new Date('9999-12-31'), noInvalidDate: true })
    .map((d) => `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 19)}.000000`),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.constantFrom('a', 'b'),
  fc.string({ maxLength: 20 }),
];

const cell = (i: number): fc.Arbitrary<CellInput> =>
  i === 0
    ? VALID[0]! // the key stays decodable: a row without a usable key is a different failure
    : fc.oneof(
        { weight: 3, arbitrary: VALID[i]! },
        { weight: 1, arbitrary: fc.uint8Array({ maxLength: 12 }).map((b) => Buffer.from(b)) },
        { weight: 1, arbitrary: fc.constant(null) },
      );

const rowArb = fc.tuple(...FIELDS.map((_, i) => cell(i)));
const txnArb = fc.array(rowArb, { minLength: 1, maxLength: 4 });

function transactions(txns: CellInput[][][]): VEventInit[] {
  const ks = at('ks', '-80');
  const events: VEventInit[] = [];
  txns.forEach((rows, n) => {
    events.push(ks.begin());
    if (n === 0) events.push(ks.field('t', FIELDS));
    events.push(ks.insert('t', ...rows));
    events.push(vgtidEvent([{ keyspace: 'ks', shard: '-80', gtid: gtid(n + 1) }]));
    events.push(ks.commit());
  });
  return events;
}

describe('EventAssembler with random cell bytes (property)', () => {
  test('policy fail: typed error before the commit of the bad transaction, never a checkpoint past it', () => {
    fc.assert(
      fc.property(fc.array(txnArb, { minLength: 1, maxLength: 5 }), (txns) => {
        const assembler = new EventAssembler({ undecodableRows: 'fail' });
        const out: StreamItem[] = [];
        let failedAt: number | undefined;
        for (const event of wire(transactions(txns))) {
          try {
            assembler.push(event, out);
          } catch (err) {
            expect(err).toBeInstanceOf(AssemblyError);
            expect((err as AssemblyError).code).toBe('decode');
            expect((err as Error).message).toMatch(/column \w+ #\d+/);
            failedAt = out.filter((i) => i.kind === 'commit').length;
            break;
          }
        }
        const committed = out.filter((i) => i.kind === 'commit').length;
        const rowsOut = out.flatMap((i) => (i.kind === 'rows' ? i.changes : []));
        if (failedAt === undefined) {
          expect(committed).toBe(txns.length);
          expect(rowsOut).toHaveLength(txns.flat().length);
        } else {
          // Every committed transaction's rows were all handed on; the failing one never committed.
          expect(committed).toBe(failedAt);
          const rowsOfCommitted = txns.slice(0, committed).flat().length;
          expect(rowsOut.length).toBeGreaterThanOrEqual(rowsOfCommitted);
          expect(rowsOut.length).toBeLessThan(rowsOfCommitted + txns[committed]!.length);
        }
        expect(out.some((i) => i.kind === 'undecodable')).toBe(false);
      }),
      { numRuns: 300, seed: 20261122 },
    );
  });

  test('policy quarantine: never stops; every row change comes out once, decoded or undecodable', () => {
    fc.assert(
      fc.property(fc.array(txnArb, { minLength: 1, maxLength: 5 }), (txns) => {
        const assembler = new EventAssembler({ undecodableRows: 'quarantine' });
        const out: StreamItem[] = [];
        for (const event of wire(transactions(txns))) assembler.push(event, out);
        const perCommit: number[] = [];
        let open = 0;
        for (const item of out) {
          if (item.kind === 'rows') open += item.changes.length;
          if (item.kind === 'undecodable') {
            open += 1;
            expect(item.code).toMatch(/invalid_value|invalid_text|zero_date/);
            expect(item.after).not.toBeNull();
          }
          if (item.kind === 'commit') {
            perCommit.push(open);
            open = 0;
          }
        }
        expect(perCommit).toEqual(txns.map((rows) => rows.length));
      }),
      { numRuns: 300, seed: 20261123 },
    );
  });
});
