// Filter rules as vstreamer applies them (planbuilder.go): rules are tried in order and the first match
// wins; `match` is a table name or "/regex" whose regex is *unanchored* (Go regexp.MatchString, after
// trimming slashes from both ends). `filter` is "" (all rows and columns), a key range ("-80"), or, for
// an exact-name rule, "select cols from t [where ...]" with the WHERE forms vstreamer supports.
import { MySqlFlag, QueryType, VtrpcCode } from '../../vstream/proto.js';
import { VtgateError, failedPrecondition, unknownError } from './errors.js';
import {
  isKeyRangeSpec,
  keyRangeContains,
  keyspaceId,
  keyspaceIdBytes,
  parseKeyRange,
  type KeyRange,
} from './keyspace-id.js';
import type { FieldInit } from './proto-types.js';
import { findColumn, type TableSchema } from './schema.js';
import {
  compareCells,
  encodeBinlogCell,
  encodeCopyCell,
  normalizeCell,
  type Cell,
  type EncodeOptions,
} from './values.js';

export interface RuleLike {
  readonly match: string;
  readonly filter: string;
}

export interface FilterLike {
  readonly rules: readonly RuleLike[];
}

export type Phase = 'copy' | 'binlog';

export interface PlanColumn {
  readonly field: FieldInit;
  /** Index of the source column, or -1 for computed columns. */
  readonly source: number;
  encode(cells: readonly Cell[], phase: Phase, options: EncodeOptions): Buffer | null;
}

export interface TablePlan {
  readonly schema: TableSchema;
  readonly columns: readonly PlanColumn[];
  readonly hasEnumOrSet: boolean;
  /** Whether a row image passes the WHERE clause / key range. */
  matches(cells: readonly Cell[]): boolean;
}

// ---------------------------------------------------------------------------------------------
// Rule matching

function compileRegex(match: string): RegExp {
  let expr = match.replace(/^\/+|\/+$/g, '');
  let flags = '';
  // RE2's leading (?i) is common in Go code; JS needs it as a flag.
  if (expr.startsWith('(?i)')) {
    expr = expr.slice(4);
    flags = 'i';
  }
  try {
    return new RegExp(expr, flags);
  } catch (err) {
    throw unknownError(`error parsing regexp: ${(err as Error).message}`);
  }
}

/** The first rule matching the table, or null; a bad regex throws (vstreamer fails the stream). */
export function findRule(filter: FilterLike, table: string): RuleLike | null {
  for (const rule of filter.rules) {
    if (rule.match.startsWith('/')) {
      if (compileRegex(rule.match).test(table)) return rule;
    } else if (rule.match === table) {
      return rule;
    }
  }
  return null;
}

/** Whether any rule matches (used for DDL); a bad regex is just no match here, as in vstreamer. */
export function ruleMatchesTable(filter: FilterLike, table: string): boolean {
  try {
    return findRule(filter, table) !== null;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Plans

function tableColumn(schema: TableSchema, index: number): PlanColumn {
  const col = schema.columns[index]!;
  return {
    field: schema.fields[index]!,
    source: index,
    encode: (cells, phase, options) =>
      phase === 'copy'
        ? encodeCopyCell(col.type, cells[index]!)
        : encodeBinlogCell(col.type, cells[index]!, options),
  };
}

function allColumns(schema: TableSchema): PlanColumn[] {
  return schema.columns.map((_, i) => tableColumn(schema, i));
}

function rowKeyspaceId(schema: TableSchema, columns: readonly number[], cells: readonly Cell[]): bigint {
  return keyspaceId(columns.map((i) => encodeCopyCell(schema.columns[i]!.type, cells[i]!)));
}

function makePlan(
  schema: TableSchema,
  columns: PlanColumn[],
  predicates: ((cells: readonly Cell[]) => boolean)[],
): TablePlan {
  return {
    schema,
    columns,
    hasEnumOrSet: columns.some(
      (c) => c.source >= 0 && ['enum', 'set'].includes(schema.columns[c.source]!.type.kind),
    ),
    matches: (cells) => predicates.every((p) => p(cells)),
  };
}

function keyRangePredicate(schema: TableSchema, columns: readonly number[], range: KeyRange) {
  return (cells: readonly Cell[]) => keyRangeContains(range, rowKeyspaceId(schema, columns, cells));
}

function parseKeyRangeOrThrow(spec: string): KeyRange {
  try {
    return parseKeyRange(spec);
  } catch {
    throw unknownError(`error parsing keyrange: ${spec}`);
  }
}

/**
 * The rule the copy phase works from. Like uvstreamer's getQuery, a rule naming the table exactly with an empty
 * filter or a key range becomes a select, so the copy succeeds where the binlog phase (buildTablePlan below)
 * fails; regex rules already take both forms.
 */
export function copyPhaseRule(rule: RuleLike, table: string): RuleLike {
  if (rule.match.startsWith('/')) return rule;
  const filter = rule.filter.trim();
  const from = `\`${table.replace(/`/g, '``')}\``;
  if (filter === '') return { match: table, filter: `select * from ${from}` };
  if (isKeyRangeSpec(filter))
    return { match: table, filter: `select * from ${from} where in_keyrange('${filter}')` };
  return rule;
}

