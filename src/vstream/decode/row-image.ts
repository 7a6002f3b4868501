import { RowDecodeError } from './errors.js';
import { longToNumber } from './long.js';
import type { LongLike } from './types.js';

/** `binlogdata.RowChange.Bitmap`: `count` columns, bit i = byte i>>3, bit i&7 (LSB first). */
export interface RowChangeBitmap {
  count: number | bigint | string | LongLike;
  cols?: Uint8Array | null | undefined;
}

/** The parts of a `binlogdata.RowChange` that say whether its after image is complete. */
export interface RowChangeImageInfo {
  dataColumns?: RowChangeBitmap | null;
  jsonPartialValues?: RowChangeBitmap | null;
}

function countOf(bitmap: RowChangeBitmap): number {
  const { count } = bitmap;
  return typeof count === 'object' ? longToNumber(count) : Number(count);
}

function bitIsSet(cols: Uint8Array | null | undefined, index: number): boolean {
  const byte = cols?.[index >> 3];
  return byte !== undefined && ((byte >> (index & 7)) & 1) === 1;
}

/**
 * Refuses a row change whose after image is not a full set of real values, instead of letting the missing
 * cells be written as NULL:
 * - `dataColumns` present (vttablet sends it only for partial images, `binlog_row_image=MINIMAL/NOBLOB`) and
 *   a column's bit clear, or the bitmap shorter than the table;
 * - any `jsonPartialValues` bit set (`binlog_row_value_options=PARTIAL_JSON`): that cell holds a
 *   JSON_SET/REPLACE/ REMOVE expression, not a document.
 * A delete's before image carries no bitmap, so only `binlog_row_image=FULL` makes deletes safe; that has to
 * be checked on the source, not here.
 */
export function assertCompleteRowImage(
  change: RowChangeImageInfo,
  columns: readonly { name: string }[],
  table?: string,
): void {
  const data = change.dataColumns;
  if (data != null) {
    const count = countOf(data);
    for (let i = 0; i < columns.length; i++) {
      if (i >= count || !bitIsSet(data.cols, i)) {
        throw new RowDecodeError({
          code: 'partial_row_image',
          table,
          column: columns[i]!.name,
          columnIndex: i,
          reason: 'column missing from a partial row image (source binlog_row_image is not FULL)',
        });
      }
    }
  }
  // Any set bit refuses the row, whatever `count` claims.
  const jsonCols = change.jsonPartialValues?.cols;
  if (jsonCols != null) {
    for (let i = 0; i < jsonCols.length * 8; i++) {
      if (bitIsSet(jsonCols, i)) {
        throw new RowDecodeError({
          code: 'partial_row_image',
          table,
          column: columns[i]?.name ?? `#${i}`,
          columnIndex: i,
          reason: 'JSON column holds a partial-update expression, not a document (source uses PARTIAL_JSON)',
        });
      }
    }
  }
}
