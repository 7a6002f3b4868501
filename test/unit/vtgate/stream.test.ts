// Pins the running-phase shape of the test vtgate's VStream against Vitess: event order per
// transaction, VGTIDs listing every shard, FIELD resends, DDL/OTHER, resume, purge and errors.
import { describe, expect, it } from 'vitest';
import { MySqlFlag, VEventType, VtrpcCode } from '../../../src/vstream/proto.js';
import { CUSTOMER, PRODUCT, cells, positions, request, rowImages, stream, vtgate } from './helpers.js';

const TWO_SHARDS = { keyspaces: [{ name: 'ks', shards: ['-80', '80-'], tables: [CUSTOMER, PRODUCT] }] };

describe('starting at current', () => {
  it('sends VGTID then OTHER per shard, listing every shard (the others still "current")', async () => {
    const v = await vtgate(TWO_SHARDS);
    const s = stream(v, request([{ keyspace: 'ks', gtid: 'current' }]));
    await s.count(VEventType.OTHER, 2);
    expect(s.types()).toEqual(['VGTID', 'OTHER', 'VGTID', 'OTHER']);
    const [first, , second] = s.events;
    expect(Object.keys(positions(first!))).toEqual(['ks/-80', 'ks/80-']);
    expect(Object.values(positions(first!))).toContain('current');
    expect(Object.values(positions(second!)).every((g) => g.startsWith('MySQL56/'))).toBe(true);
    expect(s.responses.map((r) => r.events.length)).toEqual([2, 2]);
    expect(first!.keyspace).toBe('ks');
  });
});

describe('MariaDB flavor', () => {
  it('hands out MariaDB/<domain>-<server id>-<seq> positions', async () => {
    const v = await vtgate({ keyspaces: [{ name: 'ks', tables: [CUSTOMER] }], gtidFlavor: 'MariaDB' });
    const s = stream(v, request([{ keyspace: 'ks', shard: '-', gtid: 'current' }]));
    await s.count(VEventType.OTHER, 1);
    v.insert('customer', { id: 1, name: 'a' });
    const evs = await s.count(VEventType.COMMIT, 1);
    const gtids = evs.filter((e) => e.vgtid).map((e) => positions(e)['ks/-']!);
    expect(gtids[0]).toMatch(/^MariaDB\/0-\d+-1$/);
    expect(gtids[1]).toBe(gtids[0]!.replace(/-1$/, '-2'));
  });
});