/** Builds the plan a rule gives for one version of a table. Throws VtgateError as vstreamer would fail. */
export function buildTablePlan(rule: RuleLike, schema: TableSchema): TablePlan {
  const filter = rule.filter.trim();
  if (rule.match.startsWith('/')) {
    // Regex rules take nothing or a key range, applied to the table's primary vindex (our shard key).
    if (filter === '') return makePlan(schema, allColumns(schema), []);
    if (!isKeyRangeSpec(filter)) throw unknownError(`error parsing keyrange: ${filter}`);
    const range = parseKeyRangeOrThrow(filter);
    return makePlan(schema, allColumns(schema), [keyRangePredicate(schema, schema.shardKey, range)]);
  }
  // A rule naming the table exactly takes a select statement only: vstreamer parses its filter as SQL, so an
  // empty filter fails (seen on a real vtgate v24: "Query was empty", then "failed to build table replication
  // plan for table T") and a bare key range is a syntax error.
  if (filter === '') {
    throw unknownError(`Query was empty\nfailed to build table replication plan for table ${schema.name}`);
  }
  return buildSelectPlan(filter, schema);
}

// ---------------------------------------------------------------------------------------------
// A small parser for the select statements vstreamer accepts

type Token =
  | { t: 'ident'; v: string; quoted: boolean; pos: number }
  | { t: 'int'; v: string; pos: number }
  | { t: 'str'; v: string; pos: number }
  | { t: 'op'; v: string; pos: number }
  | { t: 'eof'; pos: number };

function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const syntax = () =>
    new VtgateError(
      VtrpcCode.INVALID_ARGUMENT,
      `syntax error at position ${i + 1} in ${JSON.stringify(sql)}`,
    );
  while (i < sql.length) {
    const ch = sql[i]!;
    if (/\s/.test(ch)) {
      i++;
    } else if (/[A-Za-z_]/.test(ch)) {
      const start = i;
      while (i < sql.length && /[A-Za-z0-9_$]/.test(sql[i]!)) i++;
      out.push({ t: 'ident', v: sql.slice(start, i), quoted: false, pos: start });
    } else if (ch === '`') {
      const end = sql.indexOf('`', i + 1);
      if (end < 0) throw syntax();
      out.push({ t: 'ident', v: sql.slice(i + 1, end), quoted: true, pos: i });
      i = end + 1;
    } else if (/[0-9]/.test(ch) || (ch === '-' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      const start = i;
      i++;
      while (i < sql.length && /[0-9]/.test(sql[i]!)) i++;
      out.push({ t: 'int', v: sql.slice(start, i), pos: start });
    } else if (ch === "'" || ch === '"') {
      const start = i;
      let v = '';
      i++;
      for (;;) {
        if (i >= sql.length) throw syntax();
        const c = sql[i]!;
        if (c === '\\' && i + 1 < sql.length) {
          v += sql[i + 1];
          i += 2;
        } else if (c === ch && sql[i + 1] === ch) {
          v += ch;
          i += 2;
        } else if (c === ch) {
          i++;
          break;
        } else {
          v += c;
          i++;
        }
      }
      out.push({ t: 'str', v, pos: start });
    } else {
      const two = sql.slice(i, i + 2);
      if (['!=', '<>', '<=', '>='].includes(two)) {
        out.push({ t: 'op', v: two === '<>' ? '!=' : two, pos: i });
        i += 2;
      } else if ('*,()=<>.'.includes(ch)) {
        out.push({ t: 'op', v: ch, pos: i });
        i++;
      } else {
        throw syntax();
      }
    }
  }
  out.push({ t: 'eof', pos: sql.length });
  return out;
}

