import { describe, expect, it } from 'vitest';
import {
  Vgtid,
  VgtidError,
  checkVgtidCoversConfig,
  compareGtidSets,
  formatGtidSet,
  gtidSetContains,
  parseGtidSet,
  parseShardKeyRange,
  sameKeyRangeCoverage,
} from '../../../src/vstream/vgtid.js';
import type { VgtidErrorCode } from '../../../src/vstream/vgtid.js';

const UUID_A = '6f2a1c3e-0b4d-11ef-8a10-0242ac120002';
const UUID_B = 'a91c77d0-0b4d-11ef-9c55-0242ac120003';

/** Runs fn and returns the VgtidError it throws. */
function vgtidError(fn: () => unknown): VgtidError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(VgtidError);
    return err as VgtidError;
  }
  throw new Error('expected a VgtidError');
}

function expectVgtidError(fn: () => unknown, code: VgtidErrorCode, message: string | RegExp): void {
  const err = vgtidError(fn);
  expect(err.code).toBe(code);
  if (typeof message === 'string') expect(err.message).toBe(message);
  else expect(err.message).toMatch(message);
}

// What Go's encoding/json writes for a binlogdata.VGtid (vitess go/vt/vstreamclient stores it so):
// proto field names, enum and int64 values as numbers, bytes as base64, empty fields left out.
const ENCODING_JSON_FIXTURE =
  '{"shard_gtids":[' +
  `{"keyspace":"commerce","shard":"-80","gtid":"MySQL56/${UUID_A}:1-1043",` +
  '"table_p_ks":[{"table_name":"customer","lastpk":{"fields":[{"name":"customer_id","type":265,"charset":63,"flags":49667}],' +
  '"rows":[{"lengths":[3],"values":"MTAw"}]}}]},' +
  `{"keyspace":"commerce","shard":"80-","gtid":"MySQL56/${UUID_A}:1-2210,${UUID_B}:1-7"}` +
  ']}';

// The same VGTID as protojson with UseProtoNames: int64 as strings, enums by name.
const PROTOJSON_FIXTURE = `{
  "shard_gtids": [
    {
      "keyspace": "commerce",
      "shard": "-80",
      "gtid": "MySQL56/${UUID_A}:1-1043",
      "table_p_ks": [
        {
          "table_name": "customer",
          "lastpk": {
            "fields": [{ "name": "customer_id", "type": "INT64", "charset": 63, "flags": 49667 }],
            "rows": [{ "lengths": ["3"], "values": "MTAw" }]
          }
        }
      ]
    },
    { "keyspace": "commerce", "shard": "80-", "gtid": "MySQL56/${UUID_A}:1-2210,${UUID_B}:1-7" }
  ]
}`;

// And as default protojson: lowerCamelCase JSON names (tablePKs, tableName).
const CAMEL_CASE_FIXTURE = `{
  "shardGtids": [
    {
      "keyspace": "commerce",
      "shard": "-80",
      "gtid": "MySQL56/${UUID_A}:1-1043",
      "tablePKs": [
        {
          "tableName": "customer",
          "lastpk": {
            "fields": [{ "name": "customer_id", "type": "INT64", "charset": 63, "flags": 49667 }],
            "rows": [{ "lengths": ["3"], "values": "MTAw" }]
          }
        }
      ]
    },
    { "keyspace": "commerce", "shard": "80-", "gtid": "MySQL56/${UUID_A}:1-2210,${UUID_B}:1-7" }
  ]
}`;

