// Wire layer for the vtgate VStream API: loads our .proto files (proto/) with protobufjs reflection,
// describes the decoded objects, and swaps in a faster decoder for query.Row.
//
// protobufjs is shared with the Temporal SDK, so nothing here touches its globals (util.Long,
// Reader.discardUnknown, ...). All changes are made on our own Root and its types.
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import type { Long } from 'protobufjs';
import type { FieldEventMode, MigrationType, QueryType, TabletType, VEventType } from './constants.js';

export type { Long };

// ---------------------------------------------------------------------------------------------
// Loading

/** Folder holding the .proto files; the same relative path works from src/ and from dist/. */
export const PROTO_DIR = new URL('../../proto/', import.meta.url);

/** HTTP/2 path of the one RPC we call. */
export const VSTREAM_METHOD_PATH = '/vtgateservice.Vitess/VStream';

function loadRoot(): protobuf.Root {
  const root = new protobuf.Root();
  // Every import names a bare file in proto/, whichever file imports it.
  root.resolvePath = (_origin, target) => fileURLToPath(new URL(target, PROTO_DIR));
  root.loadSync('vtgateservice.proto', { keepCase: false });
  root.resolveAll();
  return root;
}

/** The protobufjs Root holding every type we declare. */
export const protoRoot = loadRoot();

const type = (name: string): protobuf.Type => protoRoot.lookupType(name);

export const VitessService: protobuf.Service = protoRoot.lookupService('vtgateservice.Vitess');

// Reflected types. Each name is also the interface of its decoded object (declared below).
export const CallerID = type('vtrpc.CallerID');
export const Field = type('query.Field');
export const Row = type('query.Row');
export const QueryResult = type('query.QueryResult');
export const CharsetConversion = type('binlogdata.CharsetConversion');
export const Rule = type('binlogdata.Rule');
export const Filter = type('binlogdata.Filter');
export const RowChangeBitmap = type('binlogdata.RowChange.Bitmap');
export const RowChange = type('binlogdata.RowChange');
export const RowEvent = type('binlogdata.RowEvent');
export const FieldEvent = type('binlogdata.FieldEvent');
export const TableLastPK = type('binlogdata.TableLastPK');
export const ShardGtid = type('binlogdata.ShardGtid');
export const VGtid = type('binlogdata.VGtid');
export const KeyspaceShard = type('binlogdata.KeyspaceShard');
export const Journal = type('binlogdata.Journal');
export const LastPKEvent = type('binlogdata.LastPKEvent');
export const VEvent = type('binlogdata.VEvent');
export const VStreamFlags = type('vtgate.VStreamFlags');
export const VStreamRequest = type('vtgate.VStreamRequest');
export const VStreamResponse = type('vtgate.VStreamResponse');

// Enums and their names live in constants.ts (no protobufjs), so the decoder can use them too.
export * from './constants.js';

// ---------------------------------------------------------------------------------------------
// Decoded objects. protobufjs fills every field: scalars absent on the wire read as their
// default ('' / 0 / false), repeated fields as [], maps as {}, sub-messages as null.
// 64-bit integers always decode as Long (zero included); bytes as Uint8Array (a Buffer when
// the input was a Buffer), usually a view into the input, so it keeps that buffer alive.

export interface CallerID {
  principal: string;
  component: string;
  subcomponent: string;
  groups: string[];
}

export interface Field {
  name: string;
  type: QueryType;
  table: string;
  orgTable: string;
  database: string;
  orgName: string;
  columnLength: number;
  /** A MySQL collation id (63 = binary). */
  charset: number;
  decimals: number;
  /** MySqlFlag bits. */
  flags: number;
  /** Full SQL type, e.g. "enum('a','b')". */
  columnType: string;
}

/** Decoded by our own decoder: lengths are plain numbers (-1 = NULL), values a view of the input. */
export interface Row {
  lengths: number[];
  values: Uint8Array;
}

export interface QueryResult {
  fields: Field[];
  rowsAffected: Long;
  insertId: Long;
  rows: Row[];
  info: string;
  sessionStateChanges: string;
  insertIdChanged: boolean;
}

