// Pins the VStream wire format with byte vectors worked out by hand (field number << 3 | wire
// type, base-128 varints, zigzag for sint64), so a wrong .proto number or type fails here.
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import {
  FieldEvent,
  FieldEventMode,
  MigrationType,
  MySqlFlag,
  QueryFlag,
  QueryType,
  Row,
  RowChangeBitmap,
  TableLastPK,
  TabletType,
  VEvent,
  VEventType,
  VStreamFlags,
  VStreamRequest,
  VtrpcCode,
  decodeVStreamRequest,
  decodeVStreamResponse,
  encodeVStreamRequest,
  encodeVStreamResponse,
  int64ToBigInt,
  int64ToNumber,
  protoRoot,
  vEventTypeName,
} from '../../../src/vstream/proto.js';
import type {
  FieldEvent as FieldEventMsg,
  Long,
  Row as RowMsg,
  RowChangeBitmap as BitmapMsg,
  TableLastPK as TableLastPKMsg,
  VEvent as VEventMsg,
  VStreamFlags as VStreamFlagsMsg,
  VStreamResponseInit,
} from '../../../src/vstream/proto.js';

/** Hex digits with spaces, newlines and `//` comments -> Buffer. */
const hex = (s: string): Buffer => Buffer.from(s.replace(/\/\/.*$/gm, '').replace(/\s+/g, ''), 'hex');
const ascii = (s: string): Buffer => Buffer.from(s, 'latin1');
const encode = (t: typeof Row, msg: object): Buffer => Buffer.from(t.encode(msg).finish());

describe('query.Row (sint64 lengths + bytes values)', () => {
  // 3 bytes "abc" then 300 bytes "x"; the NULL (-1) and empty (0) cells take no bytes.
  const values = Buffer.concat([ascii('abc'), Buffer.alloc(300, 'x')]);
  const rowBytes = Buffer.concat([
    hex(`
      0a 05                  // field 1 lengths, wire type 2 (packed), 5 bytes:
      01                     // zigzag(-1) = 1
      00                     // zigzag(0) = 0
      06                     // zigzag(3) = 6
      d8 04                  // zigzag(300) = 600 = 0x258 -> 0x58|0x80, 0x258>>7 = 4
      12 af 02               // field 2 values, wire type 2, 303 bytes (0x12f -> 0x2f|0x80, 0x12f>>7 = 2)
    `),
    values,
  ]);

  it('encodes lengths packed and zigzagged', () => {
    expect(encode(Row, { lengths: [-1, 0, 3, 300], values }).equals(rowBytes)).toBe(true);
  });

  it('decodes packed lengths into plain numbers and values into a view', () => {
    const row = Row.decode(rowBytes) as unknown as RowMsg;
    expect(row.lengths).toEqual([-1, 0, 3, 300]);
    expect(row.lengths.every((n) => typeof n === 'number')).toBe(true);
    expect(Buffer.from(row.values).equals(values)).toBe(true);
    expect(row.values.buffer).toBe(rowBytes.buffer); // no copy
  });

  it('decodes unpacked lengths (one varint per element) the same way', () => {
    // 08 = field 1, wire type 0 (varint), repeated per element
    const row = Row.decode(hex('08 01  08 00  08 06  08 d8 04  12 03 616263')) as unknown as RowMsg;
    expect(row.lengths).toEqual([-1, 0, 3, 300]);
    expect(ascii('abc').equals(Buffer.from(row.values))).toBe(true);
  });

  it('appends when packed and unpacked runs are mixed', () => {
    const row = Row.decode(hex('0a 02 01 02  08 04')) as unknown as RowMsg;
    expect(row.lengths).toEqual([-1, 1, 2]);
    expect(row.values.length).toBe(0);
  });

  it('accepts the largest safe integers and rejects anything beyond', () => {
    // zigzag(2^53-1) = 2^54-2: low group 0x7e, six 0x7f groups, then 5 bits 0x1f
    expect((Row.decode(hex('08 fe ff ff ff ff ff ff 1f')) as unknown as RowMsg).lengths).toEqual([
      Number.MAX_SAFE_INTEGER,
    ]);
    // zigzag(-(2^53-1)) = 2^54-3
    expect((Row.decode(hex('08 fd ff ff ff ff ff ff 1f')) as unknown as RowMsg).lengths).toEqual([
      -Number.MAX_SAFE_INTEGER,
    ]);
    // zigzag(2^53) = 2^54: only bit 54, i.e. bit 5 of the 8th group
    expect(() => Row.decode(hex('08 80 80 80 80 80 80 80 20'))).toThrow(/safe integer/);
    // zigzag(-2^53) = 2^54-1
    expect(() => Row.decode(hex('08 ff ff ff ff ff ff ff 1f'))).toThrow(/safe integer/);
    // a 10-byte varint with bit 63 set (zigzag of the most negative int64)
    expect(() => Row.decode(hex('08 ff ff ff ff ff ff ff ff ff 01'))).toThrow(/safe integer/);
  });

  it('rejects truncated input', () => {
    expect(() => Row.decode(hex('0a 05 01 00'))).toThrow(RangeError); // packed run cut short
    expect(() => Row.decode(hex('08 80'))).toThrow(RangeError); // varint cut short
    expect(() => Row.decode(hex('12 05 61 62'))).toThrow(RangeError); // values cut short
  });

  it('skips unknown fields of every wire type', () => {
    const row = Row.decode(
      hex(`
        18 05                  // field 3 varint
        0a 01 06               // lengths [3]
        21 0102030405060708    // field 4 fixed64
        2a 02 abcd             // field 5 length-delimited
        7d 01020304            // field 15 fixed32
        12 03 616263           // values "abc"
      `),
    ) as unknown as RowMsg;
    expect(row.lengths).toEqual([3]);
    expect(ascii('abc').equals(Buffer.from(row.values))).toBe(true);
  });

  it('keeps the hand-written decoder after the reflected encoder has been set up', () => {
    encode(Row, { lengths: [1], values: ascii('a') });
    const row = Row.decode(hex('0a 01 02')) as unknown as RowMsg;
    expect(row.lengths).toEqual([1]);
  });
});

