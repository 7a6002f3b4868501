import { z } from 'zod';

/**
 * The Postgres column types the sink creates, as data: stored in the table mappings, compared and widened
 * without parsing SQL type names back.
 */
export const pgTypeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('smallint') }),
  z.object({ kind: z.literal('integer') }),
  z.object({ kind: z.literal('bigint') }),
  /** precision null = unconstrained numeric. */
  z.object({ kind: z.literal('numeric'), precision: z.number().int().nullable(), scale: z.number().int() }),
  z.object({ kind: z.literal('real') }),
  z.object({ kind: z.literal('double') }),
  z.object({ kind: z.literal('text') }),
  z.object({ kind: z.literal('bytea') }),
  z.object({ kind: z.literal('date') }),
  z.object({ kind: z.literal('timestamp'), precision: z.number().int() }),
  z.object({ kind: z.literal('timestamptz'), precision: z.number().int() }),
  z.object({ kind: z.literal('interval') }),
  /** length null = unbounded bit varying. */
  z.object({ kind: z.literal('varbit'), length: z.number().int().nullable() }),
  z.object({ kind: z.literal('jsonb') }),
  z.object({ kind: z.literal('text[]') }),
  z.object({ kind: z.literal('real[]') }),
]);

export type PgType = z.infer<typeof pgTypeSchema>;
export type PgTypeKind = PgType['kind'];

/** Postgres' limit on numeric precision. */
const MAX_NUMERIC_PRECISION = 1000;

/** SQL spelling of a type, for DDL and casts. */
export function renderPgType(type: PgType): string {
  switch (type.kind) {
    case 'numeric':
      return type.precision === null ? 'numeric' : `numeric(${type.precision},${type.scale})`;
    case 'double':
      return 'double precision';
    case 'timestamp':
      return `timestamp(${type.precision}) without time zone`;
    case 'timestamptz':
      return `timestamp(${type.precision}) with time zone`;
    case 'varbit':
      return type.length === null ? 'bit varying' : `bit varying(${type.length})`;
    default:
      return type.kind;
  }
}

export function samePgType(a: PgType, b: PgType): boolean {
  return renderPgType(a) === renderPgType(b);
}

/** Decimal digits an integer type can need (sign aside). */
const INTEGER_DIGITS = { smallint: 5, integer: 10, bigint: 19 } as const;
const INTEGER_RANK = { smallint: 0, integer: 1, bigint: 2 } as const;
type IntegerKind = keyof typeof INTEGER_DIGITS;

function isInteger(type: PgType): type is { kind: IntegerKind } {
  return type.kind === 'smallint' || type.kind === 'integer' || type.kind === 'bigint';
}

/** An integer type seen as the numeric that holds exactly its values' digits. */
function asNumeric(type: PgType): { precision: number | null; scale: number } | undefined {
  if (type.kind === 'numeric') return type;
  if (isInteger(type)) return { precision: INTEGER_DIGITS[type.kind], scale: 0 };
  return undefined;
}

/**
 * The narrowest type that holds every value of both `a` and `b` and that `a` can be converted to without loss,
 * or undefined when there is none (the change is incompatible). Symmetric and idempotent, so shards that switch
 * schema at different times (or out of order) always converge on the same column type.
 */
export function widenPgType(a: PgType, b: PgType): PgType | undefined {
  if (samePgType(a, b)) return a;
  if (isInteger(a) && isInteger(b)) return INTEGER_RANK[a.kind] >= INTEGER_RANK[b.kind] ? a : b;

  const na = asNumeric(a);
  const nb = asNumeric(b);
  if (na !== undefined && nb !== undefined) {
    if (na.precision === null || nb.precision === null) return { kind: 'numeric', precision: null, scale: 0 };
    const scale = Math.max(na.scale, nb.scale);
    const precision = Math.max(na.precision - na.scale, nb.precision - nb.scale) + scale;
    return precision > MAX_NUMERIC_PRECISION
      ? { kind: 'numeric', precision: null, scale: 0 }
      : { kind: 'numeric', precision, scale };
  }

  const floats = new Set<PgTypeKind>(['real', 'double']);
  // smallint and integer fit a double exactly; bigint and numeric would not.
  const exactInDouble = new Set<PgTypeKind>(['real', 'double', 'smallint', 'integer']);
  if ((floats.has(a.kind) || floats.has(b.kind)) && exactInDouble.has(a.kind) && exactInDouble.has(b.kind)) {
    return { kind: 'double' };
  }

  if (a.kind === 'timestamp' && b.kind === 'timestamp') return a.precision >= b.precision ? a : b;
  if (a.kind === 'timestamptz' && b.kind === 'timestamptz') return a.precision >= b.precision ? a : b;
  // A DATE widened to DATETIME: every date is that day's midnight.
  if (a.kind === 'date' && b.kind === 'timestamp') return b;
  if (a.kind === 'timestamp' && b.kind === 'date') return a;

  if (a.kind === 'varbit' && b.kind === 'varbit') {
    if (a.length === null || b.length === null) return { kind: 'varbit', length: null };
    return { kind: 'varbit', length: Math.max(a.length, b.length) };
  }
  return undefined;
}