export interface CharsetConversion {
  fromCharset: string;
  toCharset: string;
}

export interface Rule {
  match: string;
  filter: string;
  convertEnumToText: Record<string, string>;
  convertCharset: Record<string, CharsetConversion>;
  sourceUniqueKeyColumns: string;
  targetUniqueKeyColumns: string;
  sourceUniqueKeyTargetColumns: string;
  convertIntToEnum: Record<string, boolean>;
  forceUniqueKey: string;
}

export interface Filter {
  rules: Rule[];
  fieldEventMode: FieldEventMode;
  workflowType: Long;
  workflowName: string;
}

export interface RowChangeBitmap {
  count: Long;
  /** Bit i is cols[i >> 3] & (1 << (i & 7)). */
  cols: Uint8Array;
}

export interface RowChange {
  before: Row | null;
  after: Row | null;
  dataColumns: RowChangeBitmap | null;
  jsonPartialValues: RowChangeBitmap | null;
}

export interface RowEvent {
  tableName: string;
  rowChanges: RowChange[];
  keyspace: string;
  shard: string;
  flags: number;
  isInternalTable: boolean;
}

export interface FieldEvent {
  tableName: string;
  fields: Field[];
  keyspace: string;
  shard: string;
  enumSetStringValues: boolean;
  isInternalTable: boolean;
}

export interface TableLastPK {
  tableName: string;
  lastpk: QueryResult | null;
}

export interface ShardGtid {
  keyspace: string;
  shard: string;
  gtid: string;
  tablePKs: TableLastPK[];
}

export interface VGtid {
  shardGtids: ShardGtid[];
}

export interface KeyspaceShard {
  keyspace: string;
  shard: string;
}

export interface Journal {
  id: Long;
  migrationType: MigrationType;
  tables: string[];
  localPosition: string;
  shardGtids: ShardGtid[];
  participants: KeyspaceShard[];
  sourceWorkflows: string[];
}

export interface LastPKEvent {
  tableLastPK: TableLastPK | null;
  completed: boolean;
}

export interface VEvent {
  type: VEventType;
  /** Binlog time in seconds; 0 when unknown. */
  timestamp: Long;
  gtid: string;
  statement: string;
  rowEvent: RowEvent | null;
  fieldEvent: FieldEvent | null;
  vgtid: VGtid | null;
  journal: Journal | null;
  dml: string;
  /** Sender's wall clock in nanoseconds (beyond 2^53: int64ToNumber rounds it). */
  currentTime: Long;
  lastPKEvent: LastPKEvent | null;
  keyspace: string;
  shard: string;
  throttled: boolean;
  throttledReason: string;
  commitParent: Long;
  sequenceNumber: Long;
  eventGtid: string;
}

export interface VStreamFlags {
  minimizeSkew: boolean;
  heartbeatInterval: number;
  stopOnReshard: boolean;
  cells: string;
  cellPreference: string;
  tabletOrder: string;
  streamKeyspaceHeartbeats: boolean;
  includeReshardJournalEvents: boolean;
  tablesToCopy: string[];
  excludeKeyspaceFromTableName: boolean;
  transactionChunkSize: Long;
}

export interface VStreamRequest {
  callerId: CallerID | null;
  tabletType: TabletType;
  vgtid: VGtid | null;
  filter: Filter | null;
  flags: VStreamFlags | null;
}

export interface VStreamResponse {
  events: VEvent[];
}

/**
 * Input shape for encoding: every field optional, 64-bit fields also as number or decimal string.
 * Enum fields take any number.
 */
export type Init<T> = T extends Long
  ? number | string | Long
  : T extends Uint8Array
    ? Uint8Array
    : T extends readonly (infer U)[]
      ? Init<U>[]
      : T extends object
        ? { [K in keyof T]?: Init<T[K]> | null }
        : T extends number
          ? number // enum fields take any number: newer servers may know values we do not
          : T;