describe('Vgtid JSON', () => {
  it('round-trips the encoding/json layout byte for byte', () => {
    const vgtid = Vgtid.parse(ENCODING_JSON_FIXTURE);
    expect(vgtid.serialize()).toBe(ENCODING_JSON_FIXTURE);
    expect(Vgtid.parse(vgtid.serialize()).equals(vgtid)).toBe(true);
  });

  it('reads protojson (string int64, enum names) and camelCase names into the same value', () => {
    const reference = Vgtid.parse(ENCODING_JSON_FIXTURE);
    expect(Vgtid.parse(PROTOJSON_FIXTURE).serialize()).toBe(ENCODING_JSON_FIXTURE);
    expect(Vgtid.parse(CAMEL_CASE_FIXTURE).equals(reference)).toBe(true);
  });

  it('exposes the positions with the last PK kept JSON-safe', () => {
    const vgtid = Vgtid.parse(ENCODING_JSON_FIXTURE);
    expect(vgtid.shards()).toEqual([
      {
        keyspace: 'commerce',
        shard: '-80',
        gtid: `MySQL56/${UUID_A}:1-1043`,
        tablePKs: [
          {
            tableName: 'customer',
            lastpk: {
              fields: [{ name: 'customer_id', type: 265, charset: 63, flags: 49667 }],
              rows: [{ lengths: [3], values: 'MTAw' }],
            },
          },
        ],
      },
      { keyspace: 'commerce', shard: '80-', gtid: `MySQL56/${UUID_A}:1-2210,${UUID_B}:1-7`, tablePKs: [] },
    ]);
    expect(Object.isFrozen(vgtid.shards()[0]!.tablePKs[0]!.lastpk)).toBe(true);
  });

  it('treats a left-out gtid as "" (proto3 JSON drops empty strings): a copy from scratch', () => {
    const vgtid = Vgtid.parse('{"shard_gtids":[{"keyspace":"commerce","shard":"0"}]}');
    expect(vgtid.get('commerce', '0')?.gtid).toBe('');
    expect(vgtid.isCopyInProgress()).toBe(true);
    expect(vgtid.serialize()).toBe('{"shard_gtids":[{"keyspace":"commerce","shard":"0","gtid":""}]}');
  });

  it('keeps the optional Field metadata and a NULL cell in a last PK', () => {
    const text =
      '{"shard_gtids":[{"keyspace":"ks","shard":"-","gtid":"","table_p_ks":[{"table_name":"t","lastpk":' +
      '{"fields":[{"name":"a","type":6165,"charset":255,"flags":0,"column_type":"varchar(10)"},' +
      '{"name":"b","type":265,"charset":63,"flags":0}],"rows":[{"lengths":[-1,2],"values":"NDI="}]}}]}]}';
    const vgtid = Vgtid.parse(text);
    expect(vgtid.serialize()).toBe(text);
    expect(vgtid.shards()[0]!.tablePKs[0]!.lastpk!.fields[0]).toEqual({
      name: 'a',
      type: 6165,
      charset: 255,
      flags: 0,
      columnType: 'varchar(10)',
    });
  });

  it('accepts the zero-valued QueryResult fields protojson writes with EmitUnpopulated', () => {
    const text =
      '{"shard_gtids":[{"keyspace":"ks","shard":"-80","gtid":"","table_p_ks":[{"table_name":"t","lastpk":' +
      '{"fields":[{"name":"id","type":"INT64","table":"","org_table":"","database":"","org_name":"",' +
      '"column_length":0,"charset":63,"decimals":0,"flags":0,"column_type":""}],"rows_affected":"0",' +
      '"insert_id":"0","rows":[{"lengths":["1"],"values":"MQ=="}],"info":"","session_state_changes":"",' +
      '"insert_id_changed":false}}]}]}';
    expect(Vgtid.parse(text).serialize()).toBe(
      '{"shard_gtids":[{"keyspace":"ks","shard":"-80","gtid":"","table_p_ks":[{"table_name":"t","lastpk":' +
        '{"fields":[{"name":"id","type":265,"charset":63,"flags":0}],"rows":[{"lengths":[1],"values":"MQ=="}]}}]}]}',
    );
    expectVgtidError(
      () => Vgtid.parse(text.replace('"rows_affected":"0"', '"rows_affected":"5"')),
      'invalid_shape',
      'VGTID shard_gtids[0].table_p_ks[0].lastpk.rows_affected: a last PK carries no rows_affected, got the string "5"',
    );
  });

  it('accepts a table whose copy has not reported a last PK yet', () => {
    const vgtid = Vgtid.parse(
      '{"shard_gtids":[{"keyspace":"ks","shard":"-80","gtid":"","table_p_ks":[{"table_name":"t"}]}]}',
    );
    expect(vgtid.shards()[0]!.tablePKs).toEqual([{ tableName: 't', lastpk: null }]);
  });

  it.each<[string, string, VgtidErrorCode, string | RegExp]>([
    ['malformed JSON', '{"shard_gtids":[', 'malformed_json', /^VGTID is not valid JSON: /],
    ['empty text', '', 'malformed_json', /^VGTID is not valid JSON: /],
    [
      'a Debezium offset list',
      '[{"keyspace":"ks","shard":"-80","gtid":"current"}]',
      'invalid_shape',
      'VGTID (root): expected an object with "shard_gtids", got an array (a Debezium offset?)',
    ],
    [
      'a bare string',
      '"current"',
      'invalid_shape',
      'VGTID (root): expected an object, got the string "current"',
    ],
    [
      'a foreign top-level key',
      '{"vgtid":{"shard_gtids":[]}}',
      'invalid_shape',
      'VGTID (root): unexpected key "vgtid"',
    ],
    [
      'no shard positions',
      '{"shard_gtids":[]}',
      'invalid_shape',
      'VGTID shard_gtids: holds no shard position',
    ],
    ['nothing at all', '{}', 'invalid_shape', 'VGTID shard_gtids: holds no shard position'],
    [
      'a missing keyspace',
      '{"shard_gtids":[{"shard":"-80","gtid":"current"}]}',
      'invalid_shape',
      'VGTID shard_gtids[0].keyspace: missing',
    ],
    [
      'an empty keyspace',
      '{"shard_gtids":[{"keyspace":"","shard":"-80","gtid":"current"}]}',
      'invalid_shape',
      'VGTID shard_gtids[0].keyspace: missing or empty',
    ],
    [
      'a keyspace regex',
      '{"shard_gtids":[{"keyspace":"/.*","shard":"-80","gtid":"current"}]}',
      'invalid_shape',
      'VGTID shard_gtids[0].keyspace: a keyspace regex is not a position; name the keyspace',
    ],
    [
      'a missing shard',
      '{"shard_gtids":[{"keyspace":"ks","gtid":"current"}]}',
      'invalid_shape',
      'VGTID shard_gtids[0].shard: missing',
    ],
    [
      'a gtid that is not a string',
      '{"shard_gtids":[{"keyspace":"ks","shard":"-80","gtid":42}]}',
      'invalid_shape',
      'VGTID shard_gtids[0].gtid: expected a string, got a number',
    ],
    [
      'a gtid without flavor',
      `{"shard_gtids":[{"keyspace":"ks","shard":"-80","gtid":"${UUID_A}:1-5"}]}`,
      'invalid_gtid',
      `VGTID shard_gtids[0].gtid: expected "", "current" or "<MySQL56|MariaDB|FilePos>/<position>", got "${UUID_A}:1-5"`,
    ],
    [
      'a broken GTID set',
      '{"shard_gtids":[{"keyspace":"ks","shard":"-80","gtid":"MySQL56/not-a-uuid:1-5"}]}',
      'invalid_gtid',
      'VGTID shard_gtids[0].gtid: GTID set "MySQL56/not-a-uuid:1-5": "not-a-uuid" is not a source UUID',
    ],
    [
      'a duplicate shard',
      '{"shard_gtids":[{"keyspace":"ks","shard":"-80","gtid":"current"},{"keyspace":"ks","shard":"-80","gtid":""}]}',
      'duplicate_shard',
      'VGTID shard_gtids[1]: shard ks/-80 appears twice',
    ],
    [
      'an unknown key in a shard',
      '{"shard_gtids":[{"keyspace":"ks","shard":"-80","gtid":"","position":"x"}]}',
      'invalid_shape',
      'VGTID shard_gtids[0]: unexpected key "position"',
    ],
    [
      'both spellings of a key',
      '{"shard_gtids":[{"keyspace":"ks","shard":"-80","gtid":"","table_p_ks":[],"tablePKs":[]}]}',
      'invalid_shape',
      'VGTID shard_gtids[0]: both "table_p_ks" and "tablePKs" are present',
    ],
    [
      'a table listed twice',
      '{"shard_gtids":[{"keyspace":"ks","shard":"-80","gtid":"","table_p_ks":[{"table_name":"t"},{"table_name":"t"}]}]}',
      'invalid_shape',
      'VGTID shard_gtids[0].table_p_ks[1]: table "t" appears twice',
    ],
    [
      'an unknown query type name',
      '{"shard_gtids":[{"keyspace":"ks","shard":"-80","gtid":"","table_p_ks":[{"table_name":"t","lastpk":' +
        '{"fields":[{"name":"id","type":"BIGINT"}],"rows":[{"lengths":[1],"values":"MQ=="}]}}]}]}',
      'invalid_shape',
      'VGTID shard_gtids[0].table_p_ks[0].lastpk.fields[0].type: unknown query type "BIGINT"',
    ],
    [
      'values that are not base64',
      '{"shard_gtids":[{"keyspace":"ks","shard":"-80","gtid":"","table_p_ks":[{"table_name":"t","lastpk":' +
        '{"fields":[{"name":"id","type":265}],"rows":[{"lengths":[1],"values":"1!"}]}}]}]}',
      'invalid_shape',
      'VGTID shard_gtids[0].table_p_ks[0].lastpk.rows[0].values: expected base64 bytes, got the string "1!"',
    ],
    [
      'lengths that disagree with the bytes',
      '{"shard_gtids":[{"keyspace":"ks","shard":"-80","gtid":"","table_p_ks":[{"table_name":"t","lastpk":' +
        '{"fields":[{"name":"id","type":265}],"rows":[{"lengths":[3],"values":"MQ=="}]}}]}]}',
      'invalid_shape',
      'VGTID shard_gtids[0].table_p_ks[0].lastpk.rows[0]: lengths add up to 3 bytes but values hold 1',
    ],
    [
      'a row with fewer lengths than fields',
      '{"shard_gtids":[{"keyspace":"ks","shard":"-80","gtid":"","table_p_ks":[{"table_name":"t","lastpk":' +
        '{"fields":[{"name":"a","type":265},{"name":"b","type":265}],"rows":[{"lengths":[1],"values":"MQ=="}]}}]}]}',
      'invalid_shape',
      'VGTID shard_gtids[0].table_p_ks[0].lastpk.rows[0]: 1 lengths for 2 fields',
    ],
  ])('refuses %s', (_what, text, code, message) => {
    expectVgtidError(() => Vgtid.parse(text), code, message);
  });
});

