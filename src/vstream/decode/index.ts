/**
 * VStream row decoding: raw `query.Row` cells → typed JS values (the model is documented in `types.ts`).
 */
export { RowDecoder, compileRowDecoder } from './row-decoder.js';
export type { RowDecoderOptions } from './row-decoder.js';
export { assertCompleteRowImage } from './row-image.js';
export type { RowChangeBitmap, RowChangeImageInfo } from './row-image.js';
export { RowDecodeError } from './errors.js';
export type { RowDecodeErrorCode, RowDecodeErrorDetails } from './errors.js';
export { parseEnumSetLabels } from './enumset.js';
export { BINARY_COLLATION, charsetOfCollation } from './charsets.js';
export { QueryType, MySqlFlag, queryTypeName } from '../constants.js';
export type {
  ColumnField,
  DecodedValue,
  GeometryValue,
  InvalidTextPolicy,
  LongLike,
  RawRow,
  ZeroDatePolicy,
} from './types.js';
