// Builders for VStream event sequences as vtgate sends them. Events go through our real encoder and decoder,
// so tests see exactly the objects the client sees on the wire.
import {
  MySqlFlag,
  QueryType,
  VEventType,
  decodeVStreamResponse,
  encodeVStreamResponse,
  type Field,
  type Init,
  type VEvent,
  type VEventInit,
} from '../../src/vstream/proto.js';

export const UTF8MB4 = 255;
export const BINARY_COLLATION = 63;

export type CellInput = string | Buffer | null;

export function encodeRow(cells: CellInput[]): { lengths: number[]; values: Buffer } {
  const lengths: number[] = [];
  const parts: Buffer[] = [];
  for (const cell of cells) {
    if (cell === null) {
      lengths.push(-1);
      continue;
    }
    const bytes = typeof cell === 'string' ? Buffer.from(cell, 'utf8') : cell;
    lengths.push(bytes.length);
    parts.push(bytes);
  }
  return { lengths, values: Buffer.concat(parts) };
}

/** `id bigint NOT NULL PRIMARY KEY` as vttablet describes it. */
export function pkBigint(name = 'id'): Init<Field> {
  return {
    name,
    type: QueryType.INT64,
    charset: BINARY_COLLATION,
    flags: MySqlFlag.NOT_NULL_FLAG | MySqlFlag.PRI_KEY_FLAG | MySqlFlag.PART_KEY_FLAG | MySqlFlag.NUM_FLAG,
    columnType: 'bigint',
    columnLength: 20,
  };
}

export function varchar(name: string, length = 255): Init<Field> {
  return {
    name,
    type: QueryType.VARCHAR,
    charset: UTF8MB4,
    columnType: `varchar(${length})`,
    columnLength: length * 4,
  };
}

export function int(name: string): Init<Field> {
  return {
    name,
    type: QueryType.INT32,
    charset: BINARY_COLLATION,
    flags: MySqlFlag.NUM_FLAG,
    columnType: 'int',
    columnLength: 11,
  };
}

export function gtid(n: number, uuid = '3e11fa47-71ca-11e1-9e33-c80aa9429562'): string {
  return `MySQL56/${uuid}:1-${n}`;
}

interface Place {
  keyspace: string;
  shard: string;
}

/** Event factories for one keyspace/shard; `ts` is the binlog timestamp in seconds. */
export function at(keyspace: string, shard: string, ts = 1_700_000_000) {
  const place: Place = { keyspace, shard };
  const base = (type: VEventType, extra: VEventInit = {}): VEventInit => ({
    type,
    timestamp: ts,
    currentTime: ts * 1e9,
    ...place,
    ...extra,
  });
  return {
    begin: () => base(VEventType.BEGIN),
    commit: () => base(VEventType.COMMIT),
    rollback: () => base(VEventType.ROLLBACK),
    other: () => base(VEventType.OTHER),
    ddl: (statement: string) => base(VEventType.DDL, { statement }),
    field: (
      table: string,
      fields: Init<Field>[],
      extra: { enumSetStringValues?: boolean; isInternalTable?: boolean } = {},
    ) =>
      base(VEventType.FIELD, {
        fieldEvent: {
          tableName: `${keyspace}.${table}`,
          fields,
          ...place,
          enumSetStringValues: true,
          ...extra,
        },
      }),
    insert: (table: string, ...rows: CellInput[][]) =>
      base(VEventType.ROW, {
        rowEvent: {
          tableName: `${keyspace}.${table}`,
          ...place,
          rowChanges: rows.map((r) => ({ after: encodeRow(r) })),
        },
      }),
    update: (table: string, before: CellInput[], after: CellInput[]) =>
      base(VEventType.ROW, {
        rowEvent: {
          tableName: `${keyspace}.${table}`,
          ...place,
          rowChanges: [{ before: encodeRow(before), after: encodeRow(after) }],
        },
      }),
    delete: (table: string, before: CellInput[]) =>
      base(VEventType.ROW, {
        rowEvent: {
          tableName: `${keyspace}.${table}`,
          ...place,
          rowChanges: [{ before: encodeRow(before) }],
        },
      }),
    /** A copy-phase row batch: after images, timestamp 0. */
    copyRows: (table: string, ...rows: CellInput[][]) => ({
      ...base(VEventType.ROW, {
        rowEvent: {
          tableName: `${keyspace}.${table}`,
          ...place,
          rowChanges: rows.map((r) => ({ after: encodeRow(r) })),
        },
      }),
      timestamp: 0,
    }),
    copyCompleted: () => base(VEventType.COPY_COMPLETED),
  };
}

export type ShardPos = {
  keyspace: string;
  shard: string;
  gtid: string;
  tablePKs?: { tableName: string; lastpk: unknown }[];
};

export function vgtidEvent(shards: ShardPos[]): VEventInit {
  return { type: VEventType.VGTID, vgtid: { shardGtids: shards as never } };
}

export function heartbeat(ts = 1_700_000_100): VEventInit {
  return { type: VEventType.HEARTBEAT, timestamp: ts, currentTime: ts * 1e9 };
}

export function globalCopyCompleted(): VEventInit {
  return { type: VEventType.COPY_COMPLETED };
}

/** Round-trips events through the wire encoding, one VStreamResponse. */
export function wire(events: VEventInit[]): VEvent[] {
  return decodeVStreamResponse(encodeVStreamResponse({ events })).events;
}