describe('Vgtid protobuf objects', () => {
  const long = (n: number) => ({ toNumber: () => n, low: n, high: 0, unsigned: false });
  const message = {
    shardGtids: [
      {
        keyspace: 'commerce',
        shard: '-80',
        gtid: `MySQL56/${UUID_A}:1-1043`,
        tablePKs: [
          {
            tableName: 'customer',
            lastpk: {
              fields: [{ name: 'customer_id', type: 265, charset: 63, flags: 49667 }],
              rows: [{ lengths: [long(3)], values: new Uint8Array([0x31, 0x30, 0x30]) }],
            },
          },
        ],
      },
      { keyspace: 'commerce', shard: '80-', gtid: `MySQL56/${UUID_A}:1-2210,${UUID_B}:1-7`, tablePKs: [] },
    ],
  };

  it('reads a decoded message with Long lengths and Uint8Array values', () => {
    expect(Vgtid.fromProto(message).serialize()).toBe(ENCODING_JSON_FIXTURE);
  });

  it('writes the camelCase object protobufjs expects', () => {
    expect(Vgtid.parse(ENCODING_JSON_FIXTURE).toProto()).toEqual({
      shardGtids: [
        {
          keyspace: 'commerce',
          shard: '-80',
          gtid: `MySQL56/${UUID_A}:1-1043`,
          tablePKs: [
            {
              tableName: 'customer',
              lastpk: {
                fields: [{ name: 'customer_id', type: 265, charset: 63, flags: 49667 }],
                rows: [{ lengths: [3], values: new Uint8Array([0x31, 0x30, 0x30]) }],
              },
            },
          ],
        },
        { keyspace: 'commerce', shard: '80-', gtid: `MySQL56/${UUID_A}:1-2210,${UUID_B}:1-7`, tablePKs: [] },
      ],
    });
  });

  it('round-trips through toProto and fromProto', () => {
    const vgtid = Vgtid.parse(ENCODING_JSON_FIXTURE);
    expect(Vgtid.fromProto(vgtid.toProto()).equals(vgtid)).toBe(true);
  });

  it('refuses bytes given as a string', () => {
    const bad = {
      shardGtids: [
        {
          keyspace: 'ks',
          shard: '-80',
          gtid: '',
          tablePKs: [
            {
              tableName: 't',
              lastpk: { fields: [{ name: 'id', type: 265 }], rows: [{ lengths: [1], values: 'MQ==' }] },
            },
          ],
        },
      ],
    };
    expectVgtidError(
      () => Vgtid.fromProto(bad),
      'invalid_shape',
      'VGTID shard_gtids[0].table_p_ks[0].lastpk.rows[0].values: expected bytes, got the string "MQ=="',
    );
  });
});

