// MySQL column types as text ("bigint unsigned", "decimal(10,2)", "enum('a','b')") parsed into what a
// query.Field says about them: Vitess type, column_length, charset (a collation id), decimals, flags and
// the column_type text MySQL 8.0 reports in information_schema.
import { MySqlFlag, QueryType } from '../../vstream/proto.js';
import { DataError } from './errors.js';

export type ColumnKind =
  | 'int'
  | 'float'
  | 'double'
  | 'decimal'
  | 'date'
  | 'datetime'
  | 'timestamp'
  | 'time'
  | 'year'
  | 'char'
  | 'varchar'
  | 'text'
  | 'binary'
  | 'varbinary'
  | 'blob'
  | 'bit'
  | 'enum'
  | 'set'
  | 'json'
  | 'geometry';

export interface Charset {
  readonly name: string;
  readonly collation: string;
  /** What query.Field.charset carries. */
  readonly collationId: number;
  /** Bytes per character at most; column_length counts bytes. */
  readonly maxBytes: number;
  /** A `_bin` collation: MySQL sets BINARY_FLAG and Vitess types the column VARBINARY/BINARY/BLOB. */
  readonly binarySort: boolean;
  /** Case-insensitive comparisons (`_ci` collations). */
  readonly caseInsensitive: boolean;
}

export interface ColumnType {
  readonly kind: ColumnKind;
  /** information_schema COLUMN_TYPE, also Field.column_type. */
  readonly sql: string;
  readonly queryType: number;
  readonly unsigned: boolean;
  readonly zerofill: boolean;
  /** Storage bytes of an integer (1, 2, 3, 4, 8); the byte limit of TEXT/BLOB kinds. */
  readonly bytes: number;
  /** Declared length: characters for CHAR/VARCHAR, bytes for BINARY/VARBINARY, bits for BIT. */
  readonly length: number;
  readonly precision: number;
  readonly scale: number;
  /** Fractional-second digits of DATETIME/TIMESTAMP/TIME. */
  readonly fsp: number;
  /** ENUM/SET members in definition order. */
  readonly members: readonly string[];
  readonly charset: Charset;
  readonly columnLength: number;
  readonly decimals: number;
  /** MySqlFlag bits implied by the type alone (not NOT NULL, keys, ...). */
  readonly typeFlags: number;
}

// ---------------------------------------------------------------------------------------------
// Charsets and collations (the few a test needs)

const CHARSETS: Record<string, { collation: string; maxBytes: number }> = {
  utf8mb4: { collation: 'utf8mb4_0900_ai_ci', maxBytes: 4 },
  utf8mb3: { collation: 'utf8mb3_general_ci', maxBytes: 3 },
  latin1: { collation: 'latin1_swedish_ci', maxBytes: 1 },
  ascii: { collation: 'ascii_general_ci', maxBytes: 1 },
  binary: { collation: 'binary', maxBytes: 1 },
};

const COLLATION_IDS: Record<string, number> = {
  utf8mb4_0900_ai_ci: 255,
  utf8mb4_0900_as_cs: 278,
  utf8mb4_0900_bin: 309,
  utf8mb4_general_ci: 45,
  utf8mb4_bin: 46,
  utf8mb4_unicode_ci: 224,
  utf8mb3_general_ci: 33,
  utf8mb3_bin: 83,
  utf8mb3_unicode_ci: 192,
  latin1_swedish_ci: 8,
  latin1_bin: 47,
  latin1_general_ci: 48,
  ascii_general_ci: 11,
  ascii_bin: 65,
  binary: 63,
};

export const BINARY_CHARSET: Charset = {
  name: 'binary',
  collation: 'binary',
  collationId: 63,
  maxBytes: 1,
  binarySort: true,
  caseInsensitive: false,
};

