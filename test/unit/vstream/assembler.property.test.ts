// Property test: whatever event sequence vtgate (or a broken proxy) sends, the assembler either produces a
// well-framed item stream or stops with a typed AssemblyError — and never yields a checkpoint that would skip
// rows it has handed out but not closed with that checkpoint.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { AssemblyError, EventAssembler } from '../../../src/vstream/assembler.js';
import type { StreamItem } from '../../../src/vstream/events.js';
import type { VEventInit } from '../../../src/vstream/proto.js';
import { at, gtid, heartbeat, pkBigint, varchar, vgtidEvent, wire } from '../../support/vevents.js';

const shards = ['-80', '80-'];
const tables = ['a', 'b', '_vt_hld_0123456789abcdef0123456789abcdef_20240101000000_'];

const eventArb: fc.Arbitrary<VEventInit> = fc.oneof(
  fc.constantFrom(...shards).map((s) => at('ks', s).begin()),
  fc.constantFrom(...shards).map((s) => at('ks', s).commit()),
  fc.constantFrom(...shards).map((s) => at('ks', s).other()),
  fc.constantFrom(...shards).map((s) => at('ks', s).rollback()),
  fc.constantFrom(...shards).map((s) => at('ks', s).ddl('alter table a add column c int')),
  fc.constantFrom(...shards).map((s) => at('ks', s).copyCompleted()),
  fc.constant(heartbeat()),
  fc
    .integer({ min: 1, max: 50 })
    .map((n) => vgtidEvent(shards.map((shard) => ({ keyspace: 'ks', shard, gtid: gtid(n) })))),
  fc
    .tuple(fc.constantFrom(...shards), fc.constantFrom(...tables), fc.boolean())
    .map(([s, t, wide]) =>
      at('ks', s).field(t, wide ? [pkBigint(), varchar('v'), varchar('w')] : [pkBigint(), varchar('v')]),
    ),
  fc
    .tuple(
      fc.constantFrom(...shards),
      fc.constantFrom(...tables),
      fc.integer({ min: 1, max: 3 }),
      fc.boolean(),
    )
    .map(([s, t, n, bad]) =>
      at('ks', s).insert(
        t,
        ...Array.from({ length: n }, (_, i) => (bad ? [String(i)] : [String(i), `v${i}`])),
      ),
    ),
  fc
    .tuple(fc.constantFrom(...shards), fc.constantFrom(...tables))
    .map(([s, t]) => at('ks', s).update(t, ['1', 'x'], ['1', 'y'])),
  fc
    .tuple(fc.constantFrom(...shards), fc.constantFrom(...tables))
    .map(([s, t]) => at('ks', s).copyRows(t, ['7', 'c'])),
);

/** Frames: rows only between begin and commit; no position-carrying item inside a frame. */
function checkFraming(items: StreamItem[]): void {
  let open = false;
  for (const item of items) {
    switch (item.kind) {
      case 'begin':
        expect(open).toBe(false);
        open = true;
        break;
      case 'schema':
      case 'rows':
      case 'undecodable':
        if (item.kind !== 'schema') expect(open).toBe(true);
        break;
      case 'commit':
        expect(open).toBe(true);
        open = false;
        break;
      case 'ddl':
      case 'position':
        expect(open).toBe(false);
        break;
      default:
        break;
    }
  }
}

describe('EventAssembler (property)', () => {
  test('random event sequences: typed errors only, well-framed output, checkpoints never inside a transaction', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 40 }), fc.boolean(), (events, quarantine) => {
        const assembler = new EventAssembler({ undecodableRows: quarantine ? 'quarantine' : 'fail' });
        const out: StreamItem[] = [];
        let lastVgtidGtid: string | undefined;
        for (const event of wire(events)) {
          const before = out.length;
          try {
            assembler.push(event, out);
          } catch (err) {
            expect(err).toBeInstanceOf(AssemblyError);
            checkFraming(out);
            return; // a stream stops at its first error; the position stays at the last checkpoint
          }
          if (event.vgtid) lastVgtidGtid = event.vgtid.shardGtids[0]?.gtid;
          // A checkpoint carries the newest VGTID that arrived before it.
          for (const item of out.slice(before)) {
            if (item.kind === 'commit' || item.kind === 'ddl' || item.kind === 'position') {
              expect(item.vgtid.shards()[0]?.gtid).toBe(lastVgtidGtid);
            }
          }
        }
        checkFraming(out);
        // No internal table ever reaches the output.
        expect(
          out.some((i) => (i.kind === 'rows' || i.kind === 'schema') && i.schema.table.startsWith('_vt_')),
        ).toBe(false);
      }),
      { numRuns: 500, seed: 20261121 },
    );
  });
});