export type VStreamRequestInit = Init<VStreamRequest>;
export type VStreamResponseInit = Init<VStreamResponse>;
export type VEventInit = Init<VEvent>;

// ---------------------------------------------------------------------------------------------
// Codec entry points (shaped for grpc-js serialize/deserialize).

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function reader(bytes: Uint8Array): protobuf.Reader {
  const r = protobuf.Reader.create(bytes);
  r.discardUnknown = true; // per reader; fields from newer servers are not kept
  return r;
}

export function encodeVStreamRequest(msg: VStreamRequestInit): Buffer {
  return toBuffer(VStreamRequest.encode(msg).finish());
}

export function decodeVStreamRequest(bytes: Uint8Array): VStreamRequest {
  return VStreamRequest.decode(reader(bytes)) as unknown as VStreamRequest;
}

export function encodeVStreamResponse(msg: VStreamResponseInit): Buffer {
  return toBuffer(VStreamResponse.encode(msg).finish());
}

export function decodeVStreamResponse(bytes: Uint8Array): VStreamResponse {
  return VStreamResponse.decode(reader(bytes)) as unknown as VStreamResponse;
}

// ---------------------------------------------------------------------------------------------
// 64-bit helpers

const TWO_32 = 0x1_0000_0000;

/** A decoded int64/uint64 as a JS number; exact up to 2^53, rounded beyond (e.g. ns clocks). */
export function int64ToNumber(v: number | Long): number {
  if (typeof v === 'number') return v;
  return (v.unsigned ? v.high >>> 0 : v.high | 0) * TWO_32 + (v.low >>> 0);
}

/** A decoded int64/uint64 as an exact bigint. */
export function int64ToBigInt(v: number | Long): bigint {
  if (typeof v === 'number') return BigInt(v);
  const high = BigInt(v.unsigned ? v.high >>> 0 : v.high | 0);
  return (high << 32n) + BigInt(v.low >>> 0);
}

// ---------------------------------------------------------------------------------------------
// query.Row decoder. The reflected one reads every sint64 length as a Long object, one
// allocation per cell; this one yields plain numbers and slices values without copying.

const EMPTY_BYTES = new Uint8Array(0);

// Position after the last varint read by readSint64 / readUint32 (saves returning pairs).
let cursor = 0;

function truncated(): RangeError {
  return new RangeError('query.Row: truncated input');
}

/** Reads a zigzag varint ending before `limit`; throws if the value is not a safe integer. */
function readSint64(buf: Uint8Array, pos: number, limit: number): number {
  let lo = 0;
  let hi = 0;
  let done = false;
  // Bytes 1-4 carry bits 0-27, byte 5 bits 28-34, bytes 6-10 the rest of the high word.
  for (let shift = 0; shift < 28 && !done; shift += 7) {
    if (pos >= limit) throw truncated();
    const b = buf[pos++]!;
    lo |= (b & 0x7f) << shift;
    done = b < 0x80;
  }
  if (!done) {
    if (pos >= limit) throw truncated();
    const b = buf[pos++]!;
    lo |= (b & 0x7f) << 28;
    hi = (b & 0x7f) >>> 4;
    done = b < 0x80;
    for (let shift = 3; shift < 38 && !done; shift += 7) {
      if (pos >= limit) throw truncated();
      const b2 = buf[pos++]!;
      hi |= (b2 & 0x7f) << shift;
      done = b2 < 0x80;
    }
    if (!done) throw new RangeError('query.Row: varint longer than 10 bytes');
  }
  cursor = pos;
  lo >>>= 0;
  hi >>>= 0;
  // Zigzag: magnitude is the value shifted right by one, the low bit is the sign.
  if (hi >= 0x400000) throw new RangeError('query.Row: length is not a safe integer');
  const magnitude = hi * 0x8000_0000 + (lo >>> 1);
  if (lo & 1) {
    if (magnitude >= Number.MAX_SAFE_INTEGER) throw new RangeError('query.Row: length is not a safe integer');
    return -magnitude - 1;
  }
  return magnitude;
}

