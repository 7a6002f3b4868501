// Builds the vtgate VStreamRequest from our stream configuration and a start position.
//
// The table filter is the delicate part. Vitess evaluates Filter.rules in order and the first
// rule whose `match` fits a table decides; `match` is an exact name or, after a leading '/', an
// UNANCHORED Go (RE2) regex, so `/t` would select every table containing a "t". vstreamer has no
// "exclude" rule action (only VReplication's target side knows `filter: "exclude"`, and sent to a
// vstreamer it is an error), and RE2 has no lookahead. So:
//   - exact names become exact rules with an explicit select, placed first so that no pattern
//     can shadow a table's column list or WHERE clause;
//   - patterns become anchored regexes `/^(?:...)$/`;
//   - exclusions are compiled into the regexes: a set of exact names and name prefixes has a
//     regular complement, written out from a character trie. Exclusions that would need a
//     general regex intersection are refused with an error instead of being half applied.
// Vitess-internal tables are kept out the same way where a prefix describes them (`_vt_`); the
// other internal names (shadow tables of online DDL) are skipped by vttablet itself and by
// isInternalTable() on our side.
import { TabletType } from './constants.js';
import type { VGtidMessage } from './vgtid.js';
import { Vgtid, VgtidError, checkVgtidCoversConfig } from './vgtid.js';

// ---------------------------------------------------------------------------------------------
// Configuration

export type TabletTypeName = 'primary' | 'replica' | 'rdonly';

export interface TableSelection {
  /**
   * Tables to stream; absent = every table. An entry is an exact name, a glob (`*` any run of
   * characters, `?` one character: `orders_*`), or a Go regex between slashes (`/^log_\d+$/`),
   * which is anchored for you. Rules match bare table names in every configured keyspace.
   */
  readonly include?: readonly string[];
  /** Tables to leave out: exact names or prefix globs (`tmp_*`). */
  readonly exclude?: readonly string[];
  /** Columns to stream per table (exact names only). */
  readonly columns?: Readonly<Record<string, readonly string[]>>;
  /** Row filter per table (exact names only), in the subset of SQL that vstreamer accepts. */
  readonly where?: Readonly<Record<string, string>>;
}

export interface CallerIdConfig {
  readonly principal: string;
  readonly component?: string;
  readonly subcomponent?: string;
  readonly groups?: readonly string[];
}

export interface StreamSource {
  readonly keyspaces: readonly { readonly name: string; readonly shards?: readonly string[] }[];
  readonly tabletType: TabletTypeName;
  /** Cells to pick tablets from; default is vtgate's own cell. */
  readonly cells?: readonly string[];
  readonly cellPreference?: 'preferlocalwithalias' | 'onlyspecified';
  readonly tabletOrder?: 'any' | 'inorder';
  readonly tables?: TableSelection;
  /** vtgate sends a HEARTBEAT after this many idle seconds; absent = never. */
  readonly heartbeatIntervalSeconds?: number;
  readonly stopOnReshard?: boolean;
  readonly includeReshardJournalEvents?: boolean;
  readonly streamKeyspaceHeartbeats?: boolean;
  readonly minimizeSkew?: boolean;
  /** Copy only these tables (bare names; Vitess v23+). */
  readonly tablesToCopy?: readonly string[];
  /** Larger transactions arrive in chunks (Vitess v24+). */
  readonly transactionChunkSizeBytes?: number;
  readonly excludeKeyspaceFromTableName?: boolean;
  readonly callerId?: CallerIdConfig;
}

/** Where the stream starts. `copy` snapshots every selected table first (gtid "" per shard). */
export type StartPosition =
  | { readonly kind: 'current' }
  | { readonly kind: 'copy' }
  | { readonly kind: 'vgtid'; readonly vgtid: Vgtid };

