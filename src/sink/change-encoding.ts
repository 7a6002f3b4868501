import type { DecodedValue } from '../vstream/decode/types.js';
import type { RowChange } from '../vstream/events.js';
import { MissingKeyError, SinkStateError } from './errors.js';
import { encodeJsonKey, encodeJsonRow, encodeMirrorKey, encodeMirrorRow } from './table-shape.js';
import type { TableShape } from './table-shape.js';
import { quarantineRowJson } from './value-json.js';

type Cells = (string | null)[];

/** One row change in the forms the targets need; encoded before anything is buffered, so it applies whole or not. */
export interface EncodedChange {
  /** Postgres text of the new image (insert, update) for the mirror. */
  mirrorRow: Cells | null;
  /** Postgres text of the old image's key (update, delete) for the mirror. */
  mirrorOldKey: Cells | null;
  /** JSON texts for the changelog. */
  changelog: { primaryKey: string | null; before: string | null; after: string | null } | null;
}

/**
 * Encodes a change for the mirror and/or the changelog. Throws ColumnValueProblem for a value Postgres cannot
 * store (the caller applies the stream's policy), MissingKeyError for a NULL key, SinkStateError for an image
 * that does not match its FIELD.
 */
export function encodeChange(
  shape: TableShape,
  change: RowChange,
  targets: { mirror: boolean; changelog: boolean },
): EncodedChange {
  const { before, after } = checkedImages(shape, change);
  let mirrorRow: Cells | null = null;
  let mirrorOldKey: Cells | null = null;
  if (targets.mirror) {
    mirrorRow = after === null ? null : encodeMirrorRow(shape, after);
    mirrorOldKey = before === null ? null : encodeMirrorKey(shape, before);
    if (mirrorRow !== null) requireKey(shape, mirrorRow, shape.keyIndexes, change.op, 'new');
    if (mirrorOldKey !== null) requireKey(shape, mirrorOldKey, null, change.op, 'old');
  }
  const changelog = targets.changelog
    ? {
        primaryKey: encodeJsonKey(shape, (after ?? before)!),
        before: before === null ? null : encodeJsonRow(shape, before),
        after: after === null ? null : encodeJsonRow(shape, after),
      }
    : null;
  return { mirrorRow, mirrorOldKey, changelog };
}

/** The before/after images of a change as JSON for the quarantine (never fails). */
export function quarantineImages(
  shape: TableShape,
  change: RowChange,
): { before: string | null; after: string | null } {
  return {
    before: change.before === null ? null : quarantineRowJson(shape.columnNames, change.before),
    after: change.after === null ? null : quarantineRowJson(shape.columnNames, change.after),
  };
}

function checkedImages(
  shape: TableShape,
  change: RowChange,
): { before: DecodedValue[] | null; after: DecodedValue[] | null } {
  const width = shape.columnNames.length;
  const wrong =
    change.before !== null && change.before.length !== width
      ? change.before
      : change.after !== null && change.after.length !== width
        ? change.after
        : null;
  if (wrong !== null) {
    throw new SinkStateError(`${shape.label}: a row image has ${wrong.length} values for ${width} columns`);
  }
  return {
    before: change.op === 'insert' ? null : requireImage(shape, change, 'before'),
    after: change.op === 'delete' ? null : requireImage(shape, change, 'after'),
  };
}

function requireImage(shape: TableShape, change: RowChange, which: 'before' | 'after'): DecodedValue[] {
  const image = change[which];
  if (image === null) throw new MissingKeyError(shape.label, `${change.op} without a ${which} image`);
  return image;
}

/**
 * Throws unless every key cell is set: `cells[at[k]]` for each key column k, or `cells[k]` when `at` is null (the
 * cells are the key alone). Checked in place: this runs for every row.
 */
function requireKey(
  shape: TableShape,
  cells: Cells,
  at: readonly number[] | null,
  op: string,
  which: string,
): void {
  const keys = shape.keyIndexes;
  for (let k = 0; k < keys.length; k++) {
    if (cells[at === null ? k : at[k]!] !== null) continue;
    const column = shape.columnNames[keys[k]!];
    throw new MissingKeyError(shape.label, `key column ${column} is NULL in the ${which} image of a ${op}`);
  }
}
