// Encoding-side shapes of the protobuf messages the test vtgate builds (every field optional).
import type {
  Field,
  Init,
  Journal,
  QueryResult,
  ShardGtid,
  TableLastPK,
  VEvent,
  VGtid,
  VStreamResponse,
} from '../../vstream/proto.js';

export type FieldInit = Init<Field>;
export type QueryResultInit = Init<QueryResult>;
export type TableLastPKInit = Init<TableLastPK>;
export type ShardGtidInit = Init<ShardGtid>;
export type VGtidInit = Init<VGtid>;
export type JournalInit = Init<Journal>;
export type VEventInit = Init<VEvent>;
export type VStreamResponseInit = Init<VStreamResponse>;
