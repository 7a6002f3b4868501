import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  RequestConfigError,
  buildFilter,
  buildVStreamRequest,
  findMatchingRule,
  isInternalTable,
  isTableSelected,
  tableSelector,
} from '../../../src/vstream/request.js';
import type { StreamSource, TableSelection } from '../../../src/vstream/request.js';
import { Vgtid, VgtidError } from '../../../src/vstream/vgtid.js';

const UUID = '6f2a1c3e-0b4d-11ef-8a10-0242ac120002';

// The rule that keeps every table but `_vt_*` (any letter case): what "all tables" compiles to.
const ALL_BUT_VT = '/^(?:[^_].*|_(?:[^Vv].*|[Vv](?:[^Tt].*|[Tt](?:[^_].*)?)?)?)$/';

const DEFAULT_FLAGS = {
  minimizeSkew: false,
  heartbeatInterval: 0,
  stopOnReshard: false,
  cells: '',
  cellPreference: '',
  tabletOrder: '',
  streamKeyspaceHeartbeats: false,
  includeReshardJournalEvents: false,
  tablesToCopy: [],
  excludeKeyspaceFromTableName: false,
  transactionChunkSize: 0,
};

function configError(fn: () => unknown): RequestConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RequestConfigError);
    return err as RequestConfigError;
  }
  throw new Error('expected a RequestConfigError');
}

const rules = (tables: TableSelection | undefined) => buildFilter(tables).rules;

