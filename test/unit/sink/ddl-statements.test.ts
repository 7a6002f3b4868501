import { describe, expect, it } from 'vitest';
import { parseDdlEffects } from '../../../src/sink/ddl-statements.js';

describe('parseDdlEffects', () => {
  it('reads table renames in both syntaxes, qualified or quoted', () => {
    expect(parseDdlEffects('RENAME TABLE a TO b, `ks`.`c` TO `d``e`')).toEqual([
      { kind: 'rename_table', from: 'a', to: 'b' },
      { kind: 'rename_table', from: 'c', to: 'd`e' },
    ]);
    expect(parseDdlEffects('alter table `orders` rename to `orders_v2`')).toEqual([
      { kind: 'rename_table', from: 'orders', to: 'orders_v2' },
    ]);
    expect(parseDdlEffects('ALTER TABLE t RENAME AS u')).toEqual([
      { kind: 'rename_table', from: 't', to: 'u' },
    ]);
  });

  it('reads column renames from RENAME COLUMN and CHANGE', () => {
    expect(
      parseDdlEffects(
        "ALTER TABLE t ADD COLUMN z int DEFAULT '1,2', RENAME COLUMN a TO b, CHANGE COLUMN `c` `d;x` varchar(10), " +
          'CHANGE e e bigint, MODIFY f int',
      ),
    ).toEqual([
      { kind: 'rename_column', table: 't', from: 'a', to: 'b' },
      { kind: 'rename_column', table: 't', from: 'c', to: 'd;x' },
    ]);
  });

  it('reads dropped columns, but not dropped indexes, keys or constraints', () => {
    expect(
      parseDdlEffects('ALTER TABLE t DROP COLUMN a, DROP `b c`, DROP COLUMN IF EXISTS d, ADD COLUMN e int'),
    ).toEqual([
      { kind: 'drop_column', table: 't', column: 'a' },
      { kind: 'drop_column', table: 't', column: 'b c' },
      { kind: 'drop_column', table: 't', column: 'd' },
    ]);
    expect(
      parseDdlEffects(
        'alter table t drop index i, drop key k, drop primary key, drop foreign key f, drop check c, drop constraint x',
      ),
    ).toEqual([]);
  });

  it('is not fooled by comments or string literals', () => {
    expect(
      parseDdlEffects('/* RENAME TABLE x TO y */ ALTER TABLE t COMMENT = "rename table a to b"'),
    ).toEqual([]);
    expect(parseDdlEffects('-- RENAME TABLE x TO y\nTRUNCATE TABLE t')).toEqual([
      { kind: 'truncate', table: 't' },
    ]);
    expect(parseDdlEffects('/*!50001 RENAME TABLE a TO b */')).toEqual([
      { kind: 'rename_table', from: 'a', to: 'b' },
    ]);
  });

  it('reads TRUNCATE and DROP TABLE, and ignores the rest', () => {
    expect(parseDdlEffects('truncate t')).toEqual([{ kind: 'truncate', table: 't' }]);
    expect(parseDdlEffects('DROP TABLE IF EXISTS a, ks.b')).toEqual([
      { kind: 'drop_table', table: 'a' },
      { kind: 'drop_table', table: 'b' },
    ]);
    expect(parseDdlEffects('CREATE TABLE t (id int primary key)')).toEqual([]);
    expect(parseDdlEffects('ALTER TABLE t RENAME INDEX a TO b')).toEqual([]);
    expect(parseDdlEffects('')).toEqual([]);
  });
});