describe('binlogdata messages', () => {
  it('TableLastPK keeps lastpk at field 3 (tag 0x1a); there is no field 2', () => {
    const bytes = hex(`
      0a 02 7431             // field 1 table_name "t1"
      1a 11                  // field 3 lastpk (QueryResult), 17 bytes:
        0a 07                  // field 1 fields[0] (Field), 7 bytes:
          0a 02 6964             // name "id"
          10 89 02               // type INT64 = 265 = 0x109 -> 0x89, 0x02
        22 06                  // field 4 rows[0] (Row), 6 bytes:
          0a 01 02               // lengths [1]
          12 01 37               // values "7"
    `);
    const msg = {
      tableName: 't1',
      lastpk: {
        fields: [{ name: 'id', type: QueryType.INT64 }],
        rows: [{ lengths: [1], values: ascii('7') }],
      },
    };
    expect(encode(TableLastPK, msg).equals(bytes)).toBe(true);

    const back = TableLastPK.decode(bytes) as unknown as TableLastPKMsg;
    expect(back.tableName).toBe('t1');
    expect(back.lastpk?.fields[0]?.name).toBe('id');
    expect(back.lastpk?.fields[0]?.type).toBe(QueryType.INT64);
    expect(back.lastpk?.rows[0]?.lengths).toEqual([1]);
    expect(ascii('7').equals(Buffer.from(back.lastpk!.rows[0]!.values))).toBe(true);

    // A field 2 (here a string, tag 0x12) is unknown and must be skipped.
    const withField2 = TableLastPK.decode(
      Buffer.concat([hex('12 01 78'), bytes]),
    ) as unknown as TableLastPKMsg;
    expect(withField2.tableName).toBe('t1');
    expect(withField2.lastpk?.rows).toHaveLength(1);
  });

  it('VEvent fields 20-23 use two-byte tags', () => {
    const bytes = hex(`
      08 12                  // type LASTPK (18)
      a0 01 ac 02            // field 20 current_time (20<<3 = 0xa0 -> a0 01) = 300 (ac 02)
      aa 01 08               // field 21 last_p_k_event (21<<3|2 = 0xaa), 8 bytes:
        0a 04                  // table_last_p_k, 4 bytes:
          0a 02 7431             // table_name "t1"
        10 01                  // completed = true
      b2 01 02 6b73          // field 22 keyspace "ks"
      ba 01 03 2d3830        // field 23 shard "-80"
    `);
    const msg = {
      type: VEventType.LASTPK,
      currentTime: 300,
      lastPKEvent: { tableLastPK: { tableName: 't1' }, completed: true },
      keyspace: 'ks',
      shard: '-80',
    };
    expect(encode(VEvent, msg).equals(bytes)).toBe(true);

    const ev = VEvent.decode(bytes) as unknown as VEventMsg;
    expect(ev.type).toBe(VEventType.LASTPK);
    expect(int64ToNumber(ev.currentTime)).toBe(300);
    expect(ev.lastPKEvent?.tableLastPK?.tableName).toBe('t1');
    expect(ev.lastPKEvent?.completed).toBe(true);
    expect(ev.keyspace).toBe('ks');
    expect(ev.shard).toBe('-80');
    // absent sub-messages are null, absent int64 is a Long zero
    expect(ev.rowEvent).toBeNull();
    expect(ev.vgtid).toBeNull();
    expect(int64ToNumber(ev.timestamp)).toBe(0);
    expect(typeof ev.timestamp).toBe('object');
  });

  it('VEvent fields 24-28', () => {
    const bytes = hex(`
      08 01                  // type GTID
      1a 01 78               // field 3 gtid "x"
      c0 01 01               // field 24 throttled = true
      ca 01 01 72            // field 25 throttled_reason "r"
      d0 01 05               // field 26 commit_parent = 5
      d8 01 06               // field 27 sequence_number = 6
      e2 01 01 67            // field 28 event_gtid "g"
    `);
    const msg = {
      type: VEventType.GTID,
      gtid: 'x',
      throttled: true,
      throttledReason: 'r',
      commitParent: 5,
      sequenceNumber: 6,
      eventGtid: 'g',
    };
    expect(encode(VEvent, msg).equals(bytes)).toBe(true);
    const ev = VEvent.decode(bytes) as unknown as VEventMsg;
    expect([ev.throttled, ev.throttledReason, ev.eventGtid]).toEqual([true, 'r', 'g']);
    expect([int64ToNumber(ev.commitParent), int64ToNumber(ev.sequenceNumber)]).toEqual([5, 6]);
  });

  it('FieldEvent field 25 enum_set_string_values has tag c8 01', () => {
    const bytes = hex(`
      0a 04 6b732e74         // field 1 table_name "ks.t"
      12 11                  // field 2 fields[0], 17 bytes:
        0a 01 65               // name "e"
        10 9a 10               // type ENUM = 2074 = 0x81a -> 0x9a, 0x10
        5a 09 656e756d2827612729 // field 11 column_type "enum('a')" (11<<3|2 = 0x5a)
      c8 01 01               // field 25 enum_set_string_values = true (25<<3 = 0xc8)
      d0 01 01               // field 26 is_internal_table = true
    `);
    const msg = {
      tableName: 'ks.t',
      fields: [{ name: 'e', type: QueryType.ENUM, columnType: "enum('a')" }],
      enumSetStringValues: true,
      isInternalTable: true,
    };
    expect(encode(FieldEvent, msg).equals(bytes)).toBe(true);
    const fe = FieldEvent.decode(bytes) as unknown as FieldEventMsg;
    expect(fe.enumSetStringValues).toBe(true);
    expect(fe.isInternalTable).toBe(true);
    expect(fe.fields[0]?.columnType).toBe("enum('a')");
    expect(fe.fields[0]?.type).toBe(QueryType.ENUM);
  });

  it('absent bytes decode as an empty Uint8Array, not a plain array', () => {
    // RowChange.Bitmap with only count = 3 (field 1 varint)
    const bm = RowChangeBitmap.decode(hex('08 03')) as unknown as BitmapMsg;
    expect(int64ToNumber(bm.count)).toBe(3);
    expect(bm.cols).toBeInstanceOf(Uint8Array);
    expect(bm.cols.length).toBe(0);
    const row = Row.decode(hex('0a 01 01')) as unknown as RowMsg;
    expect(row.values).toBeInstanceOf(Uint8Array);
  });
});

