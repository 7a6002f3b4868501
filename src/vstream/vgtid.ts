// The VGTID model: where a VStream is, per shard, plus copy-phase progress.
//
// A VGTID is the only resume point a VStream has. It must round-trip exactly, must never be stored
// while a shard still says `current` (the stream would restart at the tail and skip that shard's
// backlog, DBZ-8541), and must not be reused under a configuration that names other shards.
//
// Sections: types, reading JSON / protobuf objects, the Vgtid value, and the check against the stream
// configuration. GTID sets (gtid-set.ts) and key ranges (key-range.ts) live in their own modules.
import { Buffer } from 'node:buffer';
import { QueryType } from './constants.js';
import { formatGtidSet, parseGtidSet } from './gtid-set.js';
import { coversWholeKeySpace, keyRangesOf, sameKeyRangeCoverage } from './key-range.js';
import { VgtidError } from './vgtid-error.js';

export { VgtidError, type VgtidErrorCode } from './vgtid-error.js';
export * from './gtid-set.js';
export * from './key-range.js';

const MAX_UINT32 = 0xffff_ffff;

// ---------------------------------------------------------------------------------------------
// Types of the JSON-safe model (bytes as base64, int64 as number)

/** One column of a copy-phase last-PK result. Vitess fills only name, type, charset and flags. */
export interface LastPkField {
  readonly name: string;
  /** query.Type value, e.g. 265 = INT64. */
  readonly type: number;
  /** Collation id (63 = binary). */
  readonly charset: number;
  readonly flags: number;
  readonly table?: string;
  readonly orgTable?: string;
  readonly database?: string;
  readonly orgName?: string;
  readonly columnLength?: number;
  readonly decimals?: number;
  readonly columnType?: string;
}

/** A query.Row: per-column byte lengths (-1 = NULL) and all non-NULL cells concatenated. */
export interface LastPkRow {
  readonly lengths: readonly number[];
  /** Standard base64 of the concatenated cells. */
  readonly values: string;
}

/** The query.QueryResult holding the last copied primary key of one table. */
export interface LastPk {
  readonly fields: readonly LastPkField[];
  readonly rows: readonly LastPkRow[];
}

export interface TableLastPk {
  /** Bare table name, never keyspace-qualified. */
  readonly tableName: string;
  /** Null until the first copy batch of the table has been sent. */
  readonly lastpk: LastPk | null;
}

/** The position of one shard. */
export interface ShardPosition {
  readonly keyspace: string;
  readonly shard: string;
  /** `MySQL56/<set>`, `MariaDB/<set>`, `FilePos/<file:pos>`, `current`, or "" (copy from scratch). */
  readonly gtid: string;
  /** Copy-phase progress; empty once every table of the shard is copied. */
  readonly tablePKs: readonly TableLastPk[];
}

/** Input form of a shard position; tablePKs may be left out. */
export interface ShardPositionInput {
  readonly keyspace: string;
  readonly shard: string;
  readonly gtid: string;
  readonly tablePKs?: readonly TableLastPk[];
}

// JSON layout written by serialize(): the field names of binlogdata.VGtid (snake_case), enum and
// int64 values as JSON numbers, bytes as base64. Go's encoding/json reads exactly this, and so
// does protojson (which also accepts the camelCase names, int64 as strings and enum names).

export interface VgtidJson {
  shard_gtids: ShardGtidJson[];
}

export interface ShardGtidJson {
  keyspace: string;
  shard: string;
  gtid: string;
  table_p_ks?: TableLastPkJson[];
}

export interface TableLastPkJson {
  table_name: string;
  lastpk?: QueryResultJson;
}

export interface QueryResultJson {
  fields?: FieldJson[];
  rows?: RowJson[];
}

export interface FieldJson {
  name: string;
  type: number;
  charset: number;
  flags: number;
  table?: string;
  org_table?: string;
  database?: string;
  org_name?: string;
  column_length?: number;
  decimals?: number;
  column_type?: string;
}

export interface RowJson {
  lengths: number[];
  values: string;
}

