import type { DecodedValue } from '../vstream/decode/types.js';
import type { TableSchema } from '../vstream/events.js';
import { renderPgType } from './pg-types.js';
import type { PgType } from './pg-types.js';
import { findColumn, mapSchemaColumns, sourceKey } from './schema-evolution.js';
import { tableLabel } from './table-mapping.js';
import type { MirrorTarget, TableMapping } from './table-mapping.js';
import { ValueProblem } from './value-checks.js';
import { compileJsonEncoder } from './value-json.js';
import type { JsonEncoder } from './value-json.js';
import { compilePgTextEncoder } from './value-text.js';
import type { PgTextEncoder } from './value-text.js';

/**
 * How to write rows described by one shard's FIELD: the encoders per column and, for mirrored tables, which
 * Postgres column each source column lands in. Built once per FIELD (and again when the mapping changes).
 */
export interface TableShape {
  /** `keyspace.table` as the source names it, for messages and metrics. */
  label: string;
  mapping: TableMapping;
  /** Source column names, in FIELD order. */
  columnNames: string[];
  /** Indexes (FIELD order) of the key columns, in key order; empty for a table without a key. */
  keyIndexes: number[];
  json: JsonEncoder[];
  /** `{"name":` for the first column and `,"name":` for the others, per column (FIELD order). */
  jsonKeys: string[];
  /** The same for the key columns alone, in key order. */
  jsonKeyKeys: string[];
  mirror: MirrorShape | null;
}

export interface MirrorShape {
  target: MirrorTarget;
  /** Target column and its current type, per source column (FIELD order). */
  columns: { name: string; type: PgType }[];
  /** The key's target columns, in key order. */
  keyColumns: { name: string; type: PgType }[];
  text: PgTextEncoder[];
  /** Equal signatures mean rows can share one bulk statement. */
  signature: string;
}

export function buildTableShape(mapping: TableMapping, schema: TableSchema, mirror: boolean): TableShape {
  const mapped = mapSchemaColumns(schema);
  const label = tableLabel(schema.keyspace, schema.table);
  const columnNames = schema.columns.map((c) => c.name);
  const json = mapped.map((m) => compileJsonEncoder(m.source));
  const jsonKeys = jsonKeyPrefixes(columnNames);
  if (mapping.target === null || !mirror) {
    const keyIndexes = sourceKey(schema).indexes;
    const jsonKeyKeys = jsonKeyPrefixes(keyIndexes.map((i) => columnNames[i]!));
    return { label, mapping, columnNames, keyIndexes, json, jsonKeys, jsonKeyKeys, mirror: null };
  }
  const columns = schema.columns.map((field) => {
    const column = findColumn(mapping, field.name, schema.shard);
    if (column === undefined) throw new Error(`${label}: column ${field.name} is not mapped (sink bug)`);
    return { name: column.name, type: column.type };
  });
  const keyIndexes = mapping.keyColumns.map((key) => {
    const index = columns.findIndex((c) => c.name === key);
    if (index < 0) throw new Error(`${label}: key column ${key} is not in the FIELD (sink bug)`);
    return index;
  });
  const text = mapped.map((m, i) => compilePgTextEncoder(m.source, columns[i]!.type));
  const target = mapping.target;
  const signature = JSON.stringify([
    target.schema,
    target.table,
    columns.map((c) => [c.name, renderPgType(c.type)]),
    mapping.keyColumns,
  ]);
  const keyColumns = keyIndexes.map((i) => columns[i]!);
  return {
    label,
    mapping,
    columnNames,
    keyIndexes,
    json,
    jsonKeys,
    jsonKeyKeys: jsonKeyPrefixes(keyIndexes.map((i) => columnNames[i]!)),
    mirror: { target, columns, keyColumns, text, signature },
  };
}

function jsonKeyPrefixes(names: readonly string[]): string[] {
  return names.map((name, i) => `${i === 0 ? '{' : ','}${JSON.stringify(name)}:`);
}

/** A value problem located in one column. */
export class ColumnValueProblem extends Error {
  override readonly name = 'ColumnValueProblem';
  constructor(
    readonly column: string,
    readonly reason: string,
  ) {
    super(`column ${column}: ${reason}`);
  }
}

/** A ValueProblem of column `index` as a ColumnValueProblem; anything else unchanged. */
function located(shape: TableShape, index: number, err: unknown): unknown {
  return err instanceof ValueProblem ? new ColumnValueProblem(shape.columnNames[index]!, err.reason) : err;
}

// The loops below call the encoders directly (no closure per cell, one try around the row): this is the hottest
// loop of mirror mode, and a closure per cell cost a quarter of the sink's CPU time.

/** Postgres text of every column of a row image. */
export function encodeMirrorRow(shape: TableShape, values: readonly DecodedValue[]): (string | null)[] {
  const encoders = shape.mirror!.text;
  const cells = new Array<string | null>(encoders.length);
  let i = 0;
  try {
    for (; i < encoders.length; i++) cells[i] = encoders[i]!(values[i]!);
  } catch (err) {
    throw located(shape, i, err);
  }
  return cells;
}

/** Postgres text of the key columns of a row image. */
export function encodeMirrorKey(shape: TableShape, values: readonly DecodedValue[]): (string | null)[] {
  const encoders = shape.mirror!.text;
  const { keyIndexes } = shape;
  const cells = new Array<string | null>(keyIndexes.length);
  let k = 0;
  try {
    for (; k < keyIndexes.length; k++) cells[k] = encoders[keyIndexes[k]!]!(values[keyIndexes[k]!]!);
  } catch (err) {
    throw located(shape, keyIndexes[k]!, err);
  }
  return cells;
}

/** A row image as a JSON object keyed by source column name. */
export function encodeJsonRow(shape: TableShape, values: readonly DecodedValue[]): string {
  const { json, jsonKeys } = shape;
  if (json.length === 0) return '{}';
  // Joined once into a flat string: the row may stay buffered a while, and one flat string is cheaper to keep
  // (and to copy between GC generations) than a tree of concatenations.
  const parts = new Array<string>(json.length + 1);
  let i = 0;
  try {
    for (; i < json.length; i++) parts[i] = jsonKeys[i]! + json[i]!(values[i]!);
  } catch (err) {
    if (err instanceof ValueProblem) throw new ColumnValueProblem(shape.columnNames[i]!, err.reason);
    throw err;
  }
  parts[i] = '}';
  return parts.join('');
}

/** The key columns of a row image as a JSON object; null for a table without a key. */
export function encodeJsonKey(shape: TableShape, values: readonly DecodedValue[]): string | null {
  const { keyIndexes, jsonKeyKeys } = shape;
  if (keyIndexes.length === 0) return null;
  let out = '';
  let k = 0;
  try {
    for (; k < keyIndexes.length; k++) {
      const i = keyIndexes[k]!;
      out += jsonKeyKeys[k]! + shape.json[i]!(values[i]!);
    }
  } catch (err) {
    if (err instanceof ValueProblem) {
      throw new ColumnValueProblem(shape.columnNames[keyIndexes[k]!]!, err.reason);
    }
    throw err;
  }
  return `${out}}`;
}