describe('vtgate / topodata / query enums', () => {
  it('VStreamFlags fields 9-11', () => {
    const bytes = hex(`
      10 0a                  // field 2 heartbeat_interval = 10
      4a 01 61               // field 9 tables_to_copy "a" (9<<3|2 = 0x4a)
      4a 01 62               // field 9 tables_to_copy "b"
      50 01                  // field 10 exclude_keyspace_from_table_name = true
      58 80 80 40            // field 11 transaction_chunk_size = 2^20 (groups 0, 0, 0x40)
    `);
    const msg = {
      heartbeatInterval: 10,
      tablesToCopy: ['a', 'b'],
      excludeKeyspaceFromTableName: true,
      transactionChunkSize: 1 << 20,
    };
    expect(encode(VStreamFlags, msg).equals(bytes)).toBe(true);
    const flags = VStreamFlags.decode(bytes) as unknown as VStreamFlagsMsg;
    expect(flags.tablesToCopy).toEqual(['a', 'b']);
    expect(flags.excludeKeyspaceFromTableName).toBe(true);
    expect(int64ToNumber(flags.transactionChunkSize)).toBe(1 << 20);
    expect(flags.minimizeSkew).toBe(false);
  });

  it('TabletType aliases: MASTER == PRIMARY == 1, RDONLY == BATCH == 3', () => {
    const values = protoRoot.lookupEnum('topodata.TabletType').values;
    expect([values.MASTER, values.PRIMARY, TabletType.MASTER, TabletType.PRIMARY]).toEqual([1, 1, 1, 1]);
    expect([values.RDONLY, values.BATCH, TabletType.RDONLY, TabletType.BATCH]).toEqual([3, 3, 3, 3]);
    // VStreamRequest field 2 tablet_type, varint
    expect(encodeVStreamRequest({ tabletType: TabletType.MASTER }).equals(hex('10 01'))).toBe(true);
    expect(encodeVStreamRequest({ tabletType: TabletType.PRIMARY }).equals(hex('10 01'))).toBe(true);
    expect(encodeVStreamRequest({ tabletType: TabletType.BATCH }).equals(hex('10 03'))).toBe(true);
    expect(decodeVStreamRequest(hex('10 03')).tabletType).toBe(TabletType.RDONLY);
  });

  it('MySqlFlag NUM_FLAG == GROUP_FLAG == 32768', () => {
    const values = protoRoot.lookupEnum('query.MySqlFlag').values;
    expect([values.NUM_FLAG, values.GROUP_FLAG, MySqlFlag.NUM_FLAG, MySqlFlag.GROUP_FLAG]).toEqual([
      32768, 32768, 32768, 32768,
    ]);
    // Field field 10 flags (tag 0x50) = 2^15 -> groups 0, 0, 2
    const field = protoRoot.lookupType('query.Field');
    expect(Buffer.from(field.encode({ flags: MySqlFlag.NUM_FLAG }).finish()).equals(hex('50 80 80 02'))).toBe(
      true,
    );
  });

  it('the TypeScript enum objects match the .proto enums', () => {
    const pairs: [string, Record<string, number>][] = [
      ['binlogdata.VEventType', VEventType],
      ['query.Type', QueryType],
      ['query.Flag', QueryFlag],
      ['query.MySqlFlag', MySqlFlag],
      ['topodata.TabletType', TabletType],
      ['binlogdata.MigrationType', MigrationType],
      ['binlogdata.Filter.FieldEventMode', FieldEventMode],
      ['vtrpc.Code', VtrpcCode],
    ];
    for (const [name, ts] of pairs) {
      expect({ name, values: { ...protoRoot.lookupEnum(name).values } }).toEqual({ name, values: ts });
    }
    expect(Object.keys(VEventType)).toHaveLength(23); // 0-22
    expect(vEventTypeName(12)).toBe('ROW');
    expect(vEventTypeName(99)).toBe('VEventType(99)');
  });
});