// protobufjs object shapes (default camelCase field names) for binlogdata.VGtid and friends.

export interface FieldMessage {
  name: string;
  type: number;
  charset: number;
  flags: number;
  table?: string;
  orgTable?: string;
  database?: string;
  orgName?: string;
  columnLength?: number;
  decimals?: number;
  columnType?: string;
}

export interface RowMessage {
  lengths: number[];
  values: Uint8Array;
}

export interface QueryResultMessage {
  fields: FieldMessage[];
  rows: RowMessage[];
}

export interface TableLastPKMessage {
  tableName: string;
  lastpk?: QueryResultMessage;
}

export interface ShardGtidMessage {
  keyspace: string;
  shard: string;
  gtid: string;
  tablePKs: TableLastPKMessage[];
}

export interface VGtidMessage {
  shardGtids: ShardGtidMessage[];
}

// ---------------------------------------------------------------------------------------------
// Reading JSON and protobufjs objects

// protojson renders enum values by name; the names and numbers are the protocol's own.
const QUERY_TYPE_VALUES: Readonly<Record<string, number>> = QueryType;

function shapeError(path: string, problem: string): VgtidError {
  return new VgtidError('invalid_shape', `VGTID ${path}: ${problem}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `the string ${JSON.stringify(value)}` : `a ${typeof value}`;
}

function asRecord(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw shapeError(path, `expected an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

/** Field names accepted in JSON: [snake_case, camelCase] (the same word when they agree). */
type KeyNames = readonly [string, string];

/** Reads one field under either spelling; null counts as absent, as in proto3 JSON. */
function readKey(obj: Record<string, unknown>, path: string, [snake, camel]: KeyNames): unknown {
  const hasSnake = obj[snake] !== undefined && obj[snake] !== null;
  const hasCamel = snake !== camel && obj[camel] !== undefined && obj[camel] !== null;
  if (hasSnake && hasCamel) throw shapeError(path, `both "${snake}" and "${camel}" are present`);
  return hasSnake ? obj[snake] : hasCamel ? obj[camel] : undefined;
}

function rejectUnknownKeys(obj: Record<string, unknown>, path: string, known: readonly KeyNames[]): void {
  const allowed = new Set(known.flat());
  for (const key of Object.keys(obj)) {
    if (!allowed.has(key)) throw shapeError(path, `unexpected key "${key}"`);
  }
}

function readList(value: unknown, path: string): readonly unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw shapeError(path, `expected an array, got ${describe(value)}`);
  return value;
}

function readString(value: unknown, path: string, fallback?: string): string {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'string') {
    throw shapeError(path, value === undefined ? 'missing' : `expected a string, got ${describe(value)}`);
  }
  return value;
}

/** int64 / uint32 values: JSON number, decimal string (protojson), bigint or Long (protobufjs). */
function readInteger(value: unknown, path: string, min: number, max: number, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'bigint') n = Number(value);
  else if (typeof value === 'string' && /^-?\d+$/.test(value)) n = Number(value);
  else if (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as LongLike).toNumber === 'function'
  ) {
    n = (value as LongLike).toNumber();
  } else {
    throw shapeError(path, value === undefined ? 'missing' : `expected an integer, got ${describe(value)}`);
  }
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw shapeError(path, `${String(value)} is out of range`);
  return n;
}

/** protobufjs hands out int64 values as Long objects when the `long` package is installed. */
interface LongLike {
  toNumber(): number;
}

function readQueryType(value: unknown, path: string): number {
  if (typeof value === 'string' && !/^-?\d+$/.test(value)) {
    const known = QUERY_TYPE_VALUES[value];
    if (known === undefined) throw shapeError(path, `unknown query type ${JSON.stringify(value)}`);
    return known;
  }
  return readInteger(value, path, 0, 0x7fff_ffff, 0);
}

const BASE64_RE = /^[A-Za-z0-9+/_-]*={0,2}$/;

