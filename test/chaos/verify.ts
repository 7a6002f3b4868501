// The end-of-run checks of the chaos test, against the test vtgate's in-memory cluster (the source model):
// - the mirror equals the source's current rows exactly, column by column, in every table;
// - the changelog holds every source row change made after the copy exactly once, in binlog order per shard,
//   each with the GTID of the source transaction it belongs to; `seq` is gapless and ends at the checkpoint's.
import type { TestVtgate } from '../../src/devtools/vtgate/index.js';
import type { TxnEntry } from '../../src/devtools/vtgate/binlog.js';
import type { ColumnSchema } from '../../src/devtools/vtgate/schema.js';
import { encodeCopyCell } from '../../src/devtools/vtgate/values.js';
import { pgColumnName, qualify, quoteIdent } from '../../src/sink/identifiers.js';
import type { Queryable } from '../support/e2e-recovery.js';
import { CHAOS_KEYS, CHAOS_KEYSPACE } from './workload.js';

type Row = Record<string, string | null>;

/** A JSON document with its object keys sorted, so equal documents compare equal as text. */
function canonicalJson(text: string): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
          )
        : v;
  return JSON.stringify(sort(JSON.parse(text)));
}

/** SQL that reads a mirror column as the text the source model gives for it. */
function mirrorExpression(column: ColumnSchema): string {
  const name = quoteIdent(pgColumnName(column.name));
  switch (column.type.kind) {
    case 'datetime':
      return column.type.fsp > 0
        ? `to_char(${name}, 'YYYY-MM-DD HH24:MI:SS.US')`
        : `to_char(${name}, 'YYYY-MM-DD HH24:MI:SS')`;
    case 'varbinary':
    case 'binary':
    case 'blob':
      return `encode(${name}, 'hex')`;
    default:
      return `${name}::text`;
  }
}

function sourceText(column: ColumnSchema, value: string | Buffer | null): string | null {
  if (value === null) return null;
  if (Buffer.isBuffer(value)) return value.toString('hex');
  if (column.type.kind === 'json') return canonicalJson(value);
  return value;
}

const rowKey = (table: string, row: Row) => CHAOS_KEYS[table]!.map((c) => row[c]).join('|');

export interface MirrorDiff {
  table: string;
  missing: string[];
  extra: string[];
  different: { key: string; source: Row; mirror: Row }[];
}

/** Compares every chaos table's mirror with the source; returns the differences (empty when equal). */
export async function diffMirror(
  db: Queryable,
  vtgate: TestVtgate,
): Promise<{ rows: number; diffs: MirrorDiff[] }> {
  const ks = vtgate.cluster.keyspaces.get(CHAOS_KEYSPACE)!;
  const diffs: MirrorDiff[] = [];
  let rows = 0;
  for (const [table, schema] of ks.tables) {
    const source = new Map<string, Row>();
    for (const r of vtgate.rows(table, { keyspace: CHAOS_KEYSPACE })) {
      const row: Row = {};
      for (const column of schema.columns) row[column.name] = sourceText(column, r[column.name] ?? null);
      source.set(rowKey(table, row), row);
    }
    const exists = await db.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [
      qualify(CHAOS_KEYSPACE, table),
    ]);
    const mirror = new Map<string, Row>();
    if (exists.rows[0]?.t) {
      const select = schema.columns.map((c) => `${mirrorExpression(c)} AS ${quoteIdent(c.name)}`).join(', ');
      const result = await db.query<Row>(`SELECT ${select} FROM ${qualify(CHAOS_KEYSPACE, table)}`);
      for (const r of result.rows) {
        const row: Row = {};
        for (const column of schema.columns) {
          const v = r[column.name] ?? null;
          row[column.name] = v !== null && column.type.kind === 'json' ? canonicalJson(v) : v;
        }
        mirror.set(rowKey(table, row), row);
      }
    }
    rows += source.size;
    const diff: MirrorDiff = { table, missing: [], extra: [], different: [] };
    for (const [key, row] of source) {
      const other = mirror.get(key);
      if (!other) diff.missing.push(key);
      else if (JSON.stringify(other) !== JSON.stringify(row))
        diff.different.push({ key, source: row, mirror: other });
    }
    for (const key of mirror.keys()) if (!source.has(key)) diff.extra.push(key);
    if (diff.missing.length + diff.extra.length + diff.different.length > 0) diffs.push(diff);
  }
  return { rows, diffs };
}

export function describeMirrorDiffs(diffs: MirrorDiff[]): string {
  return diffs
    .map(
      (d) =>
        `${d.table}: ${d.missing.length} missing (${d.missing.slice(0, 5).join(', ')}), ${d.extra.length} extra (` +
        `${d.extra.slice(0, 5).join(', ')}), ${d.different.length} different` +
        (d.different[0] ? ` e.g. ${JSON.stringify(d.different[0])}` : ''),
    )
    .join('; ');
}

/** Per shard, the binlog position each shard had when the live phase began (its changes are not copied). */
export function binlogMarks(vtgate: TestVtgate): Map<string, number> {
  const ks = vtgate.cluster.keyspaces.get(CHAOS_KEYSPACE)!;
  return new Map([...ks.shards.values()].map((s) => [s.name, s.gtids.seq]));
}

/**
 * The row changes of each shard's binlog after `marks`, in binlog order: `gtid|table|op|key`, where key is the
 * primary key of the row image after the change (before it, for a delete).
 */