/** A configuration value that cannot be turned into a request; `path` names the field. */
export class RequestConfigError extends Error {
  override readonly name = 'RequestConfigError';

  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Request shape (plain objects for protobufjs `fromObject` / `create`, camelCase names)

export interface CallerIdMessage {
  principal: string;
  component: string;
  subcomponent: string;
  groups: string[];
}

export interface RuleMessage {
  match: string;
  filter: string;
}

export interface FilterMessage {
  rules: RuleMessage[];
  /** 0 = ERR_ON_MISMATCH: fail rather than emit placeholder column names. */
  fieldEventMode: number;
}

export interface VStreamFlagsMessage {
  minimizeSkew: boolean;
  heartbeatInterval: number;
  stopOnReshard: boolean;
  cells: string;
  cellPreference: string;
  tabletOrder: string;
  streamKeyspaceHeartbeats: boolean;
  includeReshardJournalEvents: boolean;
  tablesToCopy: string[];
  excludeKeyspaceFromTableName: boolean;
  transactionChunkSize: number;
}

export interface VStreamRequestMessage {
  callerId: CallerIdMessage;
  tabletType: TabletType;
  vgtid: VGtidMessage;
  filter: FilterMessage;
  flags: VStreamFlagsMessage;
}

const TABLET_TYPES: Readonly<Record<TabletTypeName, TabletType>> = {
  primary: TabletType.PRIMARY,
  replica: TabletType.REPLICA,
  rdonly: TabletType.RDONLY,
};
const DEFAULT_PRINCIPAL = 'vstream-relay';
const MAX_UINT32 = 0xffff_ffff;

// Not a type guard on purpose: narrowing a readonly array with Array.isArray widens it to any[].
const isNonEmptyList = (value: unknown): boolean => Array.isArray(value) && value.length > 0;

// ---------------------------------------------------------------------------------------------
// Vitess-internal tables

// `_vt_` + anything: table GC and VReplication tables, old (`_vt_HOLD_...`) and new
// (`_vt_hld_<uuid>_<time>_`) naming alike.
const VITESS_PREFIX_RE = /^_vt_/i;
// Shadow tables of online DDL (`_<uuid>_<time>_gho`, `..._vrepl`), standalone gh-ost
// (`_t_gho`, `_t_ghc`, `_t_del`) and pt-online-schema-change (`_t_new`, `_t_old`).
const SHADOW_TABLE_RE = /^_.+_(?:gho|ghc|del|new|old|vrepl)$/i;

/** True for tables that Vitess or online-DDL tools create for themselves; never stream them. */
export function isInternalTable(name: string): boolean {
  return VITESS_PREFIX_RE.test(name) || SHADOW_TABLE_RE.test(name);
}

// Exclusion prefixes that keep `_vt_*` out of any rule we build from a prefix, in every letter case.
const INTERNAL_PREFIXES = ['_vt_', '_vT_', '_Vt_', '_VT_'];

// ---------------------------------------------------------------------------------------------
// Table entries

type TableEntry =
  | { readonly kind: 'exact'; readonly text: string; readonly name: string }
  | { readonly kind: 'prefix'; readonly text: string; readonly prefix: string }
  | { readonly kind: 'glob'; readonly text: string; readonly body: string }
  | { readonly kind: 'regex'; readonly text: string; readonly body: string };

function parseEntry(text: unknown, path: string): TableEntry {
  if (typeof text !== 'string' || text === '')
    throw new RequestConfigError(path, 'must be a non-empty string');
  if (text.startsWith('/')) {
    const body = text.length > 1 && text.endsWith('/') ? text.slice(1, -1) : text.slice(1);
    if (body === '') throw new RequestConfigError(path, 'empty regex');
    return { kind: 'regex', text, body };
  }
  if (text.trim() !== text) throw new RequestConfigError(path, 'has leading or trailing whitespace');
  if (text.includes('*') || text.includes('?')) {
    const star = text.indexOf('*');
    if (star === text.length - 1 && !text.includes('?'))
      return { kind: 'prefix', text, prefix: text.slice(0, -1) };
    const body = [...text].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : escapeRegex(c))).join('');
    return { kind: 'glob', text, body };
  }
  return { kind: 'exact', text, name: checkTableName(text, path) };
}

function checkTableName(name: string, path: string): string {
  if (name.includes('.')) {
    throw new RequestConfigError(
      path,
      `"${name}": rules match bare table names in every keyspace; keyspace-qualified names are not supported`,
    );
  }
  if (isInternalTable(name)) throw new RequestConfigError(path, `"${name}" is a Vitess-internal table`);
  return name;
}

