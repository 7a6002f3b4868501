/**
 * Reads the few effects of MySQL DDL text that FIELD events cannot show: table and column renames (a FIELD only
 * shows a column appearing and another vanishing), dropped columns (a shard sends no FIELD until its next row
 * of the table), TRUNCATE (which sends no row events) and DROP TABLE. Added and retyped columns come from FIELD
 * events, so every other statement is only recorded.
 *
 * A small tokenizer instead of regexes, so that comments, quoted names (with any characters, `` ` `` doubled)
 * and string literals never confuse it. Unknown syntax yields no effect rather than a guess.
 */
export type DdlEffect =
  | { kind: 'rename_table'; from: string; to: string }
  | { kind: 'rename_column'; table: string; from: string; to: string }
  | { kind: 'drop_column'; table: string; column: string }
  | { kind: 'truncate'; table: string }
  | { kind: 'drop_table'; table: string };

interface Token {
  /** `word`: bare word (compare upper-cased); `ident`: backquoted; `punct`: one character; `literal`: string. */
  type: 'word' | 'ident' | 'punct' | 'literal';
  text: string;
}

export function parseDdlEffects(statement: string): DdlEffect[] {
  const tokens = tokenize(statement);
  const head = keyword(tokens[0]);
  if (head === 'RENAME' && keyword(tokens[1]) === 'TABLE') return parseRenameTable(tokens.slice(2));
  if (head === 'ALTER') return parseAlter(tokens.slice(1));
  if (head === 'TRUNCATE') {
    const rest = keyword(tokens[1]) === 'TABLE' ? tokens.slice(2) : tokens.slice(1);
    const name = readName(rest, 0);
    return name === undefined ? [] : [{ kind: 'truncate', table: name.table }];
  }
  if (head === 'DROP') return parseDropTable(tokens.slice(1));
  return [];
}

function keyword(token: Token | undefined): string | undefined {
  return token?.type === 'word' ? token.text.toUpperCase() : undefined;
}

function isPunct(token: Token | undefined, ch: string): boolean {
  return token?.type === 'punct' && token.text === ch;
}

/** A possibly keyspace-qualified table name at `tokens[i]`; the qualifier is dropped. */
function readName(tokens: Token[], i: number): { table: string; next: number } | undefined {
  const first = tokens[i];
  if (first === undefined || (first.type !== 'word' && first.type !== 'ident')) return undefined;
  if (isPunct(tokens[i + 1], '.')) {
    const second = tokens[i + 2];
    if (second === undefined || (second.type !== 'word' && second.type !== 'ident')) return undefined;
    return { table: second.text, next: i + 3 };
  }
  return { table: first.text, next: i + 1 };
}

function readIdentifier(token: Token | undefined): string | undefined {
  return token !== undefined && (token.type === 'word' || token.type === 'ident') ? token.text : undefined;
}

/** `a TO b [, c TO d …]`. */
function parseRenameTable(tokens: Token[]): DdlEffect[] {
  const effects: DdlEffect[] = [];
  let i = 0;
  for (;;) {
    const from = readName(tokens, i);
    if (from === undefined || keyword(tokens[from.next]) !== 'TO') return effects;
    const to = readName(tokens, from.next + 1);
    if (to === undefined) return effects;
    effects.push({ kind: 'rename_table', from: from.table, to: to.table });
    if (!isPunct(tokens[to.next], ',')) return effects;
    i = to.next + 1;
  }
}

/** `[ONLINE|IGNORE…] TABLE t spec [, spec …]` with RENAME and CHANGE specs understood. */
function parseAlter(tokens: Token[]): DdlEffect[] {
  let i = 0;
  while (tokens[i] !== undefined && keyword(tokens[i]) !== 'TABLE') {
    if (tokens[i]!.type !== 'word') return [];
    i++;
  }
  const name = readName(tokens, i + 1);
  if (name === undefined) return [];
  let table = name.table;
  const effects: DdlEffect[] = [];
  for (const spec of splitTopLevel(tokens.slice(name.next))) {
    const op = keyword(spec[0]);
    if (op === 'RENAME') {
      const what = keyword(spec[1]);
      if (what === 'COLUMN') {
        const from = readIdentifier(spec[2]);
        const to = readIdentifier(spec[4]);
        if (from !== undefined && keyword(spec[3]) === 'TO' && to !== undefined) {
          effects.push({ kind: 'rename_column', table, from, to });
        }
      } else if (what !== 'INDEX' && what !== 'KEY') {
        const to = readName(spec, what === 'TO' || what === 'AS' ? 2 : 1);
        if (to !== undefined) {
          effects.push({ kind: 'rename_table', from: table, to: to.table });
          table = to.table;
        }
      }
    } else if (op === 'DROP') {
      let at = 1;
      const what = keyword(spec[at]);
      if (what !== undefined && NOT_COLUMNS.has(what)) continue;
      if (what === 'COLUMN') at++;
      if (keyword(spec[at]) === 'IF' && keyword(spec[at + 1]) === 'EXISTS') at += 2;
      const column = readIdentifier(spec[at]);
      if (column !== undefined && spec.length === at + 1)
        effects.push({ kind: 'drop_column', table, column });
    } else if (op === 'CHANGE') {
      const at = keyword(spec[1]) === 'COLUMN' ? 2 : 1;
      const from = readIdentifier(spec[at]);
      const to = readIdentifier(spec[at + 1]);
      if (from !== undefined && to !== undefined && from !== to) {
        effects.push({ kind: 'rename_column', table, from, to });
      }
    }
  }
  return effects;
}