/** Resolves a charset and/or collation name; the default is utf8mb4 with MySQL 8.0's default collation. */
export function resolveCharset(charset?: string, collation?: string): Charset {
  let csName = charset?.toLowerCase();
  if (csName === 'utf8') csName = 'utf8mb3';
  let coll = collation?.toLowerCase().replace(/^utf8_/, 'utf8mb3_');
  if (coll && !csName) csName = coll === 'binary' ? 'binary' : coll.slice(0, coll.indexOf('_'));
  csName ??= 'utf8mb4';
  const cs = CHARSETS[csName];
  if (!cs) throw new DataError(`Unknown character set: '${csName}'`);
  coll ??= cs.collation;
  const id = COLLATION_IDS[coll];
  if (id === undefined) throw new DataError(`Unknown collation: '${coll}'`);
  if (coll !== 'binary' && !coll.startsWith(`${csName}_`)) {
    throw new DataError(`COLLATION '${coll}' is not valid for CHARACTER SET '${csName}'`);
  }
  if (coll === 'binary') return BINARY_CHARSET;
  return {
    name: csName,
    collation: coll,
    collationId: id,
    maxBytes: cs.maxBytes,
    binarySort: coll.endsWith('_bin'),
    caseInsensitive: coll.endsWith('_ci'),
  };
}

// ---------------------------------------------------------------------------------------------
// Parsing

interface RawType {
  base: string;
  args: string[];
  /** Quoted ENUM/SET members (unescaped). */
  members: string[];
  unsigned: boolean;
  zerofill: boolean;
  charset?: string;
  collation?: string;
  binaryAttr: boolean;
}

/** Splits "decimal(10,2) unsigned" into its base name, arguments and attributes. */
function lexType(text: string): RawType {
  const src = text.trim();
  let i = 0;
  const word = (): string => {
    while (src[i] === ' ' || src[i] === '\t') i++;
    const start = i;
    while (i < src.length && /[A-Za-z0-9_]/.test(src[i]!)) i++;
    return src.slice(start, i).toLowerCase();
  };
  const base = word();
  if (!base) throw new DataError(`cannot parse column type '${text}'`);
  const raw: RawType = { base, args: [], members: [], unsigned: false, zerofill: false, binaryAttr: false };
  while (src[i] === ' ') i++;
  if (base === 'double' && /^precision\b/i.test(src.slice(i))) {
    word();
    while (src[i] === ' ') i++;
  }
  if (src[i] === '(') {
    i++;
    let current = '';
    let quoted = false;
    for (;;) {
      if (i >= src.length) throw new DataError(`unterminated '(' in column type '${text}'`);
      const ch = src[i]!;
      if (ch === "'" || ch === '"') {
        // A quoted member; '' or \' inside stands for the quote itself.
        const quote = ch;
        let value = '';
        i++;
        for (;;) {
          if (i >= src.length) throw new DataError(`unterminated string in column type '${text}'`);
          const c = src[i]!;
          if (c === '\\' && i + 1 < src.length) {
            value += src[i + 1];
            i += 2;
          } else if (c === quote && src[i + 1] === quote) {
            value += quote;
            i += 2;
          } else if (c === quote) {
            i++;
            break;
          } else {
            value += c;
            i++;
          }
        }
        raw.members.push(value);
        quoted = true;
      } else if (ch === ',' || ch === ')') {
        if (!quoted) raw.args.push(current.trim());
        current = '';
        quoted = false;
        i++;
        if (ch === ')') break;
      } else {
        current += ch;
        i++;
      }
    }
  }
  for (;;) {
    const w = word();
    if (!w) break;
    if (w === 'unsigned') raw.unsigned = true;
    else if (w === 'signed') raw.unsigned = false;
    else if (w === 'zerofill') raw.zerofill = raw.unsigned = true;
    else if (w === 'binary') raw.binaryAttr = true;
    else if (w === 'charset') raw.charset = word();
    else if (w === 'character') {
      if (word() !== 'set') throw new DataError(`expected CHARACTER SET in '${text}'`);
      raw.charset = word();
    } else if (w === 'collate') raw.collation = word();
    else throw new DataError(`unsupported attribute '${w}' in column type '${text}'`);
  }
  if (i < src.length && src.slice(i).trim()) throw new DataError(`cannot parse column type '${text}'`);
  return raw;
}