/** Regex escape, valid for Go RE2 and for JS with or without the `u` flag. */
function escapeRegex(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

function escapeClassChar(char: string): string {
  return /[\\\]^[-]/.test(char) ? `\\${char}` : char;
}

// Patterns and rules are few and tested often (per event in the assembler): compile each once.
const jsRegexCache = new Map<string, RegExp | undefined>();

function jsRegex(source: string): RegExp | undefined {
  if (jsRegexCache.has(source)) return jsRegexCache.get(source);
  let compiled: RegExp | undefined;
  for (const flags of ['u', '']) {
    try {
      compiled = new RegExp(source, flags);
      break;
    } catch {
      // RE2 syntax that JS does not know; try without `u`, then give up.
    }
  }
  jsRegexCache.set(source, compiled);
  return compiled;
}

/** Whether an include entry selects a name, judged in JS (exact for names, prefixes and globs). */
function entryMatches(entry: TableEntry, name: string): boolean | undefined {
  switch (entry.kind) {
    case 'exact':
      return entry.name === name;
    case 'prefix':
      return name.startsWith(entry.prefix);
    case 'glob':
    case 'regex':
      return jsRegex(`^(?:${entry.body})$`)?.test(name);
  }
}

// ---------------------------------------------------------------------------------------------
// Complement regexes from a character trie

interface TrieNode {
  exact: boolean; // the name ending here is excluded
  prefix: boolean; // every name continuing from here is excluded
  readonly children: Map<string, TrieNode>;
}

const newNode = (): TrieNode => ({ exact: false, prefix: false, children: new Map() });

function buildTrie(exclusions: readonly { readonly text: string; readonly isPrefix: boolean }[]): TrieNode {
  const root = newNode();
  for (const { text, isPrefix } of exclusions) {
    let node = root;
    // Code points, as RE2 matches runes.
    for (const char of text) {
      let child = node.children.get(char);
      if (child === undefined) {
        child = newNode();
        node.children.set(char, child);
      }
      node = child;
    }
    if (isPrefix) node.prefix = true;
    else node.exact = true;
  }
  return root;
}

/** Regex alternatives for what may follow a trie node; `optional` when nothing may follow too. */
interface Continuations {
  readonly alternatives: readonly string[];
  readonly optional: boolean;
}

/**
 * Every continuation s such that (path to node) + s is not excluded; undefined when there is
 * none. Another character than the children's may be followed by anything; a child's character
 * by whatever its own node allows.
 */
function continuations(node: TrieNode, allowEmpty: boolean): Continuations | undefined {
  if (node.prefix) return undefined;
  const alternatives: string[] = [];
  const chars = [...node.children.keys()].sort();
  alternatives.push(chars.length === 0 ? '.+' : `[^${chars.map(escapeClassChar).join('')}].*`);
  // Children whose continuations read the same share one branch (`[Vv]...` instead of two).
  const branches = new Map<string, string[]>();
  for (const char of chars) {
    const rest = continuations(node.children.get(char)!, true);
    if (rest === undefined) continue;
    const text = asAtom(rest);
    branches.set(text, [...(branches.get(text) ?? []), char]);
  }
  for (const [rest, group] of branches) {
    const head = group.length === 1 ? escapeRegex(group[0]!) : `[${group.map(escapeClassChar).join('')}]`;
    alternatives.push(head + rest);
  }
  return { alternatives, optional: allowEmpty && !node.exact };
}

/** Continuations as one unit that can follow a literal (no top-level `|`). */
function asAtom({ alternatives, optional }: Continuations): string {
  if (alternatives.length === 1 && !optional) return alternatives[0]!;
  if (alternatives.length === 1 && alternatives[0] === '.+') return '.*';
  return `(?:${alternatives.join('|')})${optional ? '?' : ''}`;
}

/** The Vitess rule match for an anchored regex body. */
const anchored = (body: string): string => `/^(?:${body})$/`;

// ---------------------------------------------------------------------------------------------
// Filter

/** An excluded exact name, or every name starting with `text`. */
interface Exclusion {
  readonly entry: string;
  readonly text: string;
  readonly isPrefix: boolean;
}

interface ParsedSelection {
  readonly include: readonly TableEntry[] | undefined;
  readonly exclude: readonly Exclusion[];
}

function parseSelection(tables: TableSelection | undefined, base: string): ParsedSelection {
  const parseList = (list: readonly string[] | undefined, key: 'include' | 'exclude') => {
    if (list === undefined) return undefined;
    if (!isNonEmptyList(list)) {
      throw new RequestConfigError(
        `${base}.${key}`,
        key === 'include'
          ? 'must be a non-empty list; leave it out to stream every table'
          : 'must be a non-empty list; leave it out to exclude nothing',
      );
    }
    const seen = new Set<string>();
    return list.map((text, i) => {
      const entry = parseEntry(text, `${base}.${key}[${i}]`);
      if (seen.has(entry.text))
        throw new RequestConfigError(`${base}.${key}[${i}]`, `duplicate entry "${entry.text}"`);
      seen.add(entry.text);
      return entry;
    });
  };
  const include = parseList(tables?.include, 'include');
  const exclude = (parseList(tables?.exclude, 'exclude') ?? []).map((entry, i): Exclusion => {
    if (entry.kind === 'exact') return { entry: entry.text, text: entry.name, isPrefix: false };
    if (entry.kind === 'prefix') return { entry: entry.text, text: entry.prefix, isPrefix: true };
    throw new RequestConfigError(
      `${base}.exclude[${i}]`,
      `"${entry.text}": only exact names and prefix patterns like "tmp_*" can be excluded, because Vitess ` +
        'filter rules have no exclude action and Go regexes have no lookahead',
    );
  });
  return { include, exclude };
}

function isExcluded(exclude: readonly Exclusion[], name: string): boolean {
  return exclude.some((e) => (e.isPrefix ? name.startsWith(e.text) : e.text === name));
}

/**
 * A predicate telling whether the configuration selects a table, by our own semantics (internal
 * tables never). The event assembler uses it to drop what the server-side filter could not keep
 * out. Validates the selection once, like buildFilter.
 */
export function tableSelector(tables: TableSelection | undefined): (name: string) => boolean {
  const { include, exclude } = parseSelection(tables, 'source.tables');
  return (name) =>
    !isInternalTable(name) &&
    !isExcluded(exclude, name) &&
    (include === undefined || include.some((entry) => entryMatches(entry, name) === true));
}

/** One-off form of tableSelector. */
export function isTableSelected(tables: TableSelection | undefined, name: string): boolean {
  return tableSelector(tables)(name);
}

function quoteIdentifier(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

function selectStatement(
  table: string,
  columns: readonly string[] | undefined,
  where: string | undefined,
): string {
  const list = columns === undefined ? '*' : columns.map(quoteIdentifier).join(', ');
  return `select ${list} from ${quoteIdentifier(table)}${where === undefined ? '' : ` where ${where}`}`;
}

/** The rule for a prefix pattern with the exclusions that fall under it written in. */
function prefixRule(prefix: string, exclude: readonly Exclusion[], path: string, text: string): RuleMessage {
  const under: { text: string; isPrefix: boolean }[] = [];
  const internal = INTERNAL_PREFIXES.map((p): Exclusion => ({ entry: p, text: p, isPrefix: true }));
  for (const exclusion of [...exclude, ...internal]) {
    if (exclusion.isPrefix && prefix.startsWith(exclusion.text)) {
      throw new RequestConfigError(path, `"${text}" selects nothing: every table it matches is excluded`);
    }
    if (exclusion.text.startsWith(prefix)) {
      under.push({ text: exclusion.text.slice(prefix.length), isPrefix: exclusion.isPrefix });
    }
  }
  // A table name is never empty, so a bare `*` must not match "".
  const rest = continuations(buildTrie(under), prefix !== '');
  if (rest === undefined) {
    throw new RequestConfigError(path, `"${text}" selects nothing: every table it matches is excluded`);
  }
  const body = prefix === '' ? rest.alternatives.join('|') : escapeRegex(prefix) + asAtom(rest);
  return { match: anchored(body), filter: '' };
}

/** Fails when an exclusion could remove tables from a glob/regex include (not expressible in RE2). */
function checkNoExclusionOverlap(entry: TableEntry, exclude: readonly Exclusion[], path: string): void {
  for (const e of exclude) {
    let overlaps: boolean | undefined;
    if (!e.isPrefix) overlaps = entryMatches(entry, e.text);
    else if (entry.kind === 'glob') {
      // Disjoint when the glob's literal start and the excluded prefix disagree.
      const literal = entry.text.slice(0, entry.text.search(/[*?]/));
      overlaps = literal.startsWith(e.text) || e.text.startsWith(literal);
    }
    if (overlaps !== false) {
      throw new RequestConfigError(
        path,
        `"${e.entry}" cannot be excluded from "${entry.text}" on the server (Vitess rules have no exclude action ` +
          'and Go regexes no lookahead); use a prefix pattern like "orders_*", list the tables by name, or write ' +
          'the regex so it does not match the excluded tables',
      );
    }
  }
}

/**
 * The binlogdata.Filter for a table selection. Rules: exact tables first (with their select),
 * then one anchored regex per pattern, then (without `include`) one regex for every other table.
 */
export function buildFilter(tables: TableSelection | undefined, base = 'source.tables'): FilterMessage {
  const { include, exclude } = parseSelection(tables, base);
  const columns = tables?.columns ?? {};
  const where = tables?.where ?? {};
  const exactNames = new Set(include?.flatMap((e) => (e.kind === 'exact' ? [e.name] : [])) ?? []);

  // Tables with a column list or WHERE clause need an exact rule of their own.
  const detailed = new Set<string>();
  for (const [key, map] of [
    ['columns', columns],
    ['where', where],
  ] as const) {
    for (const table of Object.keys(map)) {
      const path = `${base}.${key}.${table}`;
      checkTableName(table, path);
      if (include !== undefined && !exactNames.has(table)) {
        throw new RequestConfigError(
          path,
          `"${table}" must be listed by its exact name in include; patterns cannot carry ${key}`,
        );
      }
      if (isExcluded(exclude, table)) throw new RequestConfigError(path, `"${table}" is excluded`);
      detailed.add(table);
    }
  }
  for (const [table, list] of Object.entries(columns)) {
    const path = `${base}.columns.${table}`;
    if (!isNonEmptyList(list)) throw new RequestConfigError(path, 'must list at least one column');
    const seen = new Set<string>();
    list.forEach((column, i) => {
      if (typeof column !== 'string' || column === '')
        throw new RequestConfigError(`${path}[${i}]`, 'must be a non-empty string');
      if (seen.has(column)) throw new RequestConfigError(`${path}[${i}]`, `duplicate column "${column}"`);
      seen.add(column);
    });
  }
  for (const [table, clause] of Object.entries(where)) {
    if (typeof clause !== 'string' || clause.trim() === '') {
      throw new RequestConfigError(`${base}.where.${table}`, 'must be a non-empty condition');
    }
  }

  const rules: RuleMessage[] = [];
  const exactRule = (name: string): RuleMessage => ({
    match: name,
    filter: selectStatement(name, columns[name], where[name]?.trim()),
  });

  if (include === undefined) {
    for (const name of detailed) rules.push(exactRule(name));
    rules.push(prefixRule('', exclude, `${base}.exclude`, '*'));
  } else {
    include.forEach((entry, i) => {
      const path = `${base}.include[${i}]`;
      switch (entry.kind) {
        case 'exact':
          if (isExcluded(exclude, entry.name))
            throw new RequestConfigError(path, `"${entry.name}" is also excluded`);
          rules.push(exactRule(entry.name));
          break;
        case 'prefix':
          break;
        case 'glob':
        case 'regex':
          checkNoExclusionOverlap(entry, exclude, path);
          break;
      }
    });
    // Patterns after every exact rule, so none can shadow an exact table's select.
    include.forEach((entry, i) => {
      const path = `${base}.include[${i}]`;
      if (entry.kind === 'prefix') rules.push(prefixRule(entry.prefix, exclude, path, entry.text));
      else if (entry.kind === 'glob' || entry.kind === 'regex')
        rules.push({ match: anchored(entry.body), filter: '' });
    });
  }
  return { rules, fieldEventMode: 0 };
}

/**
 * The rule vstreamer applies to a table: the first whose match fits, where `/...` is an
 * unanchored regex with the slashes trimmed off both ends (as Go's strings.Trim does). JS regexes
 * stand in for RE2 here, which is exact for the rules this module writes.
 */
export function findMatchingRule(filter: FilterMessage, table: string): RuleMessage | undefined {
  return filter.rules.find((rule) => {
    if (!rule.match.startsWith('/')) return rule.match === table;
    return jsRegex(rule.match.replace(/^\/+|\/+$/g, ''))?.test(table) === true;
  });
}

// ---------------------------------------------------------------------------------------------
// Validation of the rest of the source

function validateKeyspaces(source: StreamSource): void {
  if (!isNonEmptyList(source.keyspaces)) {
    throw new RequestConfigError('source.keyspaces', 'name at least one keyspace');
  }
  const names = new Set<string>();
  source.keyspaces.forEach((keyspace, i) => {
    const path = `source.keyspaces[${i}]`;
    if (typeof keyspace.name !== 'string' || keyspace.name === '') {
      throw new RequestConfigError(`${path}.name`, 'must be a non-empty string');
    }
    if (keyspace.name.startsWith('/')) {
      throw new RequestConfigError(`${path}.name`, 'keyspace regexes are not supported; name each keyspace');
    }
    if (names.has(keyspace.name))
      throw new RequestConfigError(`${path}.name`, `duplicate keyspace "${keyspace.name}"`);
    names.add(keyspace.name);
    if (keyspace.shards === undefined) return;
    if (!isNonEmptyList(keyspace.shards)) {
      throw new RequestConfigError(
        `${path}.shards`,
        'must list at least one shard; leave it out to stream every shard',
      );
    }
    const shards = new Set<string>();
    keyspace.shards.forEach((shard, j) => {
      if (typeof shard !== 'string' || shard === '') {
        throw new RequestConfigError(`${path}.shards[${j}]`, 'must be a non-empty string');
      }
      if (shards.has(shard))
        throw new RequestConfigError(`${path}.shards[${j}]`, `duplicate shard "${shard}"`);
      shards.add(shard);
    });
  });
}

function checkPositiveInteger(value: number | undefined, path: string, max: number, unit: string): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new RequestConfigError(
      path,
      `must be a whole number of ${unit} from 1 to ${max}, got ${String(value)}`,
    );
  }
}