export function expectedChanges(vtgate: TestVtgate, marks: Map<string, number>): Map<string, string[]> {
  const ks = vtgate.cluster.keyspaces.get(CHAOS_KEYSPACE)!;
  const out = new Map<string, string[]>();
  for (const shard of ks.shards.values()) {
    const list: string[] = [];
    for (let seq = (marks.get(shard.name) ?? 0) + 1; seq <= shard.gtids.seq; seq++) {
      const entry = shard.binlog.at(seq);
      if (!entry)
        throw new Error(`binlog entry ${seq} of ${shard.name} was purged; the chaos run keeps them all`);
      if (entry.kind !== 'txn') continue;
      const gtid = shard.gtids.position(seq);
      for (const statement of (entry as TxnEntry).statements) {
        const schema = statement.schema;
        const keyIndexes = CHAOS_KEYS[schema.name]!.map((c) =>
          schema.columns.findIndex((col) => col.name === c),
        );
        for (const change of statement.changes) {
          const image = change.after ?? change.before!;
          const key = keyIndexes
            .map((i) => encodeCopyCell(schema.columns[i]!.type, image[i]!)!.toString('utf8'))
            .join('|');
          const op = change.before === null ? 'insert' : change.after === null ? 'delete' : 'update';
          list.push(`${gtid}|${schema.name}|${op}|${key}`);
        }
      }
    }
    out.set(shard.name, list);
  }
  return out;
}

export interface ChangelogReport {
  /** Live (not copy) changes checked. */
  changes: number;
  copyRows: number;
  /** Copy rows of a key seen more than once (a copy resumed after a kill re-copies some rows). */
  recopiedRows: number;
  problems: string[];
}

/** Checks the changelog against `expected` (see expectedChanges). */
export async function checkChangelog(
  db: Queryable,
  streamId: string,
  table: string,
  expected: Map<string, string[]>,
  preloaded: Set<string>,
): Promise<ChangelogReport> {
  const { rows } = await db.query<{
    seq: string;
    shard: string;
    table_name: string;
    op: string;
    is_copy: boolean;
    source_gtid: string | null;
    image: Record<string, unknown>;
  }>(
    `SELECT seq, shard, table_name, op, is_copy, source_gtid, coalesce(after, before) AS image
       FROM ${qualify('vstream_relay', table)} WHERE stream_id = $1 ORDER BY seq`,
    [streamId],
  );
  const problems: string[] = [];
  const gaps: string[] = [];
  rows.forEach((r, i) => {
    const previous = i === 0 ? 0 : Number(rows[i - 1]!.seq);
    if (Number(r.seq) !== previous + 1)
      gaps.push(`${previous} → ${r.seq} (${r.is_copy ? 'copy' : r.op} ${r.table_name})`);
  });
  if (gaps.length > 0) {
    problems.push(
      `changelog seq has ${gaps.length} gaps over ${rows.length} rows: ${gaps.slice(0, 8).join(', ')}`,
    );
  }
  const actual = new Map<string, string[]>();
  const copied = new Map<string, number>();
  let copyRows = 0;
  for (const r of rows) {
    const name = r.table_name.startsWith(`${CHAOS_KEYSPACE}.`)
      ? r.table_name.slice(CHAOS_KEYSPACE.length + 1)
      : r.table_name;
    const keyCols = CHAOS_KEYS[name];
    if (!keyCols) {
      problems.push(`changelog row ${r.seq} names an unknown table ${r.table_name}`);
      continue;
    }
    const key = keyCols.map((c) => String(r.image[c])).join('|');
    if (r.is_copy) {
      copyRows++;
      const id = `${name}|${key}`;
      copied.set(id, (copied.get(id) ?? 0) + 1);
      continue;
    }
    let list = actual.get(r.shard);
    if (!list) actual.set(r.shard, (list = []));
    list.push(`${r.source_gtid}|${name}|${r.op}|${key}`);
  }
  let changes = 0;
  for (const [shard, want] of expected) {
    const got = actual.get(shard) ?? [];
    changes += got.length;
    if (got.length !== want.length)
      problems.push(`shard ${shard}: ${got.length} changes in the changelog, ${want.length} in the binlog`);
    const first = want.findIndex((w, i) => got[i] !== w);
    if (first >= 0) {
      problems.push(
        `shard ${shard}: first difference at change ${first}: changelog ${got[first] ?? '(none)'}, binlog ${want[first]}` +
          ` (previous: ${want[first - 1] ?? '(none)'})`,
      );
    }
  }
  for (const shard of actual.keys())
    if (!expected.has(shard)) problems.push(`changes of an unknown shard ${shard}`);
  const missingCopies = [...preloaded].filter((id) => !copied.has(id));
  if (missingCopies.length > 0) {
    problems.push(
      `${missingCopies.length} preloaded rows never copied, e.g. ${missingCopies.slice(0, 5).join(', ')}`,
    );
  }
  const strayCopies = [...copied.keys()].filter((id) => !preloaded.has(id));
  if (strayCopies.length > 0) problems.push(`${strayCopies.length} copy rows of rows never preloaded`);
  const recopiedRows = [...copied.values()].reduce((sum, n) => sum + n - 1, 0);
  return { changes, copyRows, recopiedRows, problems };
}
