import { describe, expect, test } from 'vitest';
import { AssemblyError, EventAssembler, type AssemblerOptions } from '../../../src/vstream/assembler.js';
import type { StreamItem } from '../../../src/vstream/events.js';
import type { VEventInit } from '../../../src/vstream/proto.js';
import {
  at,
  globalCopyCompleted,
  gtid,
  heartbeat,
  int,
  pkBigint,
  varchar,
  vgtidEvent,
  wire,
} from '../../support/vevents.js';

const ks = at('commerce', '0');
const pos = (n: number) => vgtidEvent([{ keyspace: 'commerce', shard: '0', gtid: gtid(n) }]);

function run(
  events: VEventInit[],
  options: AssemblerOptions = {},
  assembler = new EventAssembler(options),
): StreamItem[] {
  const out: StreamItem[] = [];
  for (const event of wire(events)) assembler.push(event, out);
  return out;
}

/** A compact view of the items: kind plus what matters for that kind. */
function summary(items: StreamItem[]): unknown[] {
  return items.map((item) => {
    switch (item.kind) {
      case 'begin':
        return `begin ${item.keyspace}/${item.shard}`;
      case 'schema':
        return `schema ${item.schema.table} v${item.schema.version} [${item.schema.columns.map((c) => c.name).join(',')}] pk=${item.schema.primaryKey.join(',')}`;
      case 'rows':
        return {
          rows: item.schema.table,
          copy: item.copy,
          changes: item.changes.map((c) => [c.op, c.before, c.after]),
        };
      case 'commit':
      case 'position':
        return `${item.kind} ${item.vgtid
          .shards()
          .map((s) => s.gtid)
          .join(' ')}`;
      case 'ddl':
        return `ddl "${item.statement}" ${item.vgtid.shards()[0]!.gtid}`;
      case 'copyCompleted':
        return `copyCompleted ${item.keyspace ?? '*'}/${item.shard ?? '*'}`;
      default:
        return item.kind;
    }
  });
}