describe('unknown fields', () => {
  it('are skipped when decoding a response', () => {
    // VStreamResponse { events: [{ type: BEGIN, unknown fields 99 and 100 }] } plus a top-level unknown.
    const bytes = hex(`
      0a 0a                  // field 1 events[0], 10 bytes:
        08 02                  // type BEGIN
        98 06 07               // field 99 varint 7 (99<<3 = 792 = 0x318 -> 98 06)
        a2 06 02 abcd          // field 100 length-delimited, 2 bytes (100<<3|2 = 802 -> a2 06)
      f8 07 01               // field 127 varint 1 (127<<3 = 1016 -> f8 07)
    `);
    const res = decodeVStreamResponse(bytes);
    expect(res.events).toHaveLength(1);
    expect(res.events[0]?.type).toBe(VEventType.BEGIN);
    // nothing unknown is kept or re-emitted
    expect(encodeVStreamResponse(res).equals(hex('0a 02 08 02'))).toBe(true);
  });
});

describe('full VStreamResponse round trip', () => {
  const vgtid = {
    shardGtids: [
      {
        keyspace: 'ks',
        shard: '-80',
        gtid: 'MySQL56/00000000-0000-0000-0000-000000000001:1-42',
        tablePKs: [
          {
            tableName: 't',
            lastpk: {
              fields: [{ name: 'id', type: QueryType.INT64 }],
              rows: [{ lengths: [2], values: ascii('42') }],
            },
          },
        ],
      },
    ],
  };
  const response: VStreamResponseInit = {
    events: [
      {
        type: VEventType.BEGIN,
        timestamp: 1_700_000_000,
        currentTime: '1700000000123456789',
        keyspace: 'ks',
        shard: '-80',
      },
      {
        type: VEventType.FIELD,
        fieldEvent: {
          tableName: 'ks.t',
          keyspace: 'ks',
          shard: '-80',
          enumSetStringValues: true,
          fields: [
            { name: 'id', type: QueryType.INT64, charset: 63, flags: 49667, columnType: 'bigint' },
            { name: 'name', type: QueryType.VARCHAR, charset: 255, columnType: 'varchar(10)' },
          ],
        },
      },
      {
        type: VEventType.ROW,
        rowEvent: {
          tableName: 'ks.t',
          keyspace: 'ks',
          shard: '-80',
          flags: 1,
          rowChanges: [
            { after: { lengths: [1, 3], values: ascii('1abc') } },
            {
              before: { lengths: [1, -1], values: ascii('2') },
              after: { lengths: [1, 0], values: ascii('2') },
              dataColumns: { count: 2, cols: hex('03') },
            },
            { before: { lengths: [1, 2], values: ascii('3xy') } },
          ],
        },
      },
      { type: VEventType.VGTID, vgtid },
      { type: VEventType.COMMIT, timestamp: 1_700_000_000 },
    ],
  };

  it('decodes what it encodes, with stable bytes', () => {
    const bytes = encodeVStreamResponse(response);
    expect(Buffer.isBuffer(bytes)).toBe(true);
    const back = decodeVStreamResponse(bytes);
    expect(back.events.map((e) => e.type)).toEqual([
      VEventType.BEGIN,
      VEventType.FIELD,
      VEventType.ROW,
      VEventType.VGTID,
      VEventType.COMMIT,
    ]);
    const [begin, field, row, vg, commit] = back.events as [
      VEventMsg,
      VEventMsg,
      VEventMsg,
      VEventMsg,
      VEventMsg,
    ];

    expect(int64ToNumber(begin.timestamp)).toBe(1_700_000_000);
    expect(int64ToBigInt(begin.currentTime)).toBe(1700000000123456789n);
    expect([begin.keyspace, begin.shard]).toEqual(['ks', '-80']);

    expect(field.fieldEvent?.fields.map((f) => [f.name, f.type, f.charset, f.flags, f.columnType])).toEqual([
      ['id', QueryType.INT64, 63, 49667, 'bigint'],
      ['name', QueryType.VARCHAR, 255, 0, 'varchar(10)'],
    ]);
    expect(field.fieldEvent?.enumSetStringValues).toBe(true);

    const changes = row.rowEvent!.rowChanges;
    expect(changes).toHaveLength(3);
    expect(changes[0]!.before).toBeNull();
    expect(changes[0]!.after?.lengths).toEqual([1, 3]);
    expect(Buffer.from(changes[0]!.after!.values).toString()).toBe('1abc');
    expect(changes[1]!.before?.lengths).toEqual([1, -1]);
    expect(changes[1]!.after?.lengths).toEqual([1, 0]);
    expect(int64ToNumber(changes[1]!.dataColumns!.count)).toBe(2);
    expect(Buffer.from(changes[1]!.dataColumns!.cols).equals(hex('03'))).toBe(true);
    expect(changes[1]!.jsonPartialValues).toBeNull();
    expect(changes[2]!.after).toBeNull();
    expect(row.rowEvent?.flags).toBe(1);

    const sg = vg.vgtid!.shardGtids[0]!;
    expect([sg.keyspace, sg.shard, sg.gtid]).toEqual(['ks', '-80', vgtid.shardGtids[0]!.gtid]);
    expect(sg.tablePKs[0]?.tableName).toBe('t');
    expect(sg.tablePKs[0]?.lastpk?.rows[0]?.lengths).toEqual([2]);

    expect(int64ToNumber(commit.timestamp)).toBe(1_700_000_000);
    expect(encodeVStreamResponse(back).equals(bytes)).toBe(true);
  });

  it('round-trips a request', () => {
    const bytes = encodeVStreamRequest({
      callerId: { principal: 'relay', component: 'test' },
      tabletType: TabletType.REPLICA,
      vgtid,
      filter: {
        rules: [
          {
            match: '/.*',
            convertEnumToText: { e: "'a','b'" },
            convertCharset: { c: { fromCharset: 'latin1', toCharset: 'utf8mb4' } },
          },
        ],
        fieldEventMode: FieldEventMode.BEST_EFFORT,
      },
      flags: { heartbeatInterval: 5, stopOnReshard: true, cells: 'zone1' },
    });
    const req = decodeVStreamRequest(bytes);
    expect(req.callerId?.principal).toBe('relay');
    expect(req.tabletType).toBe(TabletType.REPLICA);
    expect(req.vgtid?.shardGtids[0]?.tablePKs[0]?.lastpk?.rows[0]?.lengths).toEqual([2]);
    expect(req.filter?.rules[0]?.match).toBe('/.*');
    expect(req.filter?.rules[0]?.convertEnumToText).toEqual({ e: "'a','b'" });
    expect(req.filter?.rules[0]?.convertCharset.c?.toCharset).toBe('utf8mb4');
    expect(req.filter?.fieldEventMode).toBe(FieldEventMode.BEST_EFFORT);
    expect(req.flags?.heartbeatInterval).toBe(5);
    expect(req.flags?.stopOnReshard).toBe(true);
    expect(req.flags?.cells).toBe('zone1');
    expect(encodeVStreamRequest(req).equals(bytes)).toBe(true);
    // VStreamRequest is reflected from the same root
    expect(VStreamRequest.fullName).toBe('.vtgate.VStreamRequest');
  });
});