describe('Vgtid equality and canonical form', () => {
  const a = Vgtid.of([
    { keyspace: 'ks', shard: '-80', gtid: `MySQL56/${UUID_A}:1-5` },
    { keyspace: 'ks', shard: '80-', gtid: `MySQL56/${UUID_B}:1-9` },
  ]);

  it('ignores shard order', () => {
    const b = Vgtid.of([
      { keyspace: 'ks', shard: '80-', gtid: `MySQL56/${UUID_B}:1-9` },
      { keyspace: 'ks', shard: '-80', gtid: `MySQL56/${UUID_A}:1-5` },
    ]);
    expect(a.equals(b)).toBe(true);
    expect(a.canonicalString()).toBe(b.canonicalString());
    expect(a.serialize()).not.toBe(b.serialize());
  });

  it('compares GTID sets as sets', () => {
    const b = Vgtid.of([
      { keyspace: 'ks', shard: '80-', gtid: `MySQL56/${UUID_B.toUpperCase()}:1-3:4-9` },
      { keyspace: 'ks', shard: '-80', gtid: `MySQL56/${UUID_A}:1-2:3-5` },
    ]);
    expect(a.equals(b)).toBe(true);
    expect(a.canonicalString()).toBe(
      `{"shard_gtids":[{"keyspace":"ks","shard":"-80","gtid":"MySQL56/${UUID_A}:1-5"},` +
        `{"keyspace":"ks","shard":"80-","gtid":"MySQL56/${UUID_B}:1-9"}]}`,
    );
  });

  it('sees a different position, shard set or copy progress', () => {
    expect(a.equals(a.withShard({ keyspace: 'ks', shard: '-80', gtid: `MySQL56/${UUID_A}:1-6` }))).toBe(
      false,
    );
    expect(a.equals(a.withoutShard('ks', '80-'))).toBe(false);
    const copying = a.withShard({
      keyspace: 'ks',
      shard: '-80',
      gtid: `MySQL56/${UUID_A}:1-5`,
      tablePKs: [{ tableName: 't', lastpk: null }],
    });
    expect(a.equals(copying)).toBe(false);
  });

  it('orders tables inside the canonical form', () => {
    const one = Vgtid.of([
      {
        keyspace: 'ks',
        shard: '0',
        gtid: '',
        tablePKs: [
          { tableName: 'b', lastpk: null },
          { tableName: 'a', lastpk: null },
        ],
      },
    ]);
    const two = Vgtid.of([
      {
        keyspace: 'ks',
        shard: '0',
        gtid: '',
        tablePKs: [
          { tableName: 'a', lastpk: null },
          { tableName: 'b', lastpk: null },
        ],
      },
    ]);
    expect(one.equals(two)).toBe(true);
  });
});

