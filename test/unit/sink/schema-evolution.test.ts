import { describe, expect, it } from 'vitest';
import { SchemaIncompatibleError } from '../../../src/sink/errors.js';
import { renderPgType } from '../../../src/sink/pg-types.js';
import {
  findColumn,
  planColumnRename,
  planForSchema,
  planTableRename,
} from '../../../src/sink/schema-evolution.js';
import type { EvolutionContext, SchemaAction } from '../../../src/sink/schema-evolution.js';
import type { TableMapping } from '../../../src/sink/table-mapping.js';
import { col, notNullUnique, pk, tableSchema } from './fixtures.js';

const context: EvolutionContext = { targetSchema: 'ks', mirror: true, tablesWithoutKey: 'fail' };

function create(shard = '-80'): TableMapping {
  return planForSchema(undefined, tableSchema('t', [pk(col.bigint('id')), col.int('n')], { shard }), context)
    .mapping;
}

const kinds = (actions: SchemaAction[]) =>
  actions.map((a) => ('column' in a ? `${a.kind} ${a.column}` : a.kind)).sort();

describe('planForSchema', () => {
  it('creates a mirror table keyed by the primary key', () => {
    const plan = planForSchema(undefined, tableSchema('t', [pk(col.bigint('id')), col.int('n')]), context);
    expect(plan.actions).toHaveLength(1);
    expect(plan.actions[0]).toMatchObject({
      kind: 'create_table',
      key: ['id'],
      target: { schema: 'ks', table: 't' },
    });
    expect(plan.mapping.keyKind).toBe('primary');
  });

  it('falls back to a NOT NULL unique column, else refuses or sends the table to the changelog', () => {
    const unique = planForSchema(
      undefined,
      tableSchema('t', [col.int('a'), notNullUnique(col.varchar('u'))]),
      context,
    );
    expect(unique.mapping).toMatchObject({ keyKind: 'unique', keyColumns: ['u'] });
    const keyless = tableSchema('t', [col.int('a')]);
    expect(() => planForSchema(undefined, keyless, context)).toThrow(/no primary key and no NOT NULL unique/);
    const toChangelog = planForSchema(undefined, keyless, { ...context, tablesWithoutKey: 'changelog' });
    expect(toChangelog.mapping.target).toBeNull();
    expect(toChangelog.actions).toEqual([]);
  });

  it('adds new columns and widens types, idempotently', () => {
    const mapping = create();
    const v2 = tableSchema('t', [pk(col.bigint('id')), col.bigint('n'), col.varchar('added')], {
      shard: '-80',
    });
    const plan = planForSchema(mapping, v2, context);
    expect(kinds(plan.actions)).toEqual(['add_column added', 'alter_column_type n']);
    expect(renderPgType(plan.mapping.columns.find((c) => c.name === 'n')!.type)).toBe('bigint');
    const again = planForSchema(plan.mapping, v2, context);
    expect(again.actions).toEqual([]);
    expect(again.changed).toBe(false);
  });

  it('tolerates shards on different schema versions during a rolling DDL', () => {
    let mapping = create('-80');
    mapping = planForSchema(
      mapping,
      tableSchema('t', [pk(col.bigint('id')), col.int('n')], { shard: '80-' }),
      context,
    ).mapping;
    // -80 switches first: the column is added.
    const v2 = (shard: string) =>
      tableSchema('t', [pk(col.bigint('id')), col.bigint('n'), col.text('extra')], { shard });
    let plan = planForSchema(mapping, v2('-80'), context);
    expect(kinds(plan.actions)).toEqual(['add_column extra', 'alter_column_type n']);
    mapping = plan.mapping;
    // 80- still on the old schema (e.g. after a reconnect): nothing to do, no narrowing, nothing dropped.
    plan = planForSchema(
      mapping,
      tableSchema('t', [pk(col.bigint('id')), col.int('n')], { shard: '80-' }),
      context,
    );
    expect(plan.actions).toEqual([]);
    mapping = plan.mapping;
    plan = planForSchema(mapping, v2('80-'), context);
    expect(plan.actions).toEqual([]);
  });

  it('marks a column dropped only once no shard has it, and keeps it', () => {
    let mapping = create('-80');
    mapping = planForSchema(
      mapping,
      tableSchema('t', [pk(col.bigint('id')), col.int('n')], { shard: '80-' }),
      context,
    ).mapping;
    const without = (shard: string) => tableSchema('t', [pk(col.bigint('id'))], { shard });
    let plan = planForSchema(mapping, without('-80'), context);
    expect(plan.actions).toEqual([]);
    plan = planForSchema(plan.mapping, without('80-'), context);
    expect(kinds(plan.actions)).toEqual(['drop_column n']);
    expect(plan.mapping.columns.map((c) => [c.name, c.dropped])).toEqual([
      ['id', false],
      ['n', true],
    ]);
    // Re-added with a compatible type: restored in place.
    plan = planForSchema(
      plan.mapping,
      tableSchema('t', [pk(col.bigint('id')), col.int('n')], { shard: '80-' }),
      context,
    );
    expect(kinds(plan.actions)).toEqual(['restore_column n']);
  });

  it('refuses incompatible changes with the table, column and types in the message', () => {
    const mapping = create();
    const narrowed = tableSchema('t', [pk(col.bigint('id')), col.varchar('n')], { shard: '-80' });
    expect(() => planForSchema(mapping, narrowed, context)).toThrow(SchemaIncompatibleError);
    expect(() => planForSchema(mapping, narrowed, context)).toThrow(
      /table ks\.t: .*column n changed from int \(Postgres integer\) to varchar\(255\)/,
    );
    const rekeyed = tableSchema('t', [col.bigint('id'), pk(col.int('n'))], { shard: '-80' });
    expect(() => planForSchema(mapping, rekeyed, context)).toThrow(/key changed from \(id\) to \(n\)/);
  });
});

describe('renames', () => {
  it('renames a column once and routes shards that have not renamed yet', () => {
    let mapping = create('-80');
    const plan = planColumnRename(mapping, 'n', 'count', '-80')!;
    expect(plan.actions).toEqual([
      { kind: 'rename_column', from: 'n', to: 'count', sourceFrom: 'n', sourceTo: 'count' },
    ]);
    mapping = plan.mapping;
    // Shard 80- still says "n": same column.
    expect(findColumn(mapping, 'n', '80-')?.name).toBe('count');
    expect(findColumn(mapping, 'count', '-80')?.name).toBe('count');
    // 80- reports the rename: remembered, no second rename.
    const second = planColumnRename(mapping, 'n', 'count', '80-')!;
    expect(second.actions).toEqual([]);
    expect(findColumn(second.mapping, 'n', '80-')).toBeUndefined();
  });

  it('renames a table and keeps the old name for the other shards', () => {
    const plan = planTableRename(create('-80'), 'u', '-80');
    expect(plan.mapping.sourceTable).toBe('u');
    expect(plan.mapping.target).toEqual({ schema: 'ks', table: 'u' });
    expect(plan.mapping.retiredNames).toEqual([{ name: 't', shards: ['-80'] }]);
    expect(plan.actions[0]).toMatchObject({ kind: 'rename_table' });
  });
});