describe('transactions', () => {
  it('delivers BEGIN, FIELD, ROW, VGTID, COMMIT; FIELD only before the first row of a table', async () => {
    const v = await vtgate({ keyspaces: [{ name: 'ks', tables: [CUSTOMER] }] });
    const s = stream(v, request([{ keyspace: 'ks', shard: '-', gtid: 'current' }]));
    await s.count(VEventType.OTHER, 1);
    v.insert('customer', { id: 1, name: 'Ann', tier: 'pro', balance: '0.5' });
    v.update('customer', { id: 1 }, { balance: 7 });
    v.delete('customer', { id: 1 });
    await s.count(VEventType.COMMIT, 3);
    expect(s.types().slice(2)).toEqual([
      ...['BEGIN', 'FIELD', 'ROW', 'VGTID', 'COMMIT'],
      ...['BEGIN', 'ROW', 'VGTID', 'COMMIT'],
      ...['BEGIN', 'ROW', 'VGTID', 'COMMIT'],
    ]);
    const field = s.events.find((e) => e.type === VEventType.FIELD)!.fieldEvent!;
    expect(field.tableName).toBe('ks.customer');
    expect(field.enumSetStringValues).toBe(true);
    expect(field.fields.map((f) => f.name)).toEqual(['id', 'name', 'tier', 'balance']);
    expect(field.fields[0]!.flags & MySqlFlag.PRI_KEY_FLAG).toBeTruthy();
    const rows = s.events.filter((e) => e.type === VEventType.ROW).map((e) => e.rowEvent!);
    expect(cells(rows[0]!.rowChanges[0]!.after)).toEqual(['1', 'Ann', 'pro', '.50']);
    expect(rows[0]!.rowChanges[0]!.before).toBeNull();
    expect(cells(rows[1]!.rowChanges[0]!.before)).toEqual(['1', 'Ann', 'pro', '.50']);
    expect(cells(rows[1]!.rowChanges[0]!.after)).toEqual(['1', 'Ann', 'pro', '7.00']);
    expect(rows[2]!.rowChanges[0]!.after).toBeNull();
    expect(rows[0]!.flags).toBe(1); // STMT_END_F
    const commit = s.events.find((e) => e.type === VEventType.COMMIT)!;
    expect(Number(commit.timestamp)).toBeGreaterThan(1_600_000_000);
    expect(Number(commit.currentTime)).toBeGreaterThan(1_600_000_000e9);
  });

  it('grows each shard GTID set per transaction and commits a multi-shard transaction per shard', async () => {
    const v = await vtgate(TWO_SHARDS);
    const s = stream(v, request([{ keyspace: 'ks', gtid: 'current' }]));
    await s.count(VEventType.OTHER, 2);
    const start = positions(s.events[2]!);
    const result = v.run([
      {
        op: 'insert',
        table: 'customer',
        rows: Array.from({ length: 8 }, (_, i) => ({ id: i + 1, name: `n${i}` })),
      },
    ]);
    expect(result.positions).toHaveLength(2);
    await s.count(VEventType.COMMIT, 2);
    const vgtids = s.events.filter((e) => e.type === VEventType.VGTID).slice(2);
    for (const ev of vgtids) {
      const p = positions(ev);
      const shard = `${ev.keyspace}/${ev.shard}`;
      expect(p[shard]).toBe(start[shard]!.replace(/1-(\d+)$/, (_, n) => `1-${Number(n) + 1}`));
    }
    expect(rowImages(s.events).length).toBe(8);
    // each response holds one shard's events only
    for (const r of s.responses) expect(new Set(r.events.map((e) => e.shard)).size).toBe(1);
  });

  it('keeps bare table names with exclude_keyspace_from_table_name', async () => {
    const v = await vtgate({ keyspaces: [{ name: 'ks', tables: [CUSTOMER] }] });
    const s = stream(
      v,
      request([{ keyspace: 'ks', shard: '-', gtid: 'current' }], {
        flags: { excludeKeyspaceFromTableName: true },
      }),
    );
    await s.count(VEventType.OTHER, 1);
    v.insert('customer', { id: 1, name: 'x' });
    const evs = await s.count(VEventType.COMMIT, 1);
    expect(evs.find((e) => e.type === VEventType.ROW)!.rowEvent!.tableName).toBe('customer');
  });

  it('sends filtered-out transactions as BEGIN, VGTID, COMMIT and applies column lists', async () => {
    const v = await vtgate({ keyspaces: [{ name: 'ks', tables: [CUSTOMER, PRODUCT] }] });
    const filter = { rules: [{ match: 'customer', filter: 'select name, id from customer where id > 1' }] };
    const s = stream(v, request([{ keyspace: 'ks', shard: '-', gtid: 'current' }], { filter }));
    await s.count(VEventType.OTHER, 1);
    v.insert('product', { sku: 'a', price: 1 });
    v.insert('customer', [
      { id: 1, name: 'one' },
      { id: 2, name: 'two' },
    ]);
    await s.count(VEventType.COMMIT, 2);
    expect(s.types().slice(2)).toEqual([
      'BEGIN',
      'VGTID',
      'COMMIT',
      'BEGIN',
      'FIELD',
      'ROW',
      'VGTID',
      'COMMIT',
    ]);
    expect(s.events.find((e) => e.fieldEvent)!.fieldEvent!.fields.map((f) => f.name)).toEqual(['name', 'id']);
    expect(rowImages(s.events)).toEqual([['two', '2']]);
  });

  it('streams floats in Go exponent form and ENUMs as indexes in legacy mode', async () => {
    const v = await vtgate({
      keyspaces: [{ name: 'ks', tables: [CUSTOMER, PRODUCT] }],
      enumSetAsText: false,
    });
    const s = stream(v, request([{ keyspace: 'ks', shard: '-', gtid: 'current' }]));
    await s.count(VEventType.OTHER, 1);
    v.run([
      { op: 'insert', table: 'product', rows: { sku: 'a', price: 1.5, weight: 0.1 } },
      { op: 'insert', table: 'customer', rows: { id: 1, name: 'x', tier: 'enterprise' } },
    ]);
    const evs = await s.count(VEventType.COMMIT, 1);
    expect(rowImages(evs, 'ks.product')).toEqual([['a', '1.5E+00', '1E-01']]);
    expect(rowImages(evs, 'ks.customer')).toEqual([['1', 'x', '3', null]]);
    expect(evs.filter((e) => e.fieldEvent).map((e) => e.fieldEvent!.enumSetStringValues)).toEqual([
      false,
      false,
    ]);
  });

  it('splits a large transaction across responses; only the last holds the VGTID', async () => {
    const v = await vtgate({
      keyspaces: [{ name: 'ks', tables: [CUSTOMER] }],
      packetSize: 200,
      rowEventMaxBytes: 100,
    });
    const s = stream(v, request([{ keyspace: 'ks', shard: '-', gtid: 'current' }]));
    await s.count(VEventType.OTHER, 1);
    v.insert(
      'customer',
      Array.from({ length: 40 }, (_, i) => ({ id: i + 1, name: `customer number ${i}` })),
    );
    await s.count(VEventType.COMMIT, 1);
    const responses = s.responses.slice(1);
    expect(responses.length).toBeGreaterThan(3);
    expect(responses.slice(0, -1).every((r) => r.events.every((e) => e.type !== VEventType.VGTID))).toBe(
      true,
    );
    expect(
      responses
        .at(-1)!
        .events.map((e) => e.type)
        .slice(-2),
    ).toEqual([VEventType.VGTID, VEventType.COMMIT]);
    const rowEvents = s.events.filter((e) => e.rowEvent);
    expect(rowEvents.length).toBeGreaterThan(1);
    expect(rowEvents.map((e) => e.rowEvent!.flags)).toEqual([...rowEvents.slice(1).map(() => 0), 1]);
    expect(rowImages(s.events).length).toBe(40);
  });
});

