// Enum values of the VStream protocol as on the wire, kept free of protobufjs so that the row decoder (and
// anything else) can use them without loading the .proto files. Decoded enum fields can also hold numbers newer than these
// lists, so switches over them need a default branch.

export const VEventType = {
  UNKNOWN: 0,
  GTID: 1,
  BEGIN: 2,
  COMMIT: 3,
  ROLLBACK: 4,
  DDL: 5,
  INSERT: 6,
  REPLACE: 7,
  UPDATE: 8,
  DELETE: 9,
  SET: 10,
  OTHER: 11,
  ROW: 12,
  FIELD: 13,
  HEARTBEAT: 14,
  VGTID: 15,
  JOURNAL: 16,
  VERSION: 17,
  LASTPK: 18,
  SAVEPOINT: 19,
  COPY_COMPLETED: 20,
  PREVIOUS_GTIDS: 21,
  ROWS_QUERY: 22,
} as const;
export type VEventType = (typeof VEventType)[keyof typeof VEventType];

/** query.Type: the low byte is an id, the upper bits are QueryFlag bits. */
export const QueryType = {
  NULL_TYPE: 0,
  INT8: 257,
  UINT8: 770,
  INT16: 259,
  UINT16: 772,
  INT24: 261,
  UINT24: 774,
  INT32: 263,
  UINT32: 776,
  INT64: 265,
  UINT64: 778,
  FLOAT32: 1035,
  FLOAT64: 1036,
  TIMESTAMP: 2061,
  DATE: 2062,
  TIME: 2063,
  DATETIME: 2064,
  YEAR: 785,
  DECIMAL: 18,
  TEXT: 6163,
  BLOB: 10260,
  VARCHAR: 6165,
  VARBINARY: 10262,
  CHAR: 6167,
  BINARY: 10264,
  BIT: 2073,
  ENUM: 2074,
  SET: 2075,
  TUPLE: 28,
  GEOMETRY: 2077,
  JSON: 2078,
  EXPRESSION: 31,
  HEXNUM: 4128,
  HEXVAL: 4129,
  BITNUM: 4130,
  VECTOR: 2083,
  RAW: 2084,
  ROW_TUPLE: 2085,
} as const;
export type QueryType = (typeof QueryType)[keyof typeof QueryType];

/** query.Flag: property bits inside QueryType values. */
export const QueryFlag = {
  NONE: 0,
  ISINTEGRAL: 256,
  ISUNSIGNED: 512,
  ISFLOAT: 1024,
  ISQUOTED: 2048,
  ISTEXT: 4096,
  ISBINARY: 8192,
} as const;

/** query.MySqlFlag: bits of Field.flags. NUM_FLAG and GROUP_FLAG are the same bit. */
export const MySqlFlag = {
  EMPTY: 0,
  NOT_NULL_FLAG: 1,
  PRI_KEY_FLAG: 2,
  UNIQUE_KEY_FLAG: 4,
  MULTIPLE_KEY_FLAG: 8,
  BLOB_FLAG: 16,
  UNSIGNED_FLAG: 32,
  ZEROFILL_FLAG: 64,
  BINARY_FLAG: 128,
  ENUM_FLAG: 256,
  AUTO_INCREMENT_FLAG: 512,
  TIMESTAMP_FLAG: 1024,
  SET_FLAG: 2048,
  NO_DEFAULT_VALUE_FLAG: 4096,
  ON_UPDATE_NOW_FLAG: 8192,
  PART_KEY_FLAG: 16384,
  NUM_FLAG: 32768,
  GROUP_FLAG: 32768,
  UNIQUE_FLAG: 65536,
  BINCMP_FLAG: 131072,
} as const;

/** topodata.TabletType, with the old names MASTER (= PRIMARY) and BATCH (= RDONLY). */
export const TabletType = {
  UNKNOWN: 0,
  PRIMARY: 1,
  MASTER: 1,
  REPLICA: 2,
  RDONLY: 3,
  BATCH: 3,
  SPARE: 4,
  EXPERIMENTAL: 5,
  BACKUP: 6,
  RESTORE: 7,
  DRAINED: 8,
} as const;
export type TabletType = (typeof TabletType)[keyof typeof TabletType];

export const MigrationType = { TABLES: 0, SHARDS: 1 } as const;
export type MigrationType = (typeof MigrationType)[keyof typeof MigrationType];

export const FieldEventMode = { ERR_ON_MISMATCH: 0, BEST_EFFORT: 1 } as const;
export type FieldEventMode = (typeof FieldEventMode)[keyof typeof FieldEventMode];

/** vtrpc.Code; 0-16 equal the gRPC status codes. */
export const VtrpcCode = {
  OK: 0,
  CANCELED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
  CLUSTER_EVENT: 17,
  READ_ONLY: 18,
} as const;
export type VtrpcCode = (typeof VtrpcCode)[keyof typeof VtrpcCode];

const vEventTypeNames = new Map<number, string>(Object.entries(VEventType).map(([k, v]) => [v, k]));

/** Name of a VEventType value for logs, e.g. "ROW"; unknown values come back as "VEventType(99)". */
export function vEventTypeName(value: number): string {
  return vEventTypeNames.get(value) ?? `VEventType(${value})`;
}

const queryTypeNames = new Map<number, string>(
  Object.entries(QueryType).map(([name, value]) => [value, name]),
);

/** The `query.Type` name for messages, e.g. `DECIMAL`, or `type 1234` when unknown. */
export function queryTypeName(type: number): string {
  return queryTypeNames.get(type) ?? `type ${type}`;
}