describe('Vgtid helpers', () => {
  const vgtid = Vgtid.of([
    { keyspace: 'ks', shard: '-80', gtid: `MySQL56/${UUID_A}:1-5` },
    { keyspace: 'ks', shard: '80-', gtid: 'current' },
    { keyspace: 'other', shard: '0', gtid: `MySQL56/${UUID_B}:1-2` },
  ]);

  it('flags a shard still at "current" (DBZ-8541)', () => {
    expect(vgtid.hasUnresolvedCurrent()).toBe(true);
    expect(vgtid.unresolvedShards()).toEqual(['ks/80-']);
    const resolved = vgtid.withShard({ keyspace: 'ks', shard: '80-', gtid: `MySQL56/${UUID_A}:1-3` });
    expect(resolved.hasUnresolvedCurrent()).toBe(false);
  });

  it('tells a copy in progress from a running stream', () => {
    const running = vgtid.withShard({ keyspace: 'ks', shard: '80-', gtid: `MySQL56/${UUID_A}:1-3` });
    expect(running.isCopyInProgress()).toBe(false);
    expect(running.withShard({ keyspace: 'ks', shard: '80-', gtid: '' }).isCopyInProgress()).toBe(true);
    const withProgress = running.withShard({
      keyspace: 'other',
      shard: '0',
      gtid: `MySQL56/${UUID_B}:1-2`,
      tablePKs: [{ tableName: 't', lastpk: null }],
    });
    expect(withProgress.isCopyInProgress()).toBe(true);
  });

  it('lists keyspaces and shards', () => {
    expect(vgtid.keyspaces()).toEqual(['ks', 'other']);
    expect(vgtid.shardsOf('ks')).toEqual(['-80', '80-']);
    expect(vgtid.get('other', '0')?.gtid).toBe(`MySQL56/${UUID_B}:1-2`);
    expect(vgtid.get('other', '-80')).toBeUndefined();
  });

  it('replaces a shard in place and appends a new one', () => {
    const next = vgtid
      .withShard({ keyspace: 'ks', shard: '-80', gtid: `MySQL56/${UUID_A}:1-6` })
      .withShard({ keyspace: 'third', shard: '-', gtid: '' });
    expect(next.shards().map((s) => `${s.keyspace}/${s.shard}@${s.gtid}`)).toEqual([
      `ks/-80@MySQL56/${UUID_A}:1-6`,
      'ks/80-@current',
      `other/0@MySQL56/${UUID_B}:1-2`,
      'third/-@',
    ]);
    expect(vgtid.get('ks', '-80')?.gtid).toBe(`MySQL56/${UUID_A}:1-5`);
  });

  it('refuses to remove an unknown or the last shard', () => {
    expectVgtidError(
      () => vgtid.withoutShard('ks', 'c0-'),
      'invalid_shape',
      'VGTID shard_gtids: shard ks/c0- is not in the VGTID',
    );
    const single = Vgtid.of([{ keyspace: 'ks', shard: '0', gtid: '' }]);
    expectVgtidError(
      () => single.withoutShard('ks', '0'),
      'invalid_shape',
      'VGTID shard_gtids: holds no shard position',
    );
  });

  it('refuses a malformed position given to withShard', () => {
    expectVgtidError(
      () => vgtid.withShard({ keyspace: 'ks', shard: '', gtid: 'current' }),
      'invalid_shape',
      'VGTID shard_gtids[3].shard: missing or empty (a position names each shard)',
    );
  });
});