describe('int64 helpers', () => {
  const long = (low: number, high: number, unsigned = false): Long => ({ low, high, unsigned });

  it('convert Long halves, signed and unsigned', () => {
    expect(int64ToNumber(7)).toBe(7);
    expect(int64ToNumber(long(-1, -1))).toBe(-1);
    expect(int64ToNumber(long(0, 1))).toBe(2 ** 32);
    expect(int64ToNumber(long(-1, -1, true))).toBe(2 ** 64); // rounded: beyond 2^53
    expect(int64ToBigInt(long(-1, -1, true))).toBe(2n ** 64n - 1n);
    expect(int64ToBigInt(long(-1, -1))).toBe(-1n);
    expect(int64ToBigInt(long(0x3d85cd15, 0x17979cfe))).toBe(1700000000123456789n);
  });
});

describe('shared protobufjs module', () => {
  it('is left as Temporal needs it: Long support on, Row override local to our root', () => {
    expect(protobuf.util.Long).toBeTruthy();
    const other = protobuf.parse(
      'syntax = "proto3"; message R { repeated sint64 lengths = 1; bytes values = 2; }',
    ).root;
    const decoded = other.lookupType('R').decode(hex('0a 01 01')) as unknown as { lengths: Long[] };
    expect(typeof decoded.lengths[0]).toBe('object'); // a Long, from the stock decoder
    expect(int64ToNumber(decoded.lengths[0]!)).toBe(-1);
  });
});