describe('EventAssembler', () => {
  test('create table / insert / alter / insert: DDL positions, FIELD before the first ROW and again after ALTER', () => {
    const items = run([
      pos(1),
      ks.ddl('create table t1 (id bigint primary key, name varchar(10))'),
      ks.begin(),
      ks.field('t1', [pkBigint(), varchar('name', 10)]),
      ks.insert('t1', ['1', 'ada']),
      pos(2),
      ks.commit(),
      pos(3),
      ks.ddl('alter table t1 add column age int'),
      ks.begin(),
      ks.field('t1', [pkBigint(), varchar('name', 10), int('age')]),
      ks.insert('t1', ['2', 'bob', '42']),
      pos(4),
      ks.commit(),
    ]);
    const g = (n: number) => gtid(n);
    expect(summary(items)).toEqual([
      `ddl "create table t1 (id bigint primary key, name varchar(10))" ${g(1)}`,
      'begin commerce/0',
      'schema t1 v1 [id,name] pk=0',
      { rows: 't1', copy: false, changes: [['insert', null, [1n, 'ada']]] },
      `commit ${g(2)}`,
      `ddl "alter table t1 add column age int" ${g(3)}`,
      'begin commerce/0',
      'schema t1 v2 [id,name,age] pk=0',
      { rows: 't1', copy: false, changes: [['insert', null, [2n, 'bob', 42]]] },
      `commit ${g(4)}`,
    ]);
  });

  test('a start at `current` yields a position-only item (VGTID then OTHER)', () => {
    expect(summary(run([pos(7), ks.other()]))).toEqual([`position ${gtid(7)}`]);
  });

  test('never emits a position inside BEGIN…COMMIT, even when a HEARTBEAT or a VGTID arrives there', () => {
    const assembler = new EventAssembler();
    const first = run(
      [
        ks.begin(),
        ks.field('t', [pkBigint(), varchar('v')]),
        ks.insert('t', ['1', 'a']),
        pos(5),
        heartbeat(),
      ],
      {},
      assembler,
    );
    expect(first.map((i) => i.kind)).toEqual(['begin', 'schema', 'rows', 'heartbeat']);
    expect(assembler.insideTransaction).toBe(true);
    const second = run(
      [ks.update('t', ['1', 'a'], ['1', 'b']), ks.delete('t', ['1', 'b']), pos(6), ks.commit()],
      {},
      assembler,
    );
    expect(summary(second)).toEqual([
      { rows: 't', copy: false, changes: [['update', [1n, 'a'], [1n, 'b']]] },
      { rows: 't', copy: false, changes: [['delete', [1n, 'b'], null]] },
      `commit ${gtid(6)}`,
    ]);
    expect(assembler.insideTransaction).toBe(false);
  });

  test('a transaction whose rows were all filtered out only moves the position; a bare BEGIN/COMMIT yields nothing', () => {
    expect(summary(run([ks.begin(), pos(9), ks.commit(), ks.begin(), ks.commit()]))).toEqual([
      `position ${gtid(9)}`,
    ]);
  });

  test('Vitess-internal and online-DDL tables never reach the sink', () => {
    const items = run([
      ks.begin(),
      ks.field('_vt_hld_6ace8bcef73211ea87e9f875a4d24e90_20200915120410_', [pkBigint()]),
      ks.insert('_vt_hld_6ace8bcef73211ea87e9f875a4d24e90_20200915120410_', ['1']),
      ks.field('heartbeat', [pkBigint()], { isInternalTable: true }),
      ks.insert('heartbeat', ['1']),
      pos(3),
      ks.commit(),
    ]);
    expect(summary(items)).toEqual([`position ${gtid(3)}`]);
  });

  test('a ROW without a FIELD is a typed error naming table and shard', () => {
    const error = (() => {
      try {
        run([ks.begin(), ks.insert('orders', ['1'])]);
      } catch (err) {
        return err;
      }
    })();
    expect(error).toBeInstanceOf(AssemblyError);
    expect(error).toMatchObject({
      code: 'row_without_field',
      keyspace: 'commerce',
      shard: '0',
      table: 'orders',
    });
    expect((error as Error).message).toContain('commerce.orders on shard 0');
  });

  test('a row whose column count differs from its FIELD is refused, naming table and shard', () => {
    expect(() =>
      run([ks.begin(), ks.field('t', [pkBigint(), varchar('v')]), ks.insert('t', ['1'])]),
    ).toThrowError(/table commerce\.t.*1 cells but the FIELD event lists 2 columns.*shard 0/);
  });

  test('undecodable values stop the stream by default and become quarantine items when asked', () => {
    const events = [
      ks.begin(),
      ks.field('t', [pkBigint(), { name: 'd', type: 2062, charset: 63, columnType: 'date' }]),
      ks.insert('t', ['1', '0000-00-00'], ['2', '2024-01-02']),
      pos(4),
      ks.commit(),
    ];
    expect(() => run(events)).toThrowError(AssemblyError);
    const items = run(events, { undecodableRows: 'quarantine' });
    expect(items.map((i) => i.kind)).toEqual(['begin', 'schema', 'undecodable', 'rows', 'commit']);
    const bad = items[2];
    expect(bad).toMatchObject({
      kind: 'undecodable',
      op: 'insert',
      code: 'zero_date',
      column: 'd',
      before: null,
    });
    expect(bad?.kind === 'undecodable' && Buffer.from(bad.after!.values, 'base64').toString()).toBe(
      '10000-00-00',
    );
    expect(summary([items[3]!])).toEqual([
      { rows: 't', copy: false, changes: [['insert', null, [2n, '2024-01-02']]] },
    ]);
  });

  test('partial row images are refused rather than written as NULL', () => {
    const events = wire([ks.begin(), ks.field('t', [pkBigint(), varchar('v')])]);
    const assembler = new EventAssembler();
    const out: StreamItem[] = [];
    for (const e of events) assembler.push(e, out);
    const [row] = wire([ks.update('t', ['1', 'a'], ['1', 'b'])]);
    row!.rowEvent!.rowChanges[0]!.dataColumns = { count: 2 as never, cols: Uint8Array.from([0b01]) };
    expect(() => assembler.push(row!, out)).toThrowError(/partial row image/);
  });

  test('copy phase: rows flagged as copy, batches without BEGIN, per-shard then final COPY_COMPLETED', () => {
    const lastpk = (id: string) => [
      {
        tableName: 'customer',
        lastpk: {
          fields: [{ name: 'id', type: 265 }],
          rows: [{ lengths: [id.length], values: Buffer.from(id) }],
        },
      },
    ];
    const items = run([
      ks.begin(),
      ks.field('customer', [pkBigint(), varchar('email')]),
      vgtidEvent([{ keyspace: 'commerce', shard: '0', gtid: gtid(10) }]),
      ks.copyRows('customer', ['1', 'a@x'], ['2', 'b@x']),
      vgtidEvent([{ keyspace: 'commerce', shard: '0', gtid: gtid(10), tablePKs: lastpk('2') }]),
      ks.commit(),
      ks.copyRows('customer', ['3', 'c@x']),
      vgtidEvent([{ keyspace: 'commerce', shard: '0', gtid: gtid(10), tablePKs: lastpk('3') }]),
      ks.commit(),
      ks.update('customer', ['1', 'a@x'], ['1', 'a2@x']), // catch-up change of a copied row
      pos(11),
      ks.commit(),
      ks.begin(),
      pos(11),
      ks.commit(),
      ks.copyCompleted(),
      globalCopyCompleted(),
    ]);
    expect(summary(items)).toEqual([
      'begin commerce/0',
      'schema customer v1 [id,email] pk=0',
      {
        rows: 'customer',
        copy: true,
        changes: [
          ['insert', null, [1n, 'a@x']],
          ['insert', null, [2n, 'b@x']],
        ],
      },
      `commit ${gtid(10)}`,
      'begin commerce/0',
      { rows: 'customer', copy: true, changes: [['insert', null, [3n, 'c@x']]] },
      `commit ${gtid(10)}`,
      'begin commerce/0',
      { rows: 'customer', copy: false, changes: [['update', [1n, 'a@x'], [1n, 'a2@x']]] },
      `commit ${gtid(11)}`,
      `position ${gtid(11)}`,
      'copyCompleted commerce/0',
      'copyCompleted */*',
    ]);
    const copyCommit = items[3];
    expect(copyCommit?.kind === 'commit' && copyCommit.vgtid.isCopyInProgress()).toBe(true);
  });

  test('FIELD caches are per shard: two shards with different schemas during a rolling DDL', () => {
    const a = at('customer', '-80');
    const b = at('customer', '80-');
    const items = run([
      a.begin(),
      a.field('t', [pkBigint(), varchar('v'), int('n')]),
      a.insert('t', ['1', 'x', '5']),
      vgtidEvent([
        { keyspace: 'customer', shard: '-80', gtid: gtid(2) },
        { keyspace: 'customer', shard: '80-', gtid: gtid(1, '4e11fa47-71ca-11e1-9e33-c80aa9429562') },
      ]),
      a.commit(),
      b.begin(),
      b.field('t', [pkBigint(), varchar('v')]),
      b.insert('t', ['2', 'y']),
      vgtidEvent([
        { keyspace: 'customer', shard: '-80', gtid: gtid(2) },
        { keyspace: 'customer', shard: '80-', gtid: gtid(2, '4e11fa47-71ca-11e1-9e33-c80aa9429562') },
      ]),
      b.commit(),
      a.begin(),
      a.insert('t', ['3', 'z', '6']),
      vgtidEvent([
        { keyspace: 'customer', shard: '-80', gtid: gtid(3) },
        { keyspace: 'customer', shard: '80-', gtid: gtid(2, '4e11fa47-71ca-11e1-9e33-c80aa9429562') },
      ]),
      a.commit(),
    ]);
    const rows = items.filter((i) => i.kind === 'rows');
    expect(rows.map((r) => [r.schema.shard, r.changes[0]!.after])).toEqual([
      ['-80', [1n, 'x', 5]],
      ['80-', [2n, 'y']],
      ['-80', [3n, 'z', 6]],
    ]);
    const last = items.at(-1);
    expect(last?.kind === 'commit' && last.vgtid.shards().length).toBe(2);
  });

  test('table names with and without the keyspace prefix', () => {
    const events = wire([
      ks.begin(),
      ks.field('t', [pkBigint()]),
      ks.insert('t', ['1']),
      pos(2),
      ks.commit(),
    ]);
    events[1]!.fieldEvent!.tableName = 't';
    events[2]!.rowEvent!.tableName = 't';
    const out: StreamItem[] = [];
    const assembler = new EventAssembler();
    for (const e of events) assembler.push(e, out);
    expect(out.find((i) => i.kind === 'rows')).toMatchObject({
      schema: { keyspace: 'commerce', table: 't' },
    });
  });

  test('a DDL in the middle of a transaction that delivered rows is a protocol error, not a silent split', () => {
    expect(() =>
      run([
        ks.begin(),
        ks.field('t', [pkBigint()]),
        ks.insert('t', ['1']),
        pos(2),
        ks.ddl('alter table t add x int'),
      ]),
    ).toThrowError(/DDL inside a transaction/);
  });

  test('reshard journals are handed on with participants and new shards', () => {
    const items = run([
      {
        type: 16,
        keyspace: 'customer',
        shard: '-',
        journal: {
          id: 42,
          migrationType: 1,
          participants: [{ keyspace: 'customer', shard: '-' }],
          shardGtids: [
            { keyspace: 'customer', shard: '-80', gtid: gtid(1) },
            { keyspace: 'customer', shard: '80-', gtid: gtid(1, '4e11fa47-71ca-11e1-9e33-c80aa9429562') },
          ],
        },
      },
    ]);
    expect(items).toEqual([
      {
        kind: 'journal',
        id: '42',
        participants: [{ keyspace: 'customer', shard: '-' }],
        newShards: [
          { keyspace: 'customer', shard: '-80', gtid: gtid(1) },
          { keyspace: 'customer', shard: '80-', gtid: gtid(1, '4e11fa47-71ca-11e1-9e33-c80aa9429562') },
        ],
      },
    ]);
  });
});