describe('DDL', () => {
  it('sends VGTID + DDL, then a new FIELD; a DDL on an unstreamed table is VGTID + OTHER', async () => {
    const v = await vtgate({ keyspaces: [{ name: 'ks', tables: [CUSTOMER, PRODUCT] }] });
    const filter = { rules: [{ match: '/cust', filter: '' }] };
    const s = stream(v, request([{ keyspace: 'ks', shard: '-', gtid: 'current' }], { filter }));
    await s.count(VEventType.OTHER, 1);
    v.insert('customer', { id: 1, name: 'a' });
    v.ddl({
      op: 'addColumn',
      table: 'customer',
      column: 'note varchar(20) not null default "hi"',
      after: 'name',
    });
    v.ddl({ op: 'dropColumn', table: 'product', column: 'weight' });
    v.insert('customer', { id: 2, name: 'b' });
    await s.count(VEventType.COMMIT, 2);
    expect(s.types().slice(2)).toEqual([
      ...['BEGIN', 'FIELD', 'ROW', 'VGTID', 'COMMIT'],
      ...['VGTID', 'DDL'],
      ...['VGTID', 'OTHER'],
      ...['BEGIN', 'FIELD', 'ROW', 'VGTID', 'COMMIT'],
    ]);
    const ddl = s.events.find((e) => e.type === VEventType.DDL)!;
    expect(ddl.statement).toBe(
      "alter table customer add column note varchar(20) not null default 'hi' after name",
    );
    const fields = s.events.filter((e) => e.fieldEvent).map((e) => e.fieldEvent!.fields.map((f) => f.name));
    expect(fields[1]).toEqual(['id', 'name', 'note', 'tier', 'balance']);
    expect(rowImages(s.events)[1]).toEqual(['2', 'b', 'hi', 'free', null]);
    expect(v.rows('customer')[0]).toMatchObject({ id: '1', note: 'hi' });
  });

  it('renames and creates tables', async () => {
    const v = await vtgate({ keyspaces: [{ name: 'ks', tables: [CUSTOMER] }] });
    const s = stream(v, request([{ keyspace: 'ks', shard: '-', gtid: 'current' }]));
    await s.count(VEventType.OTHER, 1);
    v.ddl({ op: 'renameTable', table: 'customer', to: 'client' });
    v.ddl({ op: 'createTable', table: { name: 'audit', columns: ['id int primary key', 'what text'] } });
    v.insert('client', { id: 5, name: 'z' });
    v.insert('audit', { id: 1, what: 'created' });
    await s.count(VEventType.COMMIT, 2);
    expect(s.events.filter((e) => e.statement).map((e) => e.statement)).toEqual([
      'rename table customer to client',
      'create table audit (id int not null, what text, primary key (id))',
    ]);
    expect(s.events.filter((e) => e.fieldEvent).map((e) => e.fieldEvent!.tableName)).toEqual([
      'ks.client',
      'ks.audit',
    ]);
  });
});

