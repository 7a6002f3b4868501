// A SQL-free script format for driving the test vtgate: a YAML list of steps (or YAML documents), or
// JSON Lines with one step per line. Each step is an object with one key:
//
//   - insert: { table: customer, rows: [{ id: 1, name: Ann }] }      # keyspace: optional everywhere
//   - update: { table: customer, where: { id: 1 }, set: { name: Bo } }
//   - delete: { table: customer, where: [{ id: 1 }, { id: 2 }] }
//   - txn:                                                           # one transaction, several ops
//       - insert: { table: orders, rows: { id: 7, customer_id: 1 } }
//       - update: { table: customer, where: { id: 1 }, set: { balance: "10.50" } }
//   - ddl: { op: addColumn, table: customer, column: "note varchar(64) null" }
//   - reshard: { keyspace: commerce, from: ["-"], to: ["-80", "80-"] }
//   - purge: { keyspace: commerce, keep: 10 }
//   - other: { keyspace: commerce }                                  # position-only event
//   - sleep: 50                                                      # milliseconds, at most 60 000
//
// YAML integers are read as bigint so 64-bit keys stay exact; quote decimals to keep their digits.
import { setTimeout as sleep } from 'node:timers/promises';
import YAML from 'yaml';
import { z } from 'zod';
import type { DdlOp, ReshardSpec, TxnOp } from './cluster.js';
import type { TestVtgate } from './server.js';

const count = z.union([z.number(), z.bigint()]).transform(Number);
const row = z.record(z.string(), z.unknown());
const rows = z.union([row, z.array(row)]);
const table = { table: z.string(), keyspace: z.string().optional() };

const insert = z.object({ ...table, rows }).strict();
const update = z.object({ ...table, where: rows, set: row }).strict();
const del = z.object({ ...table, where: rows }).strict();
const dml = z.union([
  z.object({ insert }).strict(),
  z.object({ update }).strict(),
  z.object({ delete: del }).strict(),
]);

const columnDef = z.union([
  z.string(),
  z
    .object({
      name: z.string(),
      type: z.string(),
      nullable: z.boolean().optional(),
      primaryKey: z.boolean().optional(),
      autoIncrement: z.boolean().optional(),
      unique: z.boolean().optional(),
      default: z.unknown().optional(),
      charset: z.string().optional(),
      collation: z.string().optional(),
    })
    .strict(),
]);
const tableDef = z
  .object({
    name: z.string(),
    columns: z.array(columnDef),
    primaryKey: z.array(z.string()).optional(),
    shardKey: z.array(z.string()).optional(),
  })
  .strict();
const ks = { keyspace: z.string().optional() };
const ddl = z.discriminatedUnion('op', [
  z.object({ op: z.literal('createTable'), ...ks, table: tableDef }).strict(),
  z.object({ op: z.literal('dropTable'), ...ks, table: z.string() }).strict(),
  z.object({ op: z.literal('renameTable'), ...ks, table: z.string(), to: z.string() }).strict(),
  z
    .object({
      op: z.literal('addColumn'),
      ...ks,
      table: z.string(),
      column: columnDef,
      after: z.string().optional(),
      first: z.boolean().optional(),
    })
    .strict(),
  z.object({ op: z.literal('dropColumn'), ...ks, table: z.string(), column: z.string() }).strict(),
  z.object({ op: z.literal('modifyColumn'), ...ks, table: z.string(), column: columnDef }).strict(),
  z
    .object({ op: z.literal('renameColumn'), ...ks, table: z.string(), column: z.string(), to: z.string() })
    .strict(),
]);

const step = z.union([
  dml,
  z.object({ txn: z.array(dml).min(1) }).strict(),
  z.object({ ddl }).strict(),
  z
    .object({
      reshard: z
        .object({ keyspace: z.string(), from: z.array(z.string()).optional(), to: z.array(z.string()) })
        .strict(),
    })
    .strict(),
  z
    .object({
      purge: z
        .object({ keyspace: z.string().optional(), shard: z.string().optional(), keep: count.optional() })
        .strict(),
    })
    .strict(),
  z
    .object({ other: z.object({ keyspace: z.string(), shards: z.array(z.string()).optional() }).strict() })
    .strict(),
  z.object({ sleep: count }).strict(),
]);

export type ScriptStep = z.infer<typeof step>;
type DmlStep = z.infer<typeof dml>;

/** Parses YAML (a list of steps, or one step per document) or JSON Lines into validated steps. */
export function parseScript(text: string): ScriptStep[] {
  const lines = text.split('\n').filter((l) => l.trim() && !/^\s*(#|\/\/)/.test(l));
  let raw: unknown[];
  if (lines.length > 0 && lines.every((l) => l.trim().startsWith('{'))) {
    raw = lines.map((l, i) => {
      try {
        return JSON.parse(l) as unknown;
      } catch (err) {
        throw new Error(`script line ${i + 1}: ${(err as Error).message}`, { cause: err });
      }
    });
  } else {
    raw = YAML.parseAllDocuments(text, { intAsBigInt: true }).flatMap((doc) => {
      if (doc.errors.length > 0) throw new Error(`script: ${doc.errors[0]!.message}`);
      const value = doc.toJS() as unknown;
      return value === null || value === undefined ? [] : Array.isArray(value) ? value : [value];
    });
  }
  return raw.map((value, i) => {
    const parsed = step.safeParse(value);
    if (!parsed.success) throw new Error(`script step ${i + 1}: ${z.prettifyError(parsed.error)}`);
    return parsed.data;
  });
}

function toOp(s: DmlStep): TxnOp {
  if ('insert' in s) return { op: 'insert', ...s.insert };
  if ('update' in s) return { op: 'update', ...s.update };
  return { op: 'delete', ...s.delete };
}

/** Runs the steps in order against a test vtgate. */
export async function runScript(vtgate: TestVtgate, steps: readonly ScriptStep[]): Promise<void> {
  for (const s of steps) {
    if ('txn' in s) vtgate.run(s.txn.map(toOp));
    else if ('insert' in s || 'update' in s || 'delete' in s) vtgate.run([toOp(s)]);
    else if ('ddl' in s) vtgate.ddl(s.ddl as DdlOp);
    else if ('reshard' in s) vtgate.reshard(s.reshard as ReshardSpec);
    else if ('purge' in s) vtgate.purgeBinlogs(s.purge);
    else if ('other' in s) vtgate.other(s.other.keyspace, s.other.shards);
    else if ('sleep' in s) await sleep(Math.max(0, Math.min(60_000, s.sleep)));
  }
}