describe('Vgtid.applyJournal (stop_on_reshard)', () => {
  const before = Vgtid.of([
    { keyspace: 'ks', shard: '-80', gtid: `MySQL56/${UUID_A}:1-100` },
    { keyspace: 'ks', shard: '80-', gtid: `MySQL56/${UUID_B}:1-50` },
  ]);
  const journal = {
    migrationType: 1,
    participants: [{ keyspace: 'ks', shard: '-80' }],
    shardGtids: [
      { keyspace: 'ks', shard: '-40', gtid: `MySQL56/${UUID_A}:1-100` },
      { keyspace: 'ks', shard: '40-80', gtid: `MySQL56/${UUID_A}:1-100` },
    ],
  };

  it('drops the participants and adds the new shards', () => {
    const after = before.applyJournal(journal);
    expect(after.shards()).toEqual([
      { keyspace: 'ks', shard: '80-', gtid: `MySQL56/${UUID_B}:1-50`, tablePKs: [] },
      { keyspace: 'ks', shard: '-40', gtid: `MySQL56/${UUID_A}:1-100`, tablePKs: [] },
      { keyspace: 'ks', shard: '40-80', gtid: `MySQL56/${UUID_A}:1-100`, tablePKs: [] },
    ]);
  });

  it('handles a full merge of every shard into one', () => {
    const after = before.applyJournal({
      migrationType: 'SHARDS',
      participants: [
        { keyspace: 'ks', shard: '-80' },
        { keyspace: 'ks', shard: '80-' },
      ],
      shardGtids: [{ keyspace: 'ks', shard: '-', gtid: `MySQL56/${UUID_A}:1-200` }],
    });
    expect(after.shardsOf('ks')).toEqual(['-']);
  });

  it('refuses a participant the stream does not have', () => {
    expectVgtidError(
      () => before.applyJournal({ ...journal, participants: [{ keyspace: 'ks', shard: '-40' }] }),
      'invalid_journal',
      'journal participant ks/-40 is not in the VGTID',
    );
  });

  it('refuses new shards that do not cover the old key range', () => {
    expectVgtidError(
      () => before.applyJournal({ ...journal, shardGtids: journal.shardGtids.slice(0, 1) }),
      'invalid_journal',
      'journal moves ks from [-80] to [-40], which cover different key ranges',
    );
  });

  it('refuses a table migration journal', () => {
    expectVgtidError(
      () => before.applyJournal({ ...journal, migrationType: 0 }),
      'invalid_journal',
      'journal migration type 0 is not SHARDS',
    );
  });

  it('refuses a journal shard without a valid position', () => {
    const bad = { ...journal, shardGtids: [{ keyspace: 'ks', shard: '-80', gtid: 7 }] };
    expectVgtidError(
      () => before.applyJournal(bad),
      'invalid_journal',
      'VGTID journal.shard_gtids[0].gtid: expected a string, got a number',
    );
  });
});

describe('shard key ranges', () => {
  it.each<[string, { start: string; end: string } | undefined]>([
    ['-80', { start: '', end: '8' }],
    ['80-', { start: '8', end: '' }],
    ['40-80', { start: '4', end: '8' }],
    ['-', { start: '', end: '' }],
    ['', { start: '', end: '' }],
    ['0', { start: '', end: '' }],
    ['4000-8000', { start: '4', end: '8' }],
    ['A0-C0', { start: 'a', end: 'c' }],
    ['8-81', { start: '8', end: '81' }],
    ['80-40', undefined],
    ['80-80', undefined],
    ['-00', undefined],
    ['custom', undefined],
    ['x0-', undefined],
    ['-80-c0', undefined],
  ])('parses %j', (shard, range) => {
    expect(parseShardKeyRange(shard)).toEqual(range);
  });

  it.each<[string[], string[], boolean]>([
    [['-'], ['-80', '80-'], true],
    [['0'], ['-40', '40-80', '80-c0', 'c0-'], true],
    [['-80', '80-'], ['80-', '-80'], true],
    [['-80'], ['-40', '40-80'], true],
    [['-8000'], ['-80'], true],
    [['-80', 'c0-'], ['-'], false],
    [['-80'], ['-'], false],
    [['-80', '40-'], ['-'], false], // overlapping shards are never a valid set
    [['custom_a', 'custom_b'], ['custom_b', 'custom_a'], true],
    [['custom_a'], ['-'], false],
    [[], [], true],
  ])('%j and %j cover the same range: %s', (a, b, same) => {
    expect(sameKeyRangeCoverage(a, b)).toBe(same);
    expect(sameKeyRangeCoverage(b, a)).toBe(same);
  });
});

