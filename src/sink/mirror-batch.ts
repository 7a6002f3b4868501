import type { MirrorShape } from './table-shape.js';

type Cells = (string | null)[];

type FinalState = { kind: 'upsert'; row: Cells } | { kind: 'delete'; key: Cells };

/**
 * The changes buffered for one mirror table, reduced to the final state of each key in source order: the last
 * image of a key wins, a delete removes it, and an UPDATE that changes the key deletes the old key and upserts
 * the new one. Keys are compared by their Postgres text, which is canonical for every key type the decoder
 * produces. The result is two bulk statements (DELETE then upsert) over disjoint key sets, so their order
 * between themselves cannot change the outcome, and applying the same changes twice gives the same table.
 */
export class MirrorTableBatch {
  private readonly states = new Map<string, FinalState>();

  constructor(
    readonly shape: MirrorShape,
    /** Indexes (in the row's column order) of the key columns, in key order. */
    private readonly keyIndexes: readonly number[],
  ) {}

  get size(): number {
    return this.states.size;
  }

  upsert(row: Cells): void {
    const key = this.keyIndexes.map((i) => row[i]!);
    this.states.set(keyText(key), { kind: 'upsert', row });
  }

  delete(key: Cells): void {
    this.states.set(keyText(key), { kind: 'delete', key });
  }

  /** An UPDATE: `oldKey` is the key of the before image. */
  update(oldKey: Cells, row: Cells): void {
    const newKey = this.keyIndexes.map((i) => row[i]!);
    if (keyText(oldKey) !== keyText(newKey)) this.delete(oldKey);
    this.upsert(row);
  }

  /** Key cells of the keys whose final state is deleted, column-major (one array per key column). */
  deleteColumns(): Cells[] {
    const columns: Cells[] = this.keyIndexes.map(() => []);
    for (const state of this.states.values()) {
      if (state.kind !== 'delete') continue;
      state.key.forEach((cell, i) => columns[i]!.push(cell));
    }
    return columns;
  }

  /** Rows whose final state is present, column-major (one array per column). */
  upsertColumns(): Cells[] {
    const columns: Cells[] = this.shape.columns.map(() => []);
    for (const state of this.states.values()) {
      if (state.kind !== 'upsert') continue;
      state.row.forEach((cell, i) => columns[i]!.push(cell));
    }
    return columns;
  }

  counts(): { upserts: number; deletes: number } {
    let upserts = 0;
    for (const state of this.states.values()) if (state.kind === 'upsert') upserts++;
    return { upserts, deletes: this.states.size - upserts };
  }
}

// Key cells are never null (checked before they get here); JSON keeps multi-column keys unambiguous.
function keyText(key: Cells): string {
  return key.length === 1 ? key[0]! : JSON.stringify(key);
}