function buildFlags(source: StreamSource): VStreamFlagsMessage {
  checkPositiveInteger(
    source.heartbeatIntervalSeconds,
    'source.heartbeatIntervalSeconds',
    MAX_UINT32,
    'seconds',
  );
  checkPositiveInteger(
    source.transactionChunkSizeBytes,
    'source.transactionChunkSizeBytes',
    Number.MAX_SAFE_INTEGER,
    'bytes',
  );
  if (source.transactionChunkSizeBytes !== undefined && source.minimizeSkew === true) {
    throw new RequestConfigError(
      'source.transactionChunkSizeBytes',
      'has no effect while minimizeSkew is on',
    );
  }
  const cells = source.cells ?? [];
  cells.forEach((cell, i) => {
    if (typeof cell !== 'string' || cell === '' || cell.includes(',') || cell.trim() !== cell) {
      throw new RequestConfigError(`source.cells[${i}]`, 'must be a cell name without commas or spaces');
    }
  });
  const cellPreference = source.cellPreference ?? '';
  if (!['', 'preferlocalwithalias', 'onlyspecified'].includes(cellPreference)) {
    throw new RequestConfigError('source.cellPreference', `unknown value "${cellPreference}"`);
  }
  if (cellPreference === 'onlyspecified' && cells.length === 0) {
    throw new RequestConfigError('source.cellPreference', '"onlyspecified" needs source.cells');
  }
  const tabletOrder = source.tabletOrder ?? '';
  if (!['', 'any', 'inorder'].includes(tabletOrder)) {
    throw new RequestConfigError('source.tabletOrder', `unknown value "${tabletOrder}"`);
  }
  if (source.excludeKeyspaceFromTableName === true && source.keyspaces.length > 1) {
    throw new RequestConfigError(
      'source.excludeKeyspaceFromTableName',
      'bare table names are ambiguous when streaming more than one keyspace',
    );
  }
  const tablesToCopy = source.tablesToCopy ?? [];
  const selected = tableSelector(source.tables);
  tablesToCopy.forEach((table, i) => {
    const path = `source.tablesToCopy[${i}]`;
    if (typeof table !== 'string' || table === '')
      throw new RequestConfigError(path, 'must be a non-empty string');
    if (/[*?]/.test(table) || table.startsWith('/'))
      throw new RequestConfigError(path, 'must be an exact table name');
    checkTableName(table, path);
    if (!selected(table)) {
      throw new RequestConfigError(path, `"${table}" is not selected by source.tables`);
    }
  });
  return {
    minimizeSkew: source.minimizeSkew ?? false,
    heartbeatInterval: source.heartbeatIntervalSeconds ?? 0,
    stopOnReshard: source.stopOnReshard ?? false,
    cells: cells.join(','),
    cellPreference,
    tabletOrder,
    streamKeyspaceHeartbeats: source.streamKeyspaceHeartbeats ?? false,
    includeReshardJournalEvents: source.includeReshardJournalEvents ?? false,
    tablesToCopy: [...tablesToCopy],
    excludeKeyspaceFromTableName: source.excludeKeyspaceFromTableName ?? false,
    transactionChunkSize: source.transactionChunkSizeBytes ?? 0,
  };
}