const INT_TYPES: Record<string, { bytes: number; signed: number; unsigned: number; width: number }> = {
  tinyint: { bytes: 1, signed: QueryType.INT8, unsigned: QueryType.UINT8, width: 3 },
  smallint: { bytes: 2, signed: QueryType.INT16, unsigned: QueryType.UINT16, width: 5 },
  mediumint: { bytes: 3, signed: QueryType.INT24, unsigned: QueryType.UINT24, width: 8 },
  int: { bytes: 4, signed: QueryType.INT32, unsigned: QueryType.UINT32, width: 10 },
  bigint: { bytes: 8, signed: QueryType.INT64, unsigned: QueryType.UINT64, width: 20 },
};

const TEXT_BYTES: Record<string, number> = {
  tinytext: 255,
  text: 65535,
  mediumtext: 16777215,
  longtext: 4294967295,
  tinyblob: 255,
  blob: 65535,
  mediumblob: 16777215,
  longblob: 4294967295,
};

const GEOMETRY_TYPES = new Set([
  'geometry',
  'point',
  'linestring',
  'polygon',
  'multipoint',
  'multilinestring',
  'multipolygon',
  'geometrycollection',
  'geomcollection',
]);

const MAX_LENGTH = 4294967295;

function intArg(raw: RawType, index: number, fallback: number): number {
  const a = raw.args[index];
  if (a === undefined || a === '') return fallback;
  if (!/^\d+$/.test(a)) throw new DataError(`invalid length '${a}' in ${raw.base}`);
  return Number(a);
}