/** Reads a varint used as a tag or byte count (at most 32 bits kept, as protobufjs does). */
function readUint32(buf: Uint8Array, pos: number, limit: number): number {
  let value = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (pos >= limit) throw truncated();
    const b = buf[pos++]!;
    value |= (b & 0x7f) << shift;
    if (b < 0x80) {
      cursor = pos;
      return value >>> 0;
    }
  }
  // Bytes 6-10 of an over-long varint only hold bits beyond 32; skip them.
  for (let i = 0; i < 5; i++) {
    if (pos >= limit) throw truncated();
    if (buf[pos++]! < 0x80) {
      cursor = pos;
      return value >>> 0;
    }
  }
  throw new RangeError('query.Row: varint longer than 10 bytes');
}

/**
 * Same calling convention as protobufjs's generated decoders (reader, length, end-group tag,
 * depth, message to merge into), so nested decoders can call it in place of the reflected one.
 */
function decodeRow(
  input: protobuf.Reader | Uint8Array,
  length?: number,
  endGroupTag?: number,
  depth?: number,
  into?: Row | null,
): Row {
  const r = input instanceof protobuf.Reader ? input : reader(input);
  const outerLen = r.len;
  let end = outerLen;
  if (length !== undefined) {
    end = r.pos + length;
    if (end > outerLen) throw new RangeError('index out of range');
    r.len = end; // like the generated code: nested skips must not run past this message
  }
  const buf = r.buf;
  const row: Row = into ?? { lengths: [], values: EMPTY_BYTES };
  const lengths = row.lengths;
  let pos = r.pos;

  while (pos < end) {
    let tag = buf[pos]!;
    if (tag < 0x80) pos++;
    else {
      tag = readUint32(buf, pos, end);
      pos = cursor;
    }
    if (tag === 0x0a) {
      // field 1, packed: a run of zigzag varints
      const size = readUint32(buf, pos, end);
      pos = cursor;
      const stop = pos + size;
      if (stop > end) throw truncated();
      while (pos < stop) {
        const b = buf[pos]!;
        if (b < 0x80) {
          lengths.push((b >>> 1) ^ -(b & 1));
          pos++;
        } else {
          lengths.push(readSint64(buf, pos, stop));
          pos = cursor;
        }
      }
    } else if (tag === 0x08) {
      // field 1, one unpacked element
      lengths.push(readSint64(buf, pos, end));
      pos = cursor;
    } else if (tag === 0x12) {
      // field 2: the concatenated cell bytes (last occurrence wins, as for any scalar)
      const size = readUint32(buf, pos, end);
      pos = cursor;
      if (pos + size > end) throw truncated();
      row.values = buf.subarray(pos, pos + size);
      pos += size;
    } else if (endGroupTag !== undefined && tag === endGroupTag) {
      break;
    } else {
      r.pos = pos;
      r.skipType(tag & 7, depth ?? 0, tag >>> 3);
      pos = r.pos;
    }
  }
  if (length !== undefined && pos !== end) throw new RangeError('index out of range');
  r.pos = pos;
  r.len = outerLen;
  return row;
}

// Bytes fields absent on the wire would otherwise read as protobufjs's shared empty *array*;
// give our own types an empty Uint8Array default instead, so `cols` etc. are always bytes.
function setBytesDefaults(ns: protobuf.NamespaceBase): void {
  for (const child of ns.nestedArray) {
    if (child instanceof protobuf.Type) {
      const proto = child.ctor.prototype as Record<string, unknown>;
      for (const f of child.fieldsArray) if (f.type === 'bytes' && !f.repeated) proto[f.name] = EMPTY_BYTES;
    }
    if (child instanceof protobuf.Namespace) setBytesDefaults(child); // Type is a Namespace too
  }
}
setBytesDefaults(protoRoot);

// setup() generates (and would later overwrite) the reflected codecs, so it runs first. The
// parents' generated decoders look up Row.decode at call time and so pick up the override.
Row.setup();
Row.decode = decodeRow as unknown as typeof Row.decode;