function buildCallerId(config: CallerIdConfig | undefined): CallerIdMessage {
  if (config !== undefined && (typeof config.principal !== 'string' || config.principal === '')) {
    throw new RequestConfigError('source.callerId.principal', 'must be a non-empty string');
  }
  return {
    principal: config?.principal ?? DEFAULT_PRINCIPAL,
    component: config?.component ?? '',
    subcomponent: config?.subcomponent ?? '',
    groups: [...(config?.groups ?? [])],
  };
}

// ---------------------------------------------------------------------------------------------
// Start position

function startVgtid(source: StreamSource, start: StartPosition): VGtidMessage {
  switch (start.kind) {
    case 'current':
    case 'copy': {
      const gtid = start.kind === 'current' ? 'current' : '';
      // An empty shard makes vtgate expand to every shard of the keyspace (copy needs v16+).
      const shardGtids = source.keyspaces.flatMap((k) =>
        (k.shards ?? ['']).map((shard) => ({ keyspace: k.name, shard, gtid, tablePKs: [] })),
      );
      return { shardGtids };
    }
    case 'vgtid': {
      if (!(start.vgtid instanceof Vgtid)) throw new RequestConfigError('start.vgtid', 'must be a Vgtid');
      if (start.vgtid.hasUnresolvedCurrent()) {
        throw new VgtidError(
          'unresolved_current',
          `cannot resume from a VGTID with shards still at "current" (${start.vgtid.unresolvedShards().join(', ')}): ` +
            'their backlog would be skipped; start with kind "current" instead',
        );
      }
      checkVgtidCoversConfig(start.vgtid, source);
      return start.vgtid.toProto();
    }
    default: {
      const kind: unknown = (start as { kind?: unknown }).kind;
      throw new RequestConfigError('start.kind', `unknown start position kind ${JSON.stringify(kind)}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The request

/**
 * The VStreamRequest for a source and start position. Throws RequestConfigError for a bad
 * configuration and VgtidError for a VGTID that cannot be resumed under it.
 */
export function buildVStreamRequest(source: StreamSource, start: StartPosition): VStreamRequestMessage {
  validateKeyspaces(source);
  const tabletType = TABLET_TYPES[source.tabletType];
  if (tabletType === undefined) {
    throw new RequestConfigError(
      'source.tabletType',
      `must be primary, replica or rdonly, got ${String(source.tabletType)}`,
    );
  }
  const filter = buildFilter(source.tables);
  const flags = buildFlags(source);
  return {
    callerId: buildCallerId(source.callerId),
    tabletType,
    vgtid: startVgtid(source, start),
    filter,
    flags,
  };
}