const quoteMember = (m: string) => `'${m.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

/** Parses a MySQL column type. `charset`/`collation` apply to character types (default utf8mb4). */
export function parseColumnType(
  text: string,
  options: { charset?: string; collation?: string } = {},
): ColumnType {
  const raw = lexType(text);
  let base = raw.base;
  if (base === 'integer') base = 'int';
  if (base === 'bool' || base === 'boolean') {
    base = 'tinyint';
    raw.args = ['1'];
  }
  if (base === 'real') base = 'double';
  if (base === 'numeric' || base === 'dec' || base === 'fixed') base = 'decimal';

  const common = {
    unsigned: raw.unsigned,
    zerofill: raw.zerofill,
    bytes: 0,
    length: 0,
    precision: 0,
    scale: 0,
    fsp: 0,
    members: [] as string[],
    charset: BINARY_CHARSET,
    decimals: 0,
  };
  const sign = (raw.unsigned ? ' unsigned' : '') + (raw.zerofill ? ' zerofill' : '');
  const numFlags =
    MySqlFlag.NUM_FLAG |
    (raw.unsigned ? MySqlFlag.UNSIGNED_FLAG : 0) |
    (raw.zerofill ? MySqlFlag.ZEROFILL_FLAG : 0);

  const int = INT_TYPES[base];
  if (int) {
    const width = intArg(raw, 0, 0);
    const defaultWidth = int.width + (raw.unsigned || base === 'bigint' ? 0 : 1);
    // MySQL 8.0.19+ drops display widths from COLUMN_TYPE except tinyint(1) and ZEROFILL columns.
    const shownWidth = raw.zerofill ? width || int.width : base === 'tinyint' && width === 1 ? 1 : 0;
    return {
      ...common,
      kind: 'int',
      sql: `${base}${shownWidth ? `(${shownWidth})` : ''}${sign}`,
      queryType: raw.unsigned ? int.unsigned : int.signed,
      bytes: int.bytes,
      length: width,
      columnLength: width || defaultWidth,
      typeFlags: numFlags,
    };
  }
  const textBytes = TEXT_BYTES[base];
  const isCharType =
    base === 'char' || base === 'varchar' || (textBytes !== undefined && base.endsWith('text'));
  const isMemberType = base === 'enum' || base === 'set';
  const charset =
    isCharType || isMemberType
      ? resolveCharset(
          options.charset ?? raw.charset,
          options.collation ?? raw.collation ?? binCollation(raw),
        )
      : BINARY_CHARSET;
  const binSort = charset.binarySort ? MySqlFlag.BINARY_FLAG : 0;

  switch (base) {
    case 'float':
    case 'double': {
      // float(p) with p > 24 is a DOUBLE.
      const isDouble = base === 'double' || (raw.args.length === 1 && intArg(raw, 0, 0) > 24);
      return {
        ...common,
        kind: isDouble ? 'double' : 'float',
        sql: `${isDouble ? 'double' : 'float'}${sign}`,
        queryType: isDouble ? QueryType.FLOAT64 : QueryType.FLOAT32,
        columnLength: isDouble ? 22 : 12,
        decimals: 31,
        typeFlags: numFlags,
      };
    }
    case 'decimal': {
      const precision = intArg(raw, 0, 10);
      const scale = intArg(raw, 1, 0);
      if (precision < 1 || precision > 65 || scale > 30 || scale > precision) {
        throw new DataError(`invalid DECIMAL(${precision},${scale})`);
      }
      return {
        ...common,
        kind: 'decimal',
        sql: `decimal(${precision},${scale})${sign}`,
        queryType: QueryType.DECIMAL,
        precision,
        scale,
        columnLength: precision + (scale > 0 ? 1 : 0) + (raw.unsigned ? 0 : 1),
        decimals: scale,
        typeFlags: numFlags,
      };
    }
    case 'date':
      return {
        ...common,
        kind: 'date',
        sql: 'date',
        queryType: QueryType.DATE,
        columnLength: 10,
        typeFlags: MySqlFlag.BINARY_FLAG,
      };
    case 'datetime':
    case 'timestamp':
    case 'time': {
      const fsp = intArg(raw, 0, 0);
      if (fsp > 6) throw new DataError(`Too-big precision ${fsp} specified for '${base}'. Maximum is 6.`);
      const isTime = base === 'time';
      return {
        ...common,
        kind: base,
        sql: fsp ? `${base}(${fsp})` : base,
        queryType:
          base === 'time' ? QueryType.TIME : base === 'datetime' ? QueryType.DATETIME : QueryType.TIMESTAMP,
        fsp,
        columnLength: (isTime ? 10 : 19) + (fsp ? fsp + 1 : 0),
        decimals: fsp,
        typeFlags: MySqlFlag.BINARY_FLAG | (base === 'timestamp' ? MySqlFlag.TIMESTAMP_FLAG : 0),
      };
    }
    case 'year':
      return {
        ...common,
        kind: 'year',
        sql: 'year',
        queryType: QueryType.YEAR,
        unsigned: true,
        zerofill: true,
        columnLength: 4,
        typeFlags: MySqlFlag.NUM_FLAG | MySqlFlag.UNSIGNED_FLAG | MySqlFlag.ZEROFILL_FLAG,
      };
    case 'char':
    case 'varchar': {
      const length = intArg(raw, 0, base === 'char' ? 1 : -1);
      if (length < 0) throw new DataError('VARCHAR needs a length');
      const isChar = base === 'char';
      return {
        ...common,
        kind: base,
        sql: `${base}(${length})`,
        queryType: isChar
          ? binSort
            ? QueryType.BINARY
            : QueryType.CHAR
          : binSort
            ? QueryType.VARBINARY
            : QueryType.VARCHAR,
        length,
        charset,
        columnLength: length * charset.maxBytes,
        typeFlags: binSort,
      };
    }
    case 'binary':
    case 'varbinary': {
      const length = intArg(raw, 0, base === 'binary' ? 1 : -1);
      if (length < 0) throw new DataError('VARBINARY needs a length');
      return {
        ...common,
        kind: base,
        sql: `${base}(${length})`,
        queryType: base === 'binary' ? QueryType.BINARY : QueryType.VARBINARY,
        length,
        columnLength: length,
        typeFlags: MySqlFlag.BINARY_FLAG,
      };
    }
    case 'bit': {
      const length = intArg(raw, 0, 1);
      if (length < 1 || length > 64) throw new DataError(`invalid BIT(${length})`);
      return {
        ...common,
        kind: 'bit',
        sql: `bit(${length})`,
        queryType: QueryType.BIT,
        length,
        columnLength: length,
        typeFlags: MySqlFlag.UNSIGNED_FLAG,
      };
    }
    case 'enum':
    case 'set': {
      if (raw.members.length === 0) throw new DataError(`${base.toUpperCase()} needs members`);
      if (base === 'set' && raw.members.length > 64) throw new DataError('Too many strings for SET');
      if (base === 'set' && raw.members.some((m) => m.includes(','))) {
        throw new DataError('Illegal set value: members may not contain commas');
      }
      const chars = raw.members.map((m) => [...m].length);
      const maxChars =
        base === 'enum' ? Math.max(...chars) : chars.reduce((a, b) => a + b, 0) + raw.members.length - 1;
      return {
        ...common,
        kind: base,
        sql: `${base}(${raw.members.map(quoteMember).join(',')})`,
        queryType: base === 'enum' ? QueryType.ENUM : QueryType.SET,
        members: raw.members,
        charset,
        columnLength: maxChars * charset.maxBytes,
        typeFlags: (base === 'enum' ? MySqlFlag.ENUM_FLAG : MySqlFlag.SET_FLAG) | binSort,
      };
    }
    case 'json':
      return {
        ...common,
        kind: 'json',
        sql: 'json',
        queryType: QueryType.JSON,
        columnLength: MAX_LENGTH,
        typeFlags: MySqlFlag.BLOB_FLAG | MySqlFlag.BINARY_FLAG,
      };
    default:
      break;
  }
  if (textBytes !== undefined) {
    const isText = base.endsWith('text');
    return {
      ...common,
      kind: isText ? 'text' : 'blob',
      sql: base,
      queryType: isText ? (binSort ? QueryType.BLOB : QueryType.TEXT) : QueryType.BLOB,
      bytes: textBytes,
      charset,
      columnLength: isText ? Math.min(MAX_LENGTH, textBytes * charset.maxBytes) : textBytes,
      typeFlags: MySqlFlag.BLOB_FLAG | (isText ? binSort : MySqlFlag.BINARY_FLAG),
    };
  }
  if (GEOMETRY_TYPES.has(base)) {
    return {
      ...common,
      kind: 'geometry',
      sql: base === 'geomcollection' ? 'geometrycollection' : base,
      queryType: QueryType.GEOMETRY,
      columnLength: MAX_LENGTH,
      typeFlags: MySqlFlag.BLOB_FLAG | MySqlFlag.BINARY_FLAG,
    };
  }
  throw new DataError(`unsupported column type '${text}'`);
}

/** `char(3) binary` means the charset's _bin collation. */
function binCollation(raw: RawType): string | undefined {
  if (!raw.binaryAttr) return undefined;
  const cs = (raw.charset ?? 'utf8mb4').toLowerCase().replace(/^utf8$/, 'utf8mb3');
  return `${cs}_bin`;
}

/** True for kinds whose values are character data in a charset (as opposed to bytes or numbers). */
export function isCharacterKind(kind: ColumnKind): boolean {
  return kind === 'char' || kind === 'varchar' || kind === 'text' || kind === 'enum' || kind === 'set';
}