describe('resuming', () => {
  it('delivers exactly the transactions after a VGTID it handed out', async () => {
    const v = await vtgate(TWO_SHARDS);
    const ids = Array.from({ length: 10 }, (_, i) => i + 1);
    const first = stream(v, request([{ keyspace: 'ks', gtid: 'current' }]));
    await first.count(VEventType.OTHER, 2);
    for (const id of ids.slice(0, 5)) v.insert('customer', { id, name: `c${id}` });
    await first.count(VEventType.COMMIT, 5);
    const vgtid = first.events.filter((e) => e.type === VEventType.VGTID).at(-1)!.vgtid!;
    first.close();
    for (const id of ids.slice(5)) v.insert('customer', { id, name: `c${id}` });

    const resumed = stream(v, request(vgtid.shardGtids));
    await resumed.count(VEventType.COMMIT, 5);
    await new Promise((r) => setTimeout(r, 30));
    const got = rowImages(resumed.events).map((r) => Number(r[0]));
    expect(got.sort((a, b) => a - b)).toEqual(ids.slice(5));
    expect(resumed.types()[0]).toBe('BEGIN'); // no VGTID/OTHER preamble when resuming
  });

  it('refuses a position the shard never had, or whose binlogs are purged', async () => {
    const v = await vtgate({ keyspaces: [{ name: 'ks', tables: [CUSTOMER] }] });
    const start = v.currentVgtid();
    v.insert('customer', { id: 1, name: 'a' });
    const future = start.shardGtids![0]!.gtid!.replace(/1-(\d+)$/, '1-99');
    const bad = stream(v, request([{ keyspace: 'ks', shard: '-', gtid: future }]));
    await bad.end();
    expect(bad.error?.code).toBe(VtrpcCode.INVALID_ARGUMENT);
    expect(bad.error?.details).toMatch(/GTIDSet Mismatch: requested source position:/);
    expect(bad.error?.details).toMatch(/^error starting stream from shard GTID keyspace:"ks" shard:"-"/);

    const garbled = stream(v, request([{ keyspace: 'ks', shard: '-', gtid: 'MySQL56/xyz' }]));
    await garbled.end();
    expect(garbled.error?.code).toBe(VtrpcCode.INVALID_ARGUMENT);

    v.purgeBinlogs({ keep: 0 });
    const purged = stream(v, request(start.shardGtids as never));
    await purged.end();
    expect(purged.error?.code).toBe(VtrpcCode.UNKNOWN);
    expect(purged.error?.details).toMatch(/Cannot replicate because the source purged required binary logs/);

    // The position right at the purge point still works.
    const ok = stream(v, request(v.currentVgtid().shardGtids as never));
    v.insert('customer', { id: 2, name: 'b' });
    await ok.count(VEventType.COMMIT, 1);
  });

  it('keeps resumes working up to a purgeBefore point', async () => {
    const v = await vtgate({ keyspaces: [{ name: 'ks', tables: [CUSTOMER] }], gtidFlavor: 'MariaDB' });
    v.insert('customer', { id: 1, name: 'a' });
    const mid = v.currentVgtid();
    expect(mid.shardGtids![0]!.gtid).toMatch(/^MariaDB\/0-\d+-2$/);
    v.insert('customer', { id: 2, name: 'b' });
    v.purgeBefore(mid);
    const s = stream(v, request(mid.shardGtids as never));
    await s.count(VEventType.COMMIT, 1);
    expect(rowImages(s.events)).toEqual([['2', 'b', 'free', null]]);
  });
});