function readBase64(value: unknown, path: string): Buffer {
  if (value === undefined) return Buffer.alloc(0);
  if (typeof value !== 'string' || !BASE64_RE.test(value)) {
    throw shapeError(path, `expected base64 bytes, got ${describe(value)}`);
  }
  return Buffer.from(value, 'base64');
}

function readBytes(value: unknown, path: string): Buffer {
  if (value === undefined) return Buffer.alloc(0);
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw shapeError(path, `expected bytes, got ${describe(value)}`);
}

const FIELD_KEYS = {
  name: ['name', 'name'],
  type: ['type', 'type'],
  table: ['table', 'table'],
  orgTable: ['org_table', 'orgTable'],
  database: ['database', 'database'],
  orgName: ['org_name', 'orgName'],
  columnLength: ['column_length', 'columnLength'],
  charset: ['charset', 'charset'],
  decimals: ['decimals', 'decimals'],
  flags: ['flags', 'flags'],
  columnType: ['column_type', 'columnType'],
} as const satisfies Record<string, KeyNames>;

function readField(value: unknown, path: string, source: 'json' | 'proto'): LastPkField {
  const obj = asRecord(value, path);
  if (source === 'json') rejectUnknownKeys(obj, path, Object.values(FIELD_KEYS));
  const at = (key: keyof typeof FIELD_KEYS): unknown => readKey(obj, path, FIELD_KEYS[key]);
  const optionalString = (key: 'table' | 'orgTable' | 'database' | 'orgName' | 'columnType') => {
    const v = at(key);
    return v === undefined || v === '' ? {} : { [key]: readString(v, `${path}.${FIELD_KEYS[key][0]}`) };
  };
  const optionalUint32 = (key: 'columnLength' | 'decimals') => {
    const v = at(key);
    const n = readInteger(v, `${path}.${FIELD_KEYS[key][0]}`, 0, MAX_UINT32, 0);
    return n === 0 ? {} : { [key]: n };
  };
  return {
    name: readString(at('name'), `${path}.name`, ''),
    type: readQueryType(at('type'), `${path}.type`),
    charset: readInteger(at('charset'), `${path}.charset`, 0, MAX_UINT32, 0),
    flags: readInteger(at('flags'), `${path}.flags`, 0, MAX_UINT32, 0),
    ...optionalString('table'),
    ...optionalString('orgTable'),
    ...optionalString('database'),
    ...optionalString('orgName'),
    ...optionalUint32('columnLength'),
    ...optionalUint32('decimals'),
    ...optionalString('columnType'),
  };
}

function readRow(value: unknown, path: string, source: 'json' | 'proto'): LastPkRow {
  const obj = asRecord(value, path);
  if (source === 'json')
    rejectUnknownKeys(obj, path, [
      ['lengths', 'lengths'],
      ['values', 'values'],
    ]);
  const lengths = readList(readKey(obj, path, ['lengths', 'lengths']), `${path}.lengths`).map((v, i) =>
    readInteger(v, `${path}.lengths[${i}]`, -1, Number.MAX_SAFE_INTEGER),
  );
  const raw = readKey(obj, path, ['values', 'values']);
  const bytes = source === 'json' ? readBase64(raw, `${path}.values`) : readBytes(raw, `${path}.values`);
  return { lengths, values: bytes.toString('base64') };
}

// QueryResult fields that mean nothing for a last PK. protojson writes them only when asked to
// emit unpopulated fields, so they are accepted at their zero value and dropped.
const QUERY_RESULT_ZERO_KEYS: readonly KeyNames[] = [
  ['rows_affected', 'rowsAffected'],
  ['insert_id', 'insertId'],
  ['info', 'info'],
  ['session_state_changes', 'sessionStateChanges'],
  ['insert_id_changed', 'insertIdChanged'],
];
const ZERO_VALUES: readonly unknown[] = [0, '0', '', false];