/** What `ALTER TABLE … DROP x` drops when x is one of these words: not a column. */
const NOT_COLUMNS = new Set([
  'INDEX',
  'KEY',
  'PRIMARY',
  'FOREIGN',
  'CHECK',
  'CONSTRAINT',
  'PARTITION',
  'DEFAULT',
]);

/** `[TEMPORARY] TABLE [IF EXISTS] a [, b …]`. */
function parseDropTable(tokens: Token[]): DdlEffect[] {
  let i = keyword(tokens[0]) === 'TEMPORARY' ? 1 : 0;
  if (keyword(tokens[i]) !== 'TABLE') return [];
  i++;
  if (keyword(tokens[i]) === 'IF' && keyword(tokens[i + 1]) === 'EXISTS') i += 2;
  const effects: DdlEffect[] = [];
  for (;;) {
    const name = readName(tokens, i);
    if (name === undefined) return effects;
    effects.push({ kind: 'drop_table', table: name.table });
    if (!isPunct(tokens[name.next], ',')) return effects;
    i = name.next + 1;
  }
}

/** Splits at commas outside parentheses. */
function splitTopLevel(tokens: Token[]): Token[][] {
  const parts: Token[][] = [[]];
  let depth = 0;
  for (const token of tokens) {
    if (isPunct(token, '(')) depth++;
    if (isPunct(token, ')')) depth--;
    if (depth === 0 && isPunct(token, ',')) {
      parts.push([]);
      continue;
    }
    parts[parts.length - 1]!.push(token);
  }
  return parts.filter((p) => p.length > 0);
}

function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '/' && sql[i + 1] === '*') {
      // Executable comments (/*! … */) hold real SQL, e.g. from mysqldump: read their content.
      if (sql[i + 2] === '!') {
        i += 3;
        while (i < sql.length && /\d/.test(sql[i]!)) i++;
        continue;
      }
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if (ch === '*' && sql[i + 1] === '/') {
      i += 2;
    } else if (ch === '#' || (ch === '-' && sql[i + 1] === '-' && /\s|$/.test(sql[i + 2] ?? ''))) {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
    } else if (ch === '`' || ch === '"') {
      const [text, next] = readQuoted(sql, i, ch);
      tokens.push({ type: ch === '`' ? 'ident' : 'literal', text });
      i = next;
    } else if (ch === "'") {
      const [text, next] = readQuoted(sql, i, ch);
      tokens.push({ type: 'literal', text });
      i = next;
    } else if (/[\p{L}\p{N}_$]/u.test(ch)) {
      let end = i + 1;
      while (end < sql.length && /[\p{L}\p{N}_$]/u.test(sql[end]!)) end++;
      tokens.push({ type: 'word', text: sql.slice(i, end) });
      i = end;
    } else {
      tokens.push({ type: 'punct', text: ch });
      i++;
    }
  }
  return tokens;
}

/** Text between `quote`s starting at `start`; a doubled quote stands for itself, backslash escapes in strings. */
function readQuoted(sql: string, start: number, quote: string): [string, number] {
  let text = '';
  let i = start + 1;
  while (i < sql.length) {
    const ch = sql[i]!;
    if (ch === quote) {
      if (sql[i + 1] === quote) {
        text += quote;
        i += 2;
        continue;
      }
      return [text, i + 1];
    }
    if (ch === '\\' && quote !== '`' && i + 1 < sql.length) {
      text += sql[i + 1];
      i += 2;
      continue;
    }
    text += ch;
    i++;
  }
  return [text, i];
}