describe('buildVStreamRequest', () => {
  it('starts at the tail of every shard with defaults', () => {
    const source: StreamSource = { keyspaces: [{ name: 'commerce' }], tabletType: 'replica' };
    expect(buildVStreamRequest(source, { kind: 'current' })).toEqual({
      callerId: { principal: 'vstream-relay', component: '', subcomponent: '', groups: [] },
      tabletType: 2,
      vgtid: { shardGtids: [{ keyspace: 'commerce', shard: '', gtid: 'current', tablePKs: [] }] },
      filter: { rules: [{ match: ALL_BUT_VT, filter: '' }], fieldEventMode: 0 },
      flags: DEFAULT_FLAGS,
    });
  });

  it('copies pinned shards and sets every flag', () => {
    const source: StreamSource = {
      keyspaces: [{ name: 'commerce', shards: ['-80', '80-'] }, { name: 'customer' }],
      tabletType: 'primary',
      cells: ['zone1', 'zone2'],
      cellPreference: 'onlyspecified',
      tabletOrder: 'inorder',
      tables: { include: ['orders', 'customers_*'] },
      heartbeatIntervalSeconds: 5,
      stopOnReshard: true,
      includeReshardJournalEvents: true,
      streamKeyspaceHeartbeats: true,
      tablesToCopy: ['orders'],
      transactionChunkSizeBytes: 134_217_728,
      callerId: { principal: 'cdc', component: 'relay', subcomponent: 'orders', groups: ['etl'] },
    };
    expect(buildVStreamRequest(source, { kind: 'copy' })).toEqual({
      callerId: { principal: 'cdc', component: 'relay', subcomponent: 'orders', groups: ['etl'] },
      tabletType: 1,
      vgtid: {
        shardGtids: [
          { keyspace: 'commerce', shard: '-80', gtid: '', tablePKs: [] },
          { keyspace: 'commerce', shard: '80-', gtid: '', tablePKs: [] },
          { keyspace: 'customer', shard: '', gtid: '', tablePKs: [] },
        ],
      },
      filter: {
        rules: [
          { match: 'orders', filter: 'select * from `orders`' },
          { match: '/^(?:customers_.*)$/', filter: '' },
        ],
        fieldEventMode: 0,
      },
      flags: {
        minimizeSkew: false,
        heartbeatInterval: 5,
        stopOnReshard: true,
        cells: 'zone1,zone2',
        cellPreference: 'onlyspecified',
        tabletOrder: 'inorder',
        streamKeyspaceHeartbeats: true,
        includeReshardJournalEvents: true,
        tablesToCopy: ['orders'],
        excludeKeyspaceFromTableName: false,
        transactionChunkSize: 134_217_728,
      },
    });
  });

  it('sets minimizeSkew and excludeKeyspaceFromTableName when asked', () => {
    const request = buildVStreamRequest(
      {
        keyspaces: [{ name: 'ks' }],
        tabletType: 'rdonly',
        minimizeSkew: true,
        excludeKeyspaceFromTableName: true,
      },
      { kind: 'current' },
    );
    expect(request.tabletType).toBe(3);
    expect(request.flags).toEqual({
      ...DEFAULT_FLAGS,
      minimizeSkew: true,
      excludeKeyspaceFromTableName: true,
    });
  });

  describe('resuming from a VGTID', () => {
    const source: StreamSource = { keyspaces: [{ name: 'commerce', shards: ['-'] }], tabletType: 'replica' };
    const stored = Vgtid.of([
      { keyspace: 'commerce', shard: '-80', gtid: `MySQL56/${UUID}:1-10` },
      { keyspace: 'commerce', shard: '80-', gtid: '', tablePKs: [{ tableName: 'orders', lastpk: null }] },
    ]);

    it('sends the stored positions, across a reshard of the configured range', () => {
      expect(buildVStreamRequest(source, { kind: 'vgtid', vgtid: stored }).vgtid).toEqual({
        shardGtids: [
          { keyspace: 'commerce', shard: '-80', gtid: `MySQL56/${UUID}:1-10`, tablePKs: [] },
          { keyspace: 'commerce', shard: '80-', gtid: '', tablePKs: [{ tableName: 'orders' }] },
        ],
      });
    });

    it('refuses a VGTID that does not fit the configured shards', () => {
      const narrowed: StreamSource = { ...source, keyspaces: [{ name: 'commerce', shards: ['-80'] }] };
      const err = (() => {
        try {
          buildVStreamRequest(narrowed, { kind: 'vgtid', vgtid: stored });
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err).toBeInstanceOf(VgtidError);
      expect((err as VgtidError).code).toBe('coverage_mismatch');
    });

    it('refuses a VGTID with a shard still at "current"', () => {
      const trap = stored.withShard({ keyspace: 'commerce', shard: '80-', gtid: 'current' });
      expect(() => buildVStreamRequest(source, { kind: 'vgtid', vgtid: trap })).toThrow(
        'cannot resume from a VGTID with shards still at "current" (commerce/80-): their backlog would be ' +
          'skipped; start with kind "current" instead',
      );
    });
  });
});

describe('table filter rules', () => {
  it('keeps exact names exact and backtick-quotes them', () => {
    expect(rules({ include: ['orders', 'weird`name', 'pay$ments'] })).toEqual([
      { match: 'orders', filter: 'select * from `orders`' },
      { match: 'weird`name', filter: 'select * from `weird``name`' },
      { match: 'pay$ments', filter: 'select * from `pay$ments`' },
    ]);
  });

  it('anchors globs and escapes regex metacharacters in their literal parts', () => {
    expect(rules({ include: ['t*', '*_log', 'pay$ment?_(x)+'] })).toEqual([
      { match: '/^(?:t.*)$/', filter: '' },
      { match: '/^(?:.*_log)$/', filter: '' },
      { match: '/^(?:pay\\$ment._\\(x\\)\\+)$/', filter: '' },
    ]);
  });

  it('anchors a regex given between slashes', () => {
    expect(rules({ include: ['/log_\\d+/', '/^audit_(a|b)$'] })).toEqual([
      { match: '/^(?:log_\\d+)$/', filter: '' },
      { match: '/^(?:^audit_(a|b)$)$/', filter: '' },
    ]);
  });

  it('never matches a longer name through an anchored pattern (the unanchored /t trap)', () => {
    const filter = buildFilter({ include: ['t', 't?'] });
    expect(findMatchingRule(filter, 't')?.match).toBe('t');
    expect(findMatchingRule(filter, 'ta')?.match).toBe('/^(?:t.)$/');
    expect(findMatchingRule(filter, 'cat')).toBeUndefined();
    expect(findMatchingRule(filter, 'tab')).toBeUndefined();
    // What Vitess would do with the naive rule:
    expect(
      findMatchingRule({ rules: [{ match: '/t', filter: '' }], fieldEventMode: 0 }, 'cat'),
    ).toBeDefined();
  });

  it('turns columns and where into select statements, ahead of every pattern', () => {
    expect(
      rules({
        include: ['orders_*', 'orders_2024', 'customers'],
        columns: { orders_2024: ['id', 'total', 'odd`col'] },
        where: { orders_2024: ' id > 100 ', customers: 'region = 3' },
      }),
    ).toEqual([
      { match: 'orders_2024', filter: 'select `id`, `total`, `odd``col` from `orders_2024` where id > 100' },
      { match: 'customers', filter: 'select * from `customers` where region = 3' },
      { match: '/^(?:orders_.*)$/', filter: '' },
    ]);
  });

  it('gives columns and where their own exact rule when every table is streamed', () => {
    expect(rules({ columns: { users: ['id', 'email'] }, where: { events: 'kind = 1' } })).toEqual([
      { match: 'users', filter: 'select `id`, `email` from `users`' },
      { match: 'events', filter: 'select * from `events` where kind = 1' },
      { match: ALL_BUT_VT, filter: '' },
    ]);
  });

  describe('exclusions', () => {
    it('writes excluded names into the all-tables regex', () => {
      const filter = buildFilter({ exclude: ['audit_log', 'tmp_*'] });
      expect(filter.rules).toEqual([
        {
          match:
            '/^(?:[^_at].*|_(?:[^Vv].*|[Vv](?:[^Tt].*|[Tt](?:[^_].*)?)?)?|a(?:[^u].*|u(?:[^d].*|d(?:[^i].*|' +
            'i(?:[^t].*|t(?:[^_].*|_(?:[^l].*|l(?:[^o].*|o(?:[^g].*|g.+)?)?)?)?)?)?)?)?|t(?:[^m].*|m(?:[^p].*|' +
            'p(?:[^_].*)?)?)?)$/',
          filter: '',
        },
      ]);
      for (const name of ['audit_log', 'tmp_', 'tmp_x', '_vt_hld_1', '_VT_x']) {
        expect(findMatchingRule(filter, name), name).toBeUndefined();
      }
      for (const name of ['audit', 'audit_logs', 'audit_lo', 'tmp', 'tm', 'a', 't', '_vt', 'users']) {
        expect(findMatchingRule(filter, name), name).toBeDefined();
      }
    });

    it('writes exclusions under a prefix pattern into its regex', () => {
      const filter = buildFilter({ include: ['orders_*'], exclude: ['orders_old', 'orders_tmp*', 'users'] });
      expect(filter.rules).toEqual([
        {
          match: '/^(?:orders_(?:[^ot].*|o(?:[^l].*|l(?:[^d].*|d.+)?)?|t(?:[^m].*|m(?:[^p].*)?)?)?)$/',
          filter: '',
        },
      ]);
      expect(findMatchingRule(filter, 'orders_old')).toBeUndefined();
      expect(findMatchingRule(filter, 'orders_tmp1')).toBeUndefined();
      expect(findMatchingRule(filter, 'orders_older')).toBeDefined();
      expect(findMatchingRule(filter, 'orders_')).toBeDefined();
    });

    it('escapes regex and class metacharacters of excluded names', () => {
      const filter = buildFilter({ exclude: ['a]b', 'c^d-', 'e\\f'] });
      for (const name of ['a]b', 'c^d-', 'e\\f'])
        expect(findMatchingRule(filter, name), name).toBeUndefined();
      for (const name of ['a]', 'a]bc', 'c^d', 'e\\', 'b', ']', '^', '-', '\\']) {
        expect(findMatchingRule(filter, name), name).toBeDefined();
      }
    });

    it('drops excluded names from exact includes only when they are not also listed', () => {
      expect(configError(() => buildFilter({ include: ['a', 'b'], exclude: ['b'] })).message).toBe(
        'source.tables.include[1]: "b" is also excluded',
      );
      expect(rules({ include: ['a', 'b'], exclude: ['c'] })).toEqual([
        { match: 'a', filter: 'select * from `a`' },
        { match: 'b', filter: 'select * from `b`' },
      ]);
    });

    it('lets a glob include stand when no exclusion can touch it', () => {
      expect(rules({ include: ['*_log'], exclude: ['audit'] })).toEqual([
        { match: '/^(?:.*_log)$/', filter: '' },
      ]);
      expect(rules({ include: ['log_?'], exclude: ['tmp_*'] })).toEqual([
        { match: '/^(?:log_.)$/', filter: '' },
      ]);
    });

    it('refuses exclusions it cannot write into the rules', () => {
      expect(configError(() => buildFilter({ include: ['*_log'], exclude: ['audit_log'] })).message).toBe(
        'source.tables.include[0]: "audit_log" cannot be excluded from "*_log" on the server (Vitess rules have ' +
          'no exclude action and Go regexes no lookahead); use a prefix pattern like "orders_*", list the tables ' +
          'by name, or write the regex so it does not match the excluded tables',
      );
      expect(configError(() => buildFilter({ include: ['/^log_.*$/'], exclude: ['log_*'] })).path).toBe(
        'source.tables.include[0]',
      );
      expect(configError(() => buildFilter({ exclude: ['*_tmp'] })).message).toBe(
        'source.tables.exclude[0]: "*_tmp": only exact names and prefix patterns like "tmp_*" can be excluded, ' +
          'because Vitess filter rules have no exclude action and Go regexes have no lookahead',
      );
      expect(configError(() => buildFilter({ exclude: ['/^tmp/'] })).path).toBe('source.tables.exclude[0]');
    });

    it('refuses a pattern whose every table is excluded', () => {
      expect(configError(() => buildFilter({ include: ['orders_*'], exclude: ['orders*'] })).message).toBe(
        'source.tables.include[0]: "orders_*" selects nothing: every table it matches is excluded',
      );
      expect(configError(() => buildFilter({ include: ['_vt_*'] })).message).toBe(
        'source.tables.include[0]: "_vt_*" selects nothing: every table it matches is excluded',
      );
    });

    it('keeps _vt_ tables out of a prefix pattern that could reach them', () => {
      expect(rules({ include: ['_*'] })).toEqual([
        { match: '/^(?:_(?:[^Vv].*|[Vv](?:[^Tt].*|[Tt](?:[^_].*)?)?)?)$/', filter: '' },
      ]);
    });
  });

  it('agrees with isTableSelected for every name it can judge', () => {
    const char = fc.constantFrom('a', 'b', '_', 'v', 'V', 't', 'T', '$', ']', '^', '-', '\\', '.', 'é', '😀');
    const word = fc.array(char, { minLength: 1, maxLength: 5 }).map((cs) => cs.join(''));
    const entry = fc.oneof(
      word,
      word.map((w) => `${w}*`),
      word.map((w) => `*${w}`),
      word.map((w) => `${w}?`),
    );
    const exclusion = fc.oneof(
      word,
      word.map((w) => `${w}*`),
    );
    const selection = fc.record(
      {
        include: fc.uniqueArray(entry, { minLength: 1, maxLength: 3 }),
        exclude: fc.uniqueArray(exclusion, { minLength: 1, maxLength: 3 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        selection,
        fc.array(fc.array(char, { minLength: 1, maxLength: 7 }).map((cs) => cs.join(''))),
        (tables, names) => {
          let filter;
          try {
            filter = buildFilter(tables);
          } catch (err) {
            if (err instanceof RequestConfigError) return; // a refused combination
            throw err;
          }
          const probes = [
            ...names,
            ...[...(tables.include ?? []), ...(tables.exclude ?? [])].map((e) => e.replace(/[*?]/g, 'a')),
          ];
          for (const name of probes) {
            // Glob and regex includes cannot keep `_vt_` tables out; vttablet skips its own and the
            // assembler drops them with isInternalTable.
            if (isInternalTable(name)) continue;
            expect(findMatchingRule(filter, name) !== undefined, name).toBe(isTableSelected(tables, name));
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('isInternalTable', () => {
  it.each([
    '_vt_hld_6ace8bcef73211ea87e9f875a4d24e90_20200915120410_',
    '_vt_vrp_6ace8bcef73211ea87e9f875a4d24e90_20200915120410_',
    '_vt_HOLD_6ace8bcef73211ea87e9f875a4d24e90_20200915120410',
    '_vt_DROP_6ace8bcef73211ea87e9f875a4d24e90_20200915120410',
    '_VT_anything',
    '_4e5dcf80_354b_11eb_82cd_f875a4d24e90_20201203114014_gho',
    '_4e5dcf80_354b_11eb_82cd_f875a4d24e90_20201203114014_ghc',
    '_4e5dcf80_354b_11eb_82cd_f875a4d24e90_20201203114014_del',
    '_4e5dcf80_354b_11eb_82cd_f875a4d24e90_20201203114013_new',
    '_4e5dcf80_354b_11eb_82cd_f875a4d24e90_20201203114013_vrepl',
    '_orders_gho',
    '_orders_ghc',
    '_orders_del',
    '_orders_old',
    '_orders_new',
    '_orders_GHO',
  ])('%s is internal', (name) => {
    expect(isInternalTable(name)).toBe(true);
  });

  it.each([
    'orders',
    'vt_orders',
    '_vt',
    '_private',
    'orders_gho',
    '_gho',
    '__gho',
    '_orders_ghost',
    'x_vt_y',
  ])('%s is a user table', (name) => {
    expect(isInternalTable(name)).toBe(false);
  });

  it('builds a reusable selector that applies include, exclude and the internal-table rule', () => {
    const selected = tableSelector({
      include: ['orders_*', 'users', '/^log_\\d+$/'],
      exclude: ['orders_tmp*'],
    });
    expect(['orders_1', 'users', 'log_42'].filter(selected)).toEqual(['orders_1', 'users', 'log_42']);
    expect(['orders_tmp1', 'user', 'log_x', '_orders_gho', 'customers'].filter(selected)).toEqual([]);
    expect(() => tableSelector({ exclude: ['*_x'] })).toThrow(RequestConfigError);
  });

  it('never selects an internal table, whatever the configuration', () => {
    expect(isTableSelected(undefined, '_vt_hld_1')).toBe(false);
    expect(isTableSelected({ include: ['_*'] }, '_orders_gho')).toBe(false);
    expect(isTableSelected({ include: ['_*'] }, '_orders')).toBe(true);
  });
});

describe('configuration errors', () => {
  const base: StreamSource = { keyspaces: [{ name: 'ks' }], tabletType: 'replica' };
  const current = { kind: 'current' } as const;

  it.each<[string, StreamSource, string]>([
    ['no keyspace', { ...base, keyspaces: [] }, 'source.keyspaces: name at least one keyspace'],
    [
      'an empty keyspace name',
      { ...base, keyspaces: [{ name: 'ks' }, { name: '' }] },
      'source.keyspaces[1].name: must be a non-empty string',
    ],
    [
      'a duplicate keyspace',
      { ...base, keyspaces: [{ name: 'ks' }, { name: 'ks' }] },
      'source.keyspaces[1].name: duplicate keyspace "ks"',
    ],
    [
      'a keyspace regex',
      { ...base, keyspaces: [{ name: '/.*' }] },
      'source.keyspaces[0].name: keyspace regexes are not supported; name each keyspace',
    ],
    [
      'an empty shard list',
      { ...base, keyspaces: [{ name: 'ks', shards: [] }] },
      'source.keyspaces[0].shards: must list at least one shard; leave it out to stream every shard',
    ],
    [
      'a duplicate shard',
      { ...base, keyspaces: [{ name: 'ks', shards: ['-80', '-80'] }] },
      'source.keyspaces[0].shards[1]: duplicate shard "-80"',
    ],
    [
      'an unknown tablet type',
      { ...base, tabletType: 'master' as never },
      'source.tabletType: must be primary, replica or rdonly, got master',
    ],
    [
      'a heartbeat under a second',
      { ...base, heartbeatIntervalSeconds: 0 },
      'source.heartbeatIntervalSeconds: must be a whole number of seconds from 1 to 4294967295, got 0',
    ],
    [
      'a fractional heartbeat',
      { ...base, heartbeatIntervalSeconds: 1.5 },
      'source.heartbeatIntervalSeconds: must be a whole number of seconds from 1 to 4294967295, got 1.5',
    ],
    [
      'chunking together with minimizeSkew',
      { ...base, transactionChunkSizeBytes: 1024, minimizeSkew: true },
      'source.transactionChunkSizeBytes: has no effect while minimizeSkew is on',
    ],
    [
      'onlyspecified without cells',
      { ...base, cellPreference: 'onlyspecified' },
      'source.cellPreference: "onlyspecified" needs source.cells',
    ],
    [
      'a cell list inside one cell',
      { ...base, cells: ['a,b'] },
      'source.cells[0]: must be a cell name without commas or spaces',
    ],
    [
      'an unknown tablet order',
      { ...base, tabletOrder: 'random' as never },
      'source.tabletOrder: unknown value "random"',
    ],
    [
      'bare table names across keyspaces',
      { ...base, keyspaces: [{ name: 'a' }, { name: 'b' }], excludeKeyspaceFromTableName: true },
      'source.excludeKeyspaceFromTableName: bare table names are ambiguous when streaming more than one keyspace',
    ],
    [
      'a pattern in tablesToCopy',
      { ...base, tablesToCopy: ['orders_*'] },
      'source.tablesToCopy[0]: must be an exact table name',
    ],
    [
      'an unselected table in tablesToCopy',
      { ...base, tables: { include: ['orders'] }, tablesToCopy: ['customers'] },
      'source.tablesToCopy[0]: "customers" is not selected by source.tables',
    ],
    [
      'an empty include',
      { ...base, tables: { include: [] } },
      'source.tables.include: must be a non-empty list; leave it out to stream every table',
    ],
    [
      'a duplicate include',
      { ...base, tables: { include: ['a', 'a'] } },
      'source.tables.include[1]: duplicate entry "a"',
    ],
    [
      'an include with spaces',
      { ...base, tables: { include: [' a'] } },
      'source.tables.include[0]: has leading or trailing whitespace',
    ],
    [
      'a keyspace-qualified table',
      { ...base, tables: { include: ['ks.orders'] } },
      'source.tables.include[0]: "ks.orders": rules match bare table names in every keyspace; keyspace-qualified names are not supported',
    ],
    [
      'an internal table by name',
      { ...base, tables: { include: ['_orders_gho'] } },
      'source.tables.include[0]: "_orders_gho" is a Vitess-internal table',
    ],
    ['an empty regex', { ...base, tables: { include: ['//'] } }, 'source.tables.include[0]: empty regex'],
    [
      'columns for a pattern',
      { ...base, tables: { include: ['orders_*'], columns: { orders_1: ['id'] } } },
      'source.tables.columns.orders_1: "orders_1" must be listed by its exact name in include; patterns cannot carry columns',
    ],
    [
      'where for an excluded table',
      { ...base, tables: { exclude: ['secret'], where: { secret: 'id = 1' } } },
      'source.tables.where.secret: "secret" is excluded',
    ],
    [
      'an empty column list',
      { ...base, tables: { columns: { t: [] } } },
      'source.tables.columns.t: must list at least one column',
    ],
    [
      'a duplicate column',
      { ...base, tables: { columns: { t: ['a', 'a'] } } },
      'source.tables.columns.t[1]: duplicate column "a"',
    ],
    [
      'a blank where',
      { ...base, tables: { where: { t: '  ' } } },
      'source.tables.where.t: must be a non-empty condition',
    ],
    [
      'an empty caller principal',
      { ...base, callerId: { principal: '' } },
      'source.callerId.principal: must be a non-empty string',
    ],
  ])('refuses %s', (_what, source, message) => {
    const err = configError(() => buildVStreamRequest(source, current));
    expect(err.message).toBe(message);
    expect(err.path).toBe(message.slice(0, message.indexOf(':')));
  });

  it('refuses an unknown start kind', () => {
    expect(configError(() => buildVStreamRequest(base, { kind: 'latest' } as never)).message).toBe(
      'start.kind: unknown start position kind "latest"',
    );
  });
});