function readQueryResult(value: unknown, path: string, source: 'json' | 'proto'): LastPk {
  const obj = asRecord(value, path);
  if (source === 'json') {
    rejectUnknownKeys(obj, path, [['fields', 'fields'], ['rows', 'rows'], ...QUERY_RESULT_ZERO_KEYS]);
    for (const names of QUERY_RESULT_ZERO_KEYS) {
      const v = readKey(obj, path, names);
      if (v !== undefined && !ZERO_VALUES.includes(v)) {
        throw shapeError(`${path}.${names[0]}`, `a last PK carries no ${names[0]}, got ${describe(v)}`);
      }
    }
  }
  return {
    fields: readList(readKey(obj, path, ['fields', 'fields']), `${path}.fields`).map((f, i) =>
      readField(f, `${path}.fields[${i}]`, source),
    ),
    rows: readList(readKey(obj, path, ['rows', 'rows']), `${path}.rows`).map((r, i) =>
      readRow(r, `${path}.rows[${i}]`, source),
    ),
  };
}

const TABLE_PK_KEYS: readonly KeyNames[] = [
  ['table_name', 'tableName'],
  ['lastpk', 'lastpk'],
];
const SHARD_GTID_KEYS: readonly KeyNames[] = [
  ['keyspace', 'keyspace'],
  ['shard', 'shard'],
  ['gtid', 'gtid'],
  ['table_p_ks', 'tablePKs'],
];

function readTableLastPk(value: unknown, path: string, source: 'json' | 'proto'): TableLastPk {
  const obj = asRecord(value, path);
  if (source === 'json') rejectUnknownKeys(obj, path, TABLE_PK_KEYS);
  const lastpk = readKey(obj, path, ['lastpk', 'lastpk']);
  return {
    tableName: readString(readKey(obj, path, ['table_name', 'tableName']), `${path}.table_name`),
    lastpk: lastpk === undefined ? null : readQueryResult(lastpk, `${path}.lastpk`, source),
  };
}

function readShardGtid(value: unknown, path: string, source: 'json' | 'proto'): ShardPositionInput {
  const obj = asRecord(value, path);
  if (source === 'json') rejectUnknownKeys(obj, path, SHARD_GTID_KEYS);
  return {
    keyspace: readString(readKey(obj, path, ['keyspace', 'keyspace']), `${path}.keyspace`),
    shard: readString(readKey(obj, path, ['shard', 'shard']), `${path}.shard`),
    // proto3 JSON leaves out empty strings, so a missing gtid is "" (copy from scratch).
    gtid: readString(readKey(obj, path, ['gtid', 'gtid']), `${path}.gtid`, ''),
    tablePKs: readList(readKey(obj, path, ['table_p_ks', 'tablePKs']), `${path}.table_p_ks`).map((t, i) =>
      readTableLastPk(t, `${path}.table_p_ks[${i}]`, source),
    ),
  };
}

function readShardGtidList(value: unknown, source: 'json' | 'proto'): ShardPositionInput[] {
  if (Array.isArray(value)) {
    throw shapeError('(root)', 'expected an object with "shard_gtids", got an array (a Debezium offset?)');
  }
  const root = asRecord(value, '(root)');
  if (source === 'json') rejectUnknownKeys(root, '(root)', [['shard_gtids', 'shardGtids']]);
  const list = readKey(root, '(root)', ['shard_gtids', 'shardGtids']);
  return readList(list, 'shard_gtids').map((s, i) => readShardGtid(s, `shard_gtids[${i}]`, source));
}

// ---------------------------------------------------------------------------------------------
// Validation of one shard position

// A VGTID event repeats the positions of every shard but the one that moved, so most GTID sets
// were already checked a moment ago. Remember a bounded number of them.
const validGtids = new Set<string>();
const VALID_GTIDS_LIMIT = 4096;

function validateGtid(gtid: string, path: string): void {
  if (gtid === '' || gtid === 'current' || validGtids.has(gtid)) return;
  const slash = gtid.indexOf('/');
  const flavor = slash < 0 ? '' : gtid.slice(0, slash);
  if (flavor === 'MySQL56' || flavor === 'MariaDB') {
    try {
      parseGtidSet(gtid);
    } catch (err) {
      throw new VgtidError('invalid_gtid', `VGTID ${path}: ${(err as Error).message}`, { cause: err });
    }
    if (validGtids.size >= VALID_GTIDS_LIMIT) validGtids.clear();
    validGtids.add(gtid);
    return;
  }
  // Positions of file-based replication are opaque here.
  if (flavor === 'FilePos' && gtid.length > slash + 1) return;
  throw new VgtidError(
    'invalid_gtid',
    `VGTID ${path}: expected "", "current" or "<MySQL56|MariaDB|FilePos>/<position>", got ${JSON.stringify(gtid)}`,
  );
}