describe('request errors', () => {
  it('answers bad requests with the codes and messages vtgate uses', async () => {
    const v = await vtgate(TWO_SHARDS);
    const cases: [unknown[], number, RegExp][] = [
      [
        [],
        VtrpcCode.INVALID_ARGUMENT,
        /^failed to resolve vstream parameters: vgtid must have at least one value/,
      ],
      [
        [{ keyspace: '', gtid: '' }],
        VtrpcCode.INVALID_ARGUMENT,
        /for an empty keyspace, the Gtid value must be 'current'/,
      ],
      [[{ keyspace: 'ks', gtid: 'MySQL56/x' }], VtrpcCode.INVALID_ARGUMENT, /if shards are unspecified/],
      [[{ keyspace: 'nope', gtid: 'current' }], VtrpcCode.UNKNOWN, /keyspace nope fetch error/],
      [
        [{ keyspace: 'ks', shard: '40-', gtid: 'current' }],
        VtrpcCode.FAILED_PRECONDITION,
        /shard provided in VGTID, 40-, not found/,
      ],
      [
        [{ keyspace: 'nope', shard: '-', gtid: 'current' }],
        VtrpcCode.CANCELED,
        /failed to find a PRIMARY tablet for VStream in nope\/-/,
      ],
    ];
    for (const [shardGtids, code, message] of cases) {
      const s = stream(v, request(shardGtids as never));
      await s.end();
      expect(s.error?.code, JSON.stringify(shardGtids)).toBe(code);
      expect(s.error?.details).toMatch(message);
    }
    const badFilter = stream(
      v,
      request([{ keyspace: 'ks', shard: '-80', gtid: '' }], {
        filter: { rules: [{ match: 'customer', filter: 'select x from customer' }] },
      }),
    );
    await badFilter.end();
    expect(badFilter.error?.code).toBe(VtrpcCode.FAILED_PRECONDITION);
    expect(badFilter.error?.details).toMatch(
      /persistent error .* giving up: column x not found in table customer/,
    );
  });

  it('streams every keyspace for an empty keyspace at current, and regex keyspaces', async () => {
    const v = await vtgate({
      keyspaces: [
        { name: 'ks', shards: ['-80', '80-'], tables: [CUSTOMER] },
        { name: 'other', tables: [PRODUCT] },
      ],
    });
    const all = stream(v, request([{ keyspace: '', gtid: 'current' }]));
    await all.count(VEventType.OTHER, 3);
    expect(Object.keys(positions(all.events.at(-2)!)).sort()).toEqual(['ks/-80', 'ks/80-', 'other/-']);
    const re = stream(v, request([{ keyspace: '/^oth', gtid: 'current' }]));
    await re.count(VEventType.OTHER, 1);
    expect(Object.keys(positions(re.events[0]!))).toEqual(['other/-']);
  });
});