type Literal = { kind: 'int' | 'str'; value: string };

function buildSelectPlan(sql: string, schema: TableSchema): TablePlan {
  const tokens = tokenize(sql);
  let p = 0;
  const peek = () => tokens[p]!;
  const next = () => tokens[p++]!;
  const isKeyword = (tok: Token, kw: string) =>
    tok.t === 'ident' && !tok.quoted && tok.v.toLowerCase() === kw;
  const isOp = (tok: Token, op: string) => tok.t === 'op' && tok.v === op;
  const syntax = (tok: Token) =>
    new VtgateError(
      VtrpcCode.INVALID_ARGUMENT,
      `syntax error at position ${tok.pos + 1} in ${JSON.stringify(sql)}`,
    );
  const expectKeyword = (kw: string) => {
    const tok = next();
    if (!isKeyword(tok, kw)) throw syntax(tok);
  };
  const expectOp = (op: string) => {
    const tok = next();
    if (!isOp(tok, op)) throw syntax(tok);
  };
  const ident = (): string => {
    const tok = next();
    if (tok.t !== 'ident') throw syntax(tok);
    return tok.v;
  };
  const column = (name: string): number => {
    const i = findColumn(schema, name);
    if (i < 0) throw failedPrecondition(`column ${name} not found in table ${schema.name}`);
    return i;
  };
  const literal = (): Literal => {
    const tok = next();
    if (tok.t === 'int') return { kind: 'int', value: tok.v };
    if (tok.t === 'str') return { kind: 'str', value: tok.v };
    throw unknownError(`unexpected: ${sql}`);
  };

  expectKeyword('select');
  const columns: PlanColumn[] = [];
  if (isOp(peek(), '*')) {
    next();
    columns.push(...allColumns(schema));
  } else {
    for (;;) {
      const tok = peek();
      if (tok.t === 'int') {
        next();
        if (tok.v !== '1') throw unknownError('only the integer literal 1 is supported');
        columns.push({
          field: {
            name: '1',
            type: QueryType.INT64,
            charset: 63,
            flags: MySqlFlag.NOT_NULL_FLAG | MySqlFlag.NUM_FLAG,
          },
          source: -1,
          encode: () => Buffer.from('1'),
        });
      } else {
        const name = ident();
        if (isOp(peek(), '(')) {
          next();
          expectOp(')');
          if (name.toLowerCase() !== 'keyspace_id') throw unknownError(`unsupported function: ${name}()`);
          columns.push({
            field: {
              name: 'keyspace_id',
              type: QueryType.VARBINARY,
              charset: 63,
              flags: MySqlFlag.BINARY_FLAG,
            },
            source: -1,
            encode: (cells) => keyspaceIdBytes(rowKeyspaceId(schema, schema.shardKey, cells)),
          });
        } else {
          if (isOp(peek(), '.')) throw unknownError(`unsupported qualifier for column: ${name}`);
          // An alias does not rename the field: vstreamer keeps the column's own Field.
          if (isKeyword(peek(), 'as')) {
            next();
            ident();
          }
          columns.push(tableColumn(schema, column(name)));
        }
      }
      if (isOp(peek(), ',')) {
        next();
        continue;
      }
      break;
    }
  }
  expectKeyword('from');
  let table = ident();
  if (isOp(peek(), '.')) {
    next();
    table = ident();
  }
  if (table !== schema.name) {
    throw unknownError(
      `unsupported: select expression table ${table} does not match the table entry name ${schema.name}`,
    );
  }

  const predicates: ((cells: readonly Cell[]) => boolean)[] = [];
  if (isKeyword(peek(), 'where')) {
    next();
    for (;;) {
      predicates.push(condition());
      if (isKeyword(peek(), 'and')) {
        next();
        continue;
      }
      break;
    }
  }
  const end = peek();
  if (end.t !== 'eof') {
    if (isKeyword(end, 'or')) throw unknownError(`unsupported constraint: ${sql.slice(end.pos)}`);
    throw syntax(end);
  }
  return makePlan(schema, columns, predicates);

  function condition(): (cells: readonly Cell[]) => boolean {
    const name = ident();
    if (name.toLowerCase() === 'in_keyrange' && isOp(peek(), '(')) {
      next();
      const args: Token[] = [];
      for (;;) {
        args.push(next());
        const sep = next();
        if (isOp(sep, ')')) break;
        if (!isOp(sep, ',')) throw syntax(sep);
      }
      const last = args[args.length - 1]!;
      if (last.t !== 'str') throw unknownError(`unsupported: in_keyrange argument in ${sql}`);
      const range = parseKeyRangeOrThrow(last.v);
      if (args.length === 1) return keyRangePredicate(schema, schema.shardKey, range);
      if (args.length < 3)
        throw new VtgateError(VtrpcCode.INTERNAL, `[BUG] unexpected in_keyrange parameters: ${sql}`);
      // Any named vindex hashes the given columns with this model's keyspace-id function.
      const cols = args.slice(0, -2).map((a) => {
        if (a.t !== 'ident') throw new VtgateError(VtrpcCode.INTERNAL, `[BUG] unexpected: ${sql}`);
        return column(a.v);
      });
      return keyRangePredicate(schema, cols, range);
    }
    const colIndex = column(name);
    const col = schema.columns[colIndex]!;
    const opTok = next();
    if (opTok.t === 'ident' && opTok.v.toLowerCase() === 'is') {
      expectKeyword('not');
      expectKeyword('null');
      return (cells) => cells[colIndex] !== null;
    }
    if (opTok.t === 'ident' && opTok.v.toLowerCase() === 'in') {
      expectOp('(');
      const values: Literal[] = [];
      for (;;) {
        values.push(literal());
        const sep = next();
        if (isOp(sep, ')')) break;
        if (!isOp(sep, ',')) throw syntax(sep);
      }
      const cellsIn = values.map((v) => literalCell(v));
      return (cells) =>
        cells[colIndex] !== null &&
        cellsIn.some((c) => c !== undefined && compareCells(col.type, cells[colIndex]!, c) === 0);
    }
    if (opTok.t !== 'op' || !['=', '!=', '<', '<=', '>', '>='].includes(opTok.v)) {
      throw unknownError(`unsupported constraint: ${sql.slice(opTok.pos)}`);
    }
    const value = literalCell(literal());
    const op = opTok.v;
    return (cells) => {
      const cell = cells[colIndex]!;
      if (cell === null || value === undefined) return false; // NULL never compares true
      const c = compareCells(col.type, cell, value);
      return op === '='
        ? c === 0
        : op === '!='
          ? c !== 0
          : op === '<'
            ? c < 0
            : op === '<='
              ? c <= 0
              : op === '>'
                ? c > 0
                : c >= 0;
    };

    /** The literal in the column's stored form; undefined when it cannot be one (never equal). */
    function literalCell(lit: Literal): Cell | undefined {
      try {
        return normalizeCell(col.type, lit.value, col.name);
      } catch {
        return undefined;
      }
    }
  }
}