describe('checkVgtidCoversConfig', () => {
  const stored = Vgtid.of([
    { keyspace: 'commerce', shard: '-80', gtid: `MySQL56/${UUID_A}:1-5` },
    { keyspace: 'commerce', shard: '80-', gtid: `MySQL56/${UUID_A}:1-9` },
  ]);

  it('accepts the configured shards', () => {
    expect(() =>
      checkVgtidCoversConfig(stored, { keyspaces: [{ name: 'commerce', shards: ['80-', '-80'] }] }),
    ).not.toThrow();
    expect(() => checkVgtidCoversConfig(stored, { keyspaces: [{ name: 'commerce' }] })).not.toThrow();
  });

  it('accepts a reshard over the same key range', () => {
    expect(() =>
      checkVgtidCoversConfig(stored, { keyspaces: [{ name: 'commerce', shards: ['-'] }] }),
    ).not.toThrow();
  });

  it('refuses a configuration that dropped a shard', () => {
    expectVgtidError(
      () => checkVgtidCoversConfig(stored, { keyspaces: [{ name: 'commerce', shards: ['-80'] }] }),
      'coverage_mismatch',
      'stored VGTID does not match the configured stream: keyspace commerce: configured shards [-80] and ' +
        'stored shards [-80, 80-] do not cover the same key range',
    );
  });

  it('refuses shards that leave a gap', () => {
    const gap = Vgtid.of([
      { keyspace: 'commerce', shard: '-80', gtid: '' },
      { keyspace: 'commerce', shard: 'c0-', gtid: '' },
    ]);
    expectVgtidError(
      () => checkVgtidCoversConfig(gap, { keyspaces: [{ name: 'commerce', shards: ['-'] }] }),
      'coverage_mismatch',
      /configured shards \[-\] and stored shards \[-80, c0-\] do not cover the same key range/,
    );
    expectVgtidError(
      () => checkVgtidCoversConfig(gap, { keyspaces: [{ name: 'commerce' }] }),
      'coverage_mismatch',
      /stored shards \[-80, c0-\] do not cover the whole keyspace but the configuration streams every shard/,
    );
  });

  it('refuses keyspaces added to or removed from the configuration, listing every problem', () => {
    expectVgtidError(
      () => checkVgtidCoversConfig(stored, { keyspaces: [{ name: 'customer' }] }),
      'coverage_mismatch',
      'stored VGTID does not match the configured stream: keyspace commerce is in the VGTID but not in the ' +
        'configuration; keyspace customer is configured but has no position in the VGTID',
    );
  });

  it('compares custom shard names by name', () => {
    const custom = Vgtid.of([{ keyspace: 'ks', shard: 'east', gtid: '' }]);
    expect(() =>
      checkVgtidCoversConfig(custom, { keyspaces: [{ name: 'ks', shards: ['east'] }] }),
    ).not.toThrow();
    expect(() => checkVgtidCoversConfig(custom, { keyspaces: [{ name: 'ks' }] })).not.toThrow();
    expectVgtidError(
      () => checkVgtidCoversConfig(custom, { keyspaces: [{ name: 'ks', shards: ['west'] }] }),
      'coverage_mismatch',
      /configured shards \[west\] and stored shards \[east\]/,
    );
  });
});

