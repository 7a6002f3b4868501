// Pins the query.Field the test vtgate describes columns with (type, length, charset, flags, column_type),
// against values seen from real vttablets and MySQL's protocol rules.
import { describe, expect, it } from 'vitest';
import { MySqlFlag, QueryType } from '../../../src/vstream/proto.js';
import { parseColumnType } from '../../../src/devtools/vtgate/column-types.js';
import { buildTableSchema, parseColumnDef } from '../../../src/devtools/vtgate/schema.js';

const F = MySqlFlag;

function fieldOf(column: string, extra: string[] = []) {
  const schema = buildTableSchema('ks', { name: 't', columns: ['pk_ int primary key', ...extra, column] });
  return schema.fields[schema.fields.length - 1]!;
}

describe('column types', () => {
  it('describes keys like a vttablet does', () => {
    // 49667 = NUM | PART_KEY | AUTO_INCREMENT | PRI_KEY | NOT_NULL (an auto-increment int primary key)
    const auto = buildTableSchema('ks', {
      name: 't',
      columns: ['id int not null auto_increment primary key'],
    });
    expect(auto.fields[0]).toMatchObject({
      type: QueryType.INT32,
      columnLength: 11,
      charset: 63,
      flags: 49667,
    });
    // 53251 adds NO_DEFAULT_VALUE: a bigint primary key without auto_increment (vitess issue #11764)
    const big = buildTableSchema('ks', { name: 't', columns: ['id1 bigint primary key'] });
    expect(big.fields[0]).toMatchObject({
      type: QueryType.INT64,
      columnLength: 20,
      flags: 53251,
      columnType: 'bigint',
    });
    // 20483 = PART_KEY | NO_DEFAULT_VALUE | PRI_KEY | NOT_NULL on a varchar(100) key, 4 bytes per character
    const sku = buildTableSchema('ks', { name: 'product', columns: ['sku varchar(100) primary key'] });
    expect(sku.fields[0]).toMatchObject({
      name: 'sku',
      type: QueryType.VARCHAR,
      table: 'product',
      orgTable: 'product',
      database: 'vt_ks',
      orgName: 'sku',
      columnLength: 400,
      charset: 255,
      flags: 20483,
      columnType: 'varchar(100)',
    });
  });

  it('maps nullable columns of many types', () => {
    expect(fieldOf('price bigint')).toMatchObject({ columnLength: 20, charset: 63, flags: F.NUM_FLAG });
    expect(fieldOf('description varbinary(128)')).toMatchObject({
      type: QueryType.VARBINARY,
      columnLength: 128,
      charset: 63,
      flags: F.BINARY_FLAG,
      columnType: 'varbinary(128)',
    });
    expect(fieldOf('u bigint unsigned')).toMatchObject({
      type: QueryType.UINT64,
      flags: F.NUM_FLAG | F.UNSIGNED_FLAG,
      columnType: 'bigint unsigned',
    });
    expect(fieldOf('d decimal(10,2)')).toMatchObject({
      type: QueryType.DECIMAL,
      columnLength: 12,
      decimals: 2,
    });
    expect(fieldOf('d decimal(10,2) unsigned')).toMatchObject({
      columnLength: 11,
      columnType: 'decimal(10,2) unsigned',
    });
    expect(fieldOf('f float')).toMatchObject({ type: QueryType.FLOAT32, columnLength: 12, decimals: 31 });
    expect(fieldOf('f double')).toMatchObject({ type: QueryType.FLOAT64, columnLength: 22, decimals: 31 });
    expect(fieldOf('t datetime(3)')).toMatchObject({
      type: QueryType.DATETIME,
      columnLength: 23,
      decimals: 3,
      flags: F.BINARY_FLAG,
      columnType: 'datetime(3)',
    });
    expect(fieldOf('t timestamp')).toMatchObject({
      type: QueryType.TIMESTAMP,
      columnLength: 19,
      flags: F.BINARY_FLAG | F.TIMESTAMP_FLAG,
    });
    expect(fieldOf('t time(6)')).toMatchObject({ type: QueryType.TIME, columnLength: 17, decimals: 6 });
    expect(fieldOf('y year')).toMatchObject({ type: QueryType.YEAR, columnLength: 4 });
    expect(fieldOf('b tinyint(1)')).toMatchObject({
      type: QueryType.INT8,
      columnLength: 1,
      columnType: 'tinyint(1)',
    });
    expect(fieldOf('b int(11)')).toMatchObject({ columnLength: 11, columnType: 'int' });
    expect(fieldOf('t text')).toMatchObject({
      type: QueryType.TEXT,
      columnLength: 262140,
      charset: 255,
      flags: F.BLOB_FLAG,
    });
    expect(fieldOf('b blob')).toMatchObject({
      type: QueryType.BLOB,
      columnLength: 65535,
      flags: F.BLOB_FLAG | F.BINARY_FLAG,
    });
    expect(fieldOf('j json')).toMatchObject({ type: QueryType.JSON, charset: 63, columnLength: 4294967295 });
    expect(fieldOf('b bit(3)')).toMatchObject({
      type: QueryType.BIT,
      columnLength: 3,
      flags: F.UNSIGNED_FLAG,
    });
    expect(fieldOf("e enum('a','bb')")).toMatchObject({
      type: QueryType.ENUM,
      columnLength: 8,
      flags: F.ENUM_FLAG,
      columnType: "enum('a','bb')",
    });
    expect(fieldOf("s set('a','bb')")).toMatchObject({
      type: QueryType.SET,
      columnLength: 16,
      flags: F.SET_FLAG,
    });
    expect(fieldOf("e enum('it''s')").columnType).toBe("enum('it''s')");
  });

  it('types binary-collation text as bytes, as Vitess does (DBZ-8679)', () => {
    expect(fieldOf('c varchar(10) collate utf8mb4_bin')).toMatchObject({
      type: QueryType.VARBINARY,
      charset: 46,
      flags: F.BINARY_FLAG,
      columnLength: 40,
    });
    expect(fieldOf('c char(2) character set latin1')).toMatchObject({
      type: QueryType.CHAR,
      charset: 8,
      columnLength: 2,
    });
    expect(fieldOf('c text collate utf8mb4_bin').type).toBe(QueryType.BLOB);
  });

  it('parses one-line column definitions', () => {
    expect(parseColumnDef("tier enum('a b','c') not null default 'c'")).toEqual({
      name: 'tier',
      type: "enum('a b','c')",
      nullable: false,
      default: 'c',
    });
    expect(parseColumnDef('id bigint unsigned not null auto_increment primary key')).toMatchObject({
      type: 'bigint unsigned',
      autoIncrement: true,
      primaryKey: true,
    });
    expect(() => parseColumnType('varchar')).toThrow(/length/);
    expect(() => parseColumnType('frobnicate')).toThrow(/unsupported/);
  });
});