function validateLastPk(lastpk: LastPk, path: string): void {
  lastpk.rows.forEach((row, i) => {
    if (row.lengths.length !== lastpk.fields.length) {
      throw shapeError(
        `${path}.rows[${i}]`,
        `${row.lengths.length} lengths for ${lastpk.fields.length} fields`,
      );
    }
    const expected = row.lengths.reduce((sum, n) => sum + Math.max(n, 0), 0);
    const actual = Buffer.from(row.values, 'base64').length;
    if (expected !== actual) {
      throw shapeError(`${path}.rows[${i}]`, `lengths add up to ${expected} bytes but values hold ${actual}`);
    }
  });
}

function freezePosition(input: ShardPositionInput, path: string): ShardPosition {
  if (typeof input.keyspace !== 'string' || input.keyspace === '') {
    throw shapeError(`${path}.keyspace`, 'missing or empty');
  }
  if (input.keyspace.startsWith('/')) {
    throw shapeError(`${path}.keyspace`, 'a keyspace regex is not a position; name the keyspace');
  }
  if (typeof input.shard !== 'string' || input.shard === '') {
    throw shapeError(`${path}.shard`, 'missing or empty (a position names each shard)');
  }
  if (typeof input.gtid !== 'string')
    throw shapeError(`${path}.gtid`, `expected a string, got ${describe(input.gtid)}`);
  validateGtid(input.gtid, `${path}.gtid`);
  const seen = new Set<string>();
  const tablePKs = (input.tablePKs ?? []).map((t, i) => {
    const tPath = `${path}.table_p_ks[${i}]`;
    if (typeof t.tableName !== 'string' || t.tableName === '')
      throw shapeError(`${tPath}.table_name`, 'missing or empty');
    if (seen.has(t.tableName)) throw shapeError(tPath, `table "${t.tableName}" appears twice`);
    seen.add(t.tableName);
    if (t.lastpk !== null) validateLastPk(t.lastpk, `${tPath}.lastpk`);
    // A private copy, so freezing never touches the caller's objects.
    return deepFreeze({
      tableName: t.tableName,
      lastpk: t.lastpk === null ? null : structuredClone(t.lastpk),
    });
  });
  return Object.freeze({
    keyspace: input.keyspace,
    shard: input.shard,
    gtid: input.gtid,
    tablePKs: Object.freeze(tablePKs),
  });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

const shardKey = (keyspace: string, shard: string): string => `${keyspace}/${shard}`;

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Conversions of the model

function lastPkToJson(lastpk: LastPk): QueryResultJson {
  const json: QueryResultJson = {};
  if (lastpk.fields.length > 0) {
    json.fields = lastpk.fields.map((f) => {
      const field: FieldJson = { name: f.name, type: f.type, charset: f.charset, flags: f.flags };
      if (f.table !== undefined) field.table = f.table;
      if (f.orgTable !== undefined) field.org_table = f.orgTable;
      if (f.database !== undefined) field.database = f.database;
      if (f.orgName !== undefined) field.org_name = f.orgName;
      if (f.columnLength !== undefined) field.column_length = f.columnLength;
      if (f.decimals !== undefined) field.decimals = f.decimals;
      if (f.columnType !== undefined) field.column_type = f.columnType;
      return field;
    });
  }
  if (lastpk.rows.length > 0)
    json.rows = lastpk.rows.map((r) => ({ lengths: [...r.lengths], values: r.values }));
  return json;
}

function positionToJson(
  p: ShardPosition,
  tablePKs: readonly TableLastPk[] = p.tablePKs,
  gtid = p.gtid,
): ShardGtidJson {
  const json: ShardGtidJson = { keyspace: p.keyspace, shard: p.shard, gtid };
  if (tablePKs.length > 0) {
    json.table_p_ks = tablePKs.map((t) =>
      t.lastpk === null
        ? { table_name: t.tableName }
        : { table_name: t.tableName, lastpk: lastPkToJson(t.lastpk) },
    );
  }
  return json;
}

function lastPkToProto(lastpk: LastPk): QueryResultMessage {
  return {
    fields: lastpk.fields.map((f) => ({ ...f })),
    rows: lastpk.rows.map((r) => ({
      lengths: [...r.lengths],
      values: new Uint8Array(Buffer.from(r.values, 'base64')),
    })),
  };
}

/** Text of a gtid with GTID sets in normal form, so equal positions compare equal. */
function normalGtid(gtid: string): string {
  if (!gtid.startsWith('MySQL56/') && !gtid.startsWith('MariaDB/')) return gtid;
  return formatGtidSet(parseGtidSet(gtid));
}

// ---------------------------------------------------------------------------------------------
// The Vgtid value

/** The shard list of a JOURNAL event (binlogdata.Journal, as protobufjs decodes it). */
export interface JournalLike {
  /** binlogdata.MigrationType: SHARDS = 1. Only shard migrations move a stream. */
  readonly migrationType?: number | string;
  readonly participants: readonly { readonly keyspace: string; readonly shard: string }[];
  readonly shardGtids: readonly unknown[];
}

/**
 * An immutable VGTID: one position per keyspace/shard. Build it with `Vgtid.parse`, `fromJSON`,
 * `fromProto` or `of`; every factory validates, so an instance is always well formed.
 */
export class Vgtid {
  readonly #positions: readonly ShardPosition[];
  readonly #byKey: ReadonlyMap<string, ShardPosition>;
  // VGTIDs are large and compared often; the text forms are worth keeping (Debezium PR #231).
  #canonical: string | undefined;
  #serialized: string | undefined;

  private constructor(positions: readonly ShardPosition[]) {
    this.#positions = Object.freeze([...positions]);
    this.#byKey = new Map(positions.map((p) => [shardKey(p.keyspace, p.shard), p]));
  }

  /** Builds a VGTID from positions; order is kept for serialization. */
  static of(positions: readonly ShardPositionInput[]): Vgtid {
    if (positions.length === 0) throw shapeError('shard_gtids', 'holds no shard position');
    const seen = new Set<string>();
    const frozen = positions.map((p, i) => {
      const position = freezePosition(p, `shard_gtids[${i}]`);
      const key = shardKey(position.keyspace, position.shard);
      if (seen.has(key))
        throw new VgtidError('duplicate_shard', `VGTID shard_gtids[${i}]: shard ${key} appears twice`);
      seen.add(key);
      return position;
    });
    return new Vgtid(frozen);
  }

  /** Parses the JSON text of a binlogdata.VGtid (snake_case or camelCase field names). */
  static parse(text: string): Vgtid {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new VgtidError('malformed_json', `VGTID is not valid JSON: ${(err as Error).message}`, {
        cause: err,
      });
    }
    return Vgtid.fromJSON(value);
  }

  /** Reads an already parsed JSON value; unknown keys are refused so a foreign format cannot slip in. */
  static fromJSON(value: unknown): Vgtid {
    return Vgtid.of(readShardGtidList(value, 'json'));
  }

  /** Reads a protobufjs VGtid message or plain object (int64 as number or Long, bytes as Uint8Array). */
  static fromProto(message: unknown): Vgtid {
    return Vgtid.of(readShardGtidList(message, 'proto'));
  }

  /** Every shard position, in the order received. */
  shards(): readonly ShardPosition[] {
    return this.#positions;
  }

  get(keyspace: string, shard: string): ShardPosition | undefined {
    return this.#byKey.get(shardKey(keyspace, shard));
  }

  /** Distinct keyspaces, sorted. */
  keyspaces(): string[] {
    return [...new Set(this.#positions.map((p) => p.keyspace))].sort(compareStrings);
  }

  /** Shard names of one keyspace, sorted. */
  shardsOf(keyspace: string): string[] {
    return this.#positions
      .filter((p) => p.keyspace === keyspace)
      .map((p) => p.shard)
      .sort(compareStrings);
  }

  /** A copy with this shard's position replaced, or added at the end. */
  withShard(position: ShardPositionInput): Vgtid {
    const key = shardKey(position.keyspace, position.shard);
    const list = this.#byKey.has(key)
      ? this.#positions.map((p) => (shardKey(p.keyspace, p.shard) === key ? position : p))
      : [...this.#positions, position];
    return Vgtid.of(list);
  }

  /** A copy without this shard; refuses to drop the last one. */
  withoutShard(keyspace: string, shard: string): Vgtid {
    const key = shardKey(keyspace, shard);
    if (!this.#byKey.has(key)) throw shapeError('shard_gtids', `shard ${key} is not in the VGTID`);
    return Vgtid.of(this.#positions.filter((p) => shardKey(p.keyspace, p.shard) !== key));
  }

  /**
   * The VGTID to reconnect with after a stop_on_reshard stream ended on `journal`: the
   * participants (old shards) leave, the journal's shard_gtids (new shards) come in. The new
   * shards must cover exactly the key range of the old ones.
   */
  applyJournal(journal: JournalLike): Vgtid {
    const type = journal.migrationType;
    if (type !== undefined && type !== 1 && type !== 'SHARDS') {
      throw new VgtidError('invalid_journal', `journal migration type ${String(type)} is not SHARDS`);
    }
    if (journal.participants.length === 0 || journal.shardGtids.length === 0) {
      throw new VgtidError('invalid_journal', 'journal has no participants or no new shards');
    }
    const leaving = new Set<string>();
    for (const { keyspace, shard } of journal.participants) {
      const key = shardKey(keyspace, shard);
      if (!this.#byKey.has(key)) {
        throw new VgtidError('invalid_journal', `journal participant ${key} is not in the VGTID`);
      }
      leaving.add(key);
    }
    let incoming: ShardPositionInput[];
    try {
      incoming = journal.shardGtids.map((s, i) => readShardGtid(s, `journal.shard_gtids[${i}]`, 'proto'));
    } catch (err) {
      throw new VgtidError('invalid_journal', (err as Error).message, { cause: err });
    }
    const keyspaces = new Set([
      ...journal.participants.map((p) => p.keyspace),
      ...incoming.map((s) => s.keyspace),
    ]);
    for (const keyspace of keyspaces) {
      const before = journal.participants.filter((p) => p.keyspace === keyspace).map((p) => p.shard);
      const after = incoming.filter((s) => s.keyspace === keyspace).map((s) => s.shard);
      if (!sameKeyRangeCoverage(before, after)) {
        throw new VgtidError(
          'invalid_journal',
          `journal moves ${keyspace} from [${before.join(', ')}] to [${after.join(', ')}], which cover different key ranges`,
        );
      }
    }
    const kept = this.#positions.filter((p) => !leaving.has(shardKey(p.keyspace, p.shard)));
    try {
      return Vgtid.of([...kept, ...incoming]);
    } catch (err) {
      throw new VgtidError(
        'invalid_journal',
        `journal result is not a valid VGTID: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }

  /** True while any shard is still copying: an empty gtid, or tables with copy progress. */
  isCopyInProgress(): boolean {
    return this.#positions.some((p) => p.gtid === '' || p.tablePKs.length > 0);
  }

  /**
   * True when a shard still says `current`. Early VGTIDs of a multi-shard `current` stream carry
   * it for shards that have not reported yet; stored and resumed, such a shard restarts at the
   * tail and its backlog is lost (DBZ-8541). Never persist such a VGTID.
   */
  hasUnresolvedCurrent(): boolean {
    return this.#positions.some((p) => p.gtid === 'current');
  }

  /** Shards still at `current`. */
  unresolvedShards(): string[] {
    return this.#positions.filter((p) => p.gtid === 'current').map((p) => shardKey(p.keyspace, p.shard));
  }

  /** Same shards, same positions (GTID sets compared as sets), same copy progress; order ignored. */
  equals(other: Vgtid): boolean {
    return this === other || this.canonicalString() === other.canonicalString();
  }

  /** Stable text for comparing and hashing: shards and tables sorted, GTID sets in normal form. */
  canonicalString(): string {
    if (this.#canonical === undefined) {
      const shards = [...this.#positions]
        .sort((a, b) => compareStrings(a.keyspace, b.keyspace) || compareStrings(a.shard, b.shard))
        .map((p) =>
          positionToJson(
            p,
            [...p.tablePKs].sort((a, b) => compareStrings(a.tableName, b.tableName)),
            normalGtid(p.gtid),
          ),
        );
      this.#canonical = JSON.stringify({ shard_gtids: shards });
    }
    return this.#canonical;
  }

  /** The VGtid JSON layout (see VgtidJson), in the order received. */
  toJSON(): VgtidJson {
    return { shard_gtids: this.#positions.map((p) => positionToJson(p)) };
  }

  /** JSON text of toJSON(); what to store as a checkpoint. */
  serialize(): string {
    this.#serialized ??= JSON.stringify(this.toJSON());
    return this.#serialized;
  }

  /** Plain object for protobufjs `VGtid.fromObject` / `create` (camelCase names). */
  toProto(): VGtidMessage {
    return {
      shardGtids: this.#positions.map((p) => ({
        keyspace: p.keyspace,
        shard: p.shard,
        gtid: p.gtid,
        tablePKs: p.tablePKs.map((t) =>
          t.lastpk === null
            ? { tableName: t.tableName }
            : { tableName: t.tableName, lastpk: lastPkToProto(t.lastpk) },
        ),
      })),
    };
  }

  toString(): string {
    return this.canonicalString();
  }
}

// ---------------------------------------------------------------------------------------------
// A stored VGTID against the stream configuration

export interface KeyspaceSelection {
  readonly name: string;
  /** Explicit shard list; absent = every shard of the keyspace. */
  readonly shards?: readonly string[];
}

/**
 * Refuses a stored VGTID that does not fit the configured keyspaces and shards, so a changed
 * configuration never silently resumes from an old position. A shard list may differ from the
 * configured one only by a reshard over the same key range. For keyspaces without a shard list
 * the stored shards must cover the whole key space (checked when their names are key ranges).
 */
export function checkVgtidCoversConfig(
  vgtid: Vgtid,
  config: { readonly keyspaces: readonly KeyspaceSelection[] },
): void {
  const problems: string[] = [];
  const configured = new Map(config.keyspaces.map((k) => [k.name, k]));
  for (const keyspace of vgtid.keyspaces()) {
    if (!configured.has(keyspace))
      problems.push(`keyspace ${keyspace} is in the VGTID but not in the configuration`);
  }
  for (const selection of config.keyspaces) {
    const stored = vgtid.shardsOf(selection.name);
    if (stored.length === 0) {
      problems.push(`keyspace ${selection.name} is configured but has no position in the VGTID`);
      continue;
    }
    if (selection.shards !== undefined && selection.shards.length > 0) {
      if (!sameKeyRangeCoverage(selection.shards, stored)) {
        problems.push(
          `keyspace ${selection.name}: configured shards [${selection.shards.join(', ')}] and stored shards ` +
            `[${stored.join(', ')}] do not cover the same key range`,
        );
      }
    } else if (keyRangesOf(stored) !== undefined && !coversWholeKeySpace(stored)) {
      problems.push(
        `keyspace ${selection.name}: stored shards [${stored.join(', ')}] do not cover the whole keyspace ` +
          `but the configuration streams every shard`,
      );
    }
  }
  if (problems.length > 0) {
    throw new VgtidError(
      'coverage_mismatch',
      `stored VGTID does not match the configured stream: ${problems.join('; ')}`,
    );
  }
}