describe('GTID sets', () => {
  it('parses and normalises a MySQL56 set', () => {
    const set = parseGtidSet(`MySQL56/${UUID_B}:5-7:1-3:4, ${UUID_A.toUpperCase()}:10`);
    expect(set).toEqual({
      flavor: 'MySQL56',
      intervals: new Map([
        [UUID_A, [{ start: 10n, end: 10n }]],
        [UUID_B, [{ start: 1n, end: 7n }]],
      ]),
    });
    expect(formatGtidSet(set)).toBe(`MySQL56/${UUID_A}:10,${UUID_B}:1-7`);
  });

  it('parses tagged GTIDs (MySQL 8.3+) as separate keys', () => {
    const set = parseGtidSet(`MySQL56/${UUID_A}:1-5:Batch:1-2:3`);
    expect(set.flavor === 'MySQL56' && [...set.intervals.keys()]).toEqual([UUID_A, `${UUID_A}:batch`]);
    expect(formatGtidSet(set)).toBe(`MySQL56/${UUID_A}:1-5:batch:1-3`);
    expect(gtidSetContains(set, `MySQL56/${UUID_A}:batch:2`)).toBe(true);
    expect(gtidSetContains(set, `MySQL56/${UUID_A}:other:2`)).toBe(false);
  });

  it('parses an empty set', () => {
    expect(formatGtidSet(parseGtidSet('MySQL56/'))).toBe('MySQL56/');
    expect(gtidSetContains(`MySQL56/${UUID_A}:1`, 'MySQL56/')).toBe(true);
  });

  it('decides MySQL56 containment interval by interval', () => {
    const a = `MySQL56/${UUID_A}:1-100,${UUID_B}:1-5:7-9`;
    expect(gtidSetContains(a, `MySQL56/${UUID_A}:1-100`)).toBe(true);
    expect(gtidSetContains(a, `MySQL56/${UUID_A}:20-30,${UUID_B}:8`)).toBe(true);
    expect(gtidSetContains(a, `MySQL56/${UUID_B}:5-7`)).toBe(false); // 6 is missing
    expect(gtidSetContains(a, `MySQL56/${UUID_A}:101`)).toBe(false);
    expect(gtidSetContains(`MySQL56/${UUID_A}:1-100`, a)).toBe(false);
  });

  it('decides MariaDB containment per domain', () => {
    const a = 'MariaDB/0-1-100,1-2-50';
    expect(gtidSetContains(a, 'MariaDB/0-1-90')).toBe(true);
    expect(gtidSetContains(a, 'MariaDB/0-3-100,1-2-50')).toBe(true); // the server id does not matter
    expect(gtidSetContains(a, 'MariaDB/0-1-101')).toBe(false);
    expect(gtidSetContains(a, 'MariaDB/2-1-1')).toBe(false);
    expect(formatGtidSet(parseGtidSet('MariaDB/1-2-50, 0-1-100'))).toBe('MariaDB/0-1-100,1-2-50');
  });

  it('compares positions', () => {
    expect(compareGtidSets(`MySQL56/${UUID_A}:1-5`, `MySQL56/${UUID_A}:1-3:4-5`)).toBe('equal');
    expect(compareGtidSets(`MySQL56/${UUID_A}:1-6`, `MySQL56/${UUID_A}:1-5`)).toBe('ahead');
    expect(compareGtidSets('MariaDB/0-1-5', 'MariaDB/0-1-6')).toBe('behind');
    expect(compareGtidSets(`MySQL56/${UUID_A}:1-5`, `MySQL56/${UUID_B}:1-5`)).toBe('diverged');
  });

  it('refuses to compare flavors', () => {
    expectVgtidError(
      () => gtidSetContains(`MySQL56/${UUID_A}:1`, 'MariaDB/0-1-1'),
      'invalid_gtid',
      'cannot compare a MySQL56 position with a MariaDB one',
    );
  });

  it.each<[string, string]>([
    ['FilePos/binlog.000001:4', 'expected a "MySQL56/" or "MariaDB/" prefix'],
    [`${UUID_A}:1-5`, 'expected a "MySQL56/" or "MariaDB/" prefix'],
    [`MySQL56/${UUID_A}`, `${UUID_A} has no interval`],
    [`MySQL56/${UUID_A}:0-5`, '"0-5" is not a valid interval'],
    [`MySQL56/${UUID_A}:5-3`, '"5-3" is not a valid interval'],
    [`MySQL56/${UUID_A}:1-9223372036854775808`, '"1-9223372036854775808" is not a valid interval'],
    [`MySQL56/${UUID_A}:1:tag`, `${UUID_A}:tag has no interval`],
    [`MySQL56/${UUID_A}:1:bad-tag:2`, '"bad-tag" is neither an interval nor a tag'],
    ['MariaDB/0-1', '"0-1" is not domain-server-sequence'],
    ['MariaDB/0-1-5,0-2-6', 'domain 0 appears twice'],
    ['MariaDB/4294967296-1-1', '"4294967296-1-1" is out of range'],
  ])('refuses %j', (position, problem) => {
    expectVgtidError(
      () => parseGtidSet(position),
      'invalid_gtid',
      `GTID set ${JSON.stringify(position)}: ${problem}`,
    );
  });

  it('accepts a FilePos position inside a VGTID as opaque', () => {
    const vgtid = Vgtid.of([{ keyspace: 'ks', shard: '0', gtid: 'FilePos/binlog.000001:4' }]);
    expect(vgtid.canonicalString()).toContain('FilePos/binlog.000001:4');
  });
});
