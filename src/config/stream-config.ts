import { z } from 'zod';

/**
 * The configuration of one stream: what the Temporal workflow receives as input, and what `vstream-relay start`
 * reads from a JSON/YAML file. It is visible in the Temporal UI, so it holds **no secrets**: credentials and
 * connection strings are references (`env:NAME`, `file:/path`) that the worker resolves on its own machine.
 *
 * Deterministic, dependency-light code: the workflow validates its input with it too.
 */

const SECRET_REF = /^(?:env:[A-Za-z_][A-Za-z0-9_]*|file:\/\S+)$/;
const secretRef = z
  .string()
  .regex(
    SECRET_REF,
    'must be a secret reference, `env:NAME` or `file:/absolute/path` (secrets never go into workflow input)',
  );

const identifierLike = z.string().min(1).max(64);
const hostPort = z
  .string()
  .regex(/^(?:\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'must be host:port, e.g. vtgate.internal:15991');

const tlsSchema = z.strictObject({
  caFile: z.string().min(1).optional(),
  certFile: z.string().min(1).optional(),
  keyFile: z.string().min(1).optional(),
  serverName: z.string().min(1).optional(),
  /** Accept any certificate. Logged loudly; for throw-away environments only. */
  insecureSkipVerify: z.boolean().default(false),
});

const vtgateSchema = z.strictObject({
  address: hostPort,
  tls: tlsSchema.optional(),
  /** Static auth; the username may be given inline, the password only as a reference. */
  auth: z
    .strictObject({
      username: z.string().min(1),
      password: secretRef,
    })
    .optional(),
  /** Extra, non-secret call metadata (credentials belong in `auth`, which takes a secret reference). */
  metadata: z
    .record(z.string().regex(/^[a-z0-9_.-]+$/, 'metadata keys are lower-case header names'), z.string())
    .superRefine((headers, ctx) => {
      for (const key of Object.keys(headers)) {
        if (/auth|token|secret|password|passwd|cookie|api[-_.]?key|credential/.test(key)) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message:
              'looks like a credential header: workflow input is visible in the Temporal UI; use source.vtgate.auth',
          });
        }
      }
    })
    .optional(),
  maxReceiveMessageBytes: z
    .number()
    .int()
    .min(4 * 1024 * 1024)
    .max(1024 * 1024 * 1024)
    .default(64 * 1024 * 1024),
  keepaliveSeconds: z
    .number()
    .int()
    .min(10, 'vtgate refuses keepalive pings more often than every 10 s')
    .default(30),
  connectTimeoutSeconds: z.number().int().min(1).max(600).default(10),
});

const keyspaceSchema = z.strictObject({
  name: identifierLike,
  /** Pin the stream to these shards; absent = every shard, following reshards. */
  shards: z
    .array(z.string().regex(/^(?:[0-9a-fA-F]*-[0-9a-fA-F]*|0)$/, 'must be a shard name like -80, 80- or 0'))
    .min(1)
    .optional(),
});

const tablesSchema = z.strictObject({
  include: z.array(z.string().min(1)).min(1).optional(),
  exclude: z.array(z.string().min(1)).optional(),
  columns: z.record(z.string().min(1), z.array(z.string().min(1)).min(1)).optional(),
  where: z.record(z.string().min(1), z.string().min(1)).optional(),
});

const sourceSchema = z.strictObject({
  vtgate: vtgateSchema,
  keyspaces: z.array(keyspaceSchema).min(1, 'name at least one keyspace'),
  tabletType: z.enum(['primary', 'replica', 'rdonly']).default('primary'),
  cells: z.array(z.string().min(1)).min(1).optional(),
  cellPreference: z.enum(['preferlocalwithalias', 'onlyspecified']).optional(),
  tabletOrder: z.enum(['any', 'inorder']).optional(),
  tables: tablesSchema.optional(),
  heartbeatIntervalSeconds: z.number().int().min(1).max(3600).default(5),
  stopOnReshard: z.boolean().default(false),
  includeReshardJournalEvents: z.boolean().default(false),
  minimizeSkew: z.boolean().default(false),
  transactionChunkSizeBytes: z.number().int().min(1024).optional(),
  excludeKeyspaceFromTableName: z.boolean().default(false),
});

const snapshotSchema = z.strictObject({
  /**
   * `initial`: copy the selected tables through VStream's copy phase, then stream.
   * `never`: start at `startVgtid` or, without one, at the current position.
   * `tables`: copy only `tables`, stream everything selected.
   */
  mode: z.enum(['initial', 'never', 'tables']).default('initial'),
  tables: z.array(z.string().min(1)).min(1).optional(),
});

const batchSchema = z.strictObject({
  maxRows: z.number().int().min(1).max(1_000_000).default(5_000),
  maxBytes: z
    .number()
    .int()
    .min(64 * 1024)
    .max(1024 * 1024 * 1024)
    .default(16 * 1024 * 1024),
  maxDelayMs: z.number().int().min(0).max(600_000).default(500),
});

const sinkSchema = z.strictObject({
  postgres: z.strictObject({
    /** Reference to the connection string, e.g. `env:VSTREAM_RELAY_PG_URL`. */
    url: secretRef,
    sslMode: z.enum(['disable', 'require', 'verify-ca', 'verify-full']).optional(),
    sslCaFile: z.string().min(1).optional(),
  }),
  mode: z.enum(['mirror', 'changelog', 'both']).default('mirror'),
  controlSchema: identifierLike.default('vstream_relay'),
  /** Target schema of mirror tables; `{keyspace}` is replaced by the source keyspace. */
  targetSchema: z.string().min(1).max(64).default('{keyspace}'),
  /** Append-only change table (changelog / both), in the control schema. */
  changelogTable: identifierLike.default('changelog'),
  /** A mirrored table with neither a primary key nor a NOT NULL unique key: stop, or log it in the changelog only. */
  tablesWithoutKey: z.enum(['error', 'changelog']).default('error'),
  batch: batchSchema.default({ maxRows: 5_000, maxBytes: 16 * 1024 * 1024, maxDelayMs: 500 }),
});

const policiesSchema = z.strictObject({
  /** Zero/impossible dates: stop (`fail`), deliver NULL, or keep MySQL's text. */
  zeroDate: z.enum(['fail', 'null', 'keep']).default('fail'),
  /** Text bytes invalid in their charset: stop, or substitute U+FFFD. */
  invalidText: z.enum(['fail', 'replace']).default('fail'),
  /** Rows that cannot be decoded or applied: pause the stream (position kept), or quarantine them and go on. */
  badRows: z.enum(['fail', 'quarantine']).default('fail'),
});

const runSchema = z.strictObject({
  /** The workflow's VGTID trails the committed checkpoint by at most this much. */
  progressIntervalSeconds: z.number().int().min(1).max(3600).default(5),
  /** A stream activity returns after this long so the workflow can continue-as-new with a short history. */
  activityRunSeconds: z.number().int().min(10).max(86_400).default(3_600),
  /** Temporal declares the worker dead after this long without a heartbeat. */
  heartbeatTimeoutSeconds: z.number().int().min(5).max(600).default(30),
  /** Reconnect when nothing, not even a heartbeat, arrives for this many heartbeat intervals. */
  idleReconnectIntervals: z.number().int().min(2).max(100).default(4),
  /** Warn (logs and `status.warning`) after this long with heartbeats but no data: idle source, or throttled. */
  heartbeatOnlyWarningSeconds: z.number().int().min(10).max(86_400).default(600),
  /** Retry back-off for failed stream activities (seconds). */
  retryInitialSeconds: z.number().min(0.1).max(600).default(1),
  retryMaxSeconds: z.number().min(1).max(3600).default(60),
});

export const streamConfigSchema = z.strictObject({
  /** Stable name of the stream: the workflow id is `vstream-<streamId>`, the checkpoint row is keyed by it. */
  streamId: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'must be 1-63 characters: letters, digits, `_`, `.`, `-`'),
  source: sourceSchema,
  snapshot: snapshotSchema.default({ mode: 'initial' }),
  /** Start here instead (Vitess VGTID JSON, e.g. from a previous stream); requires snapshot.mode `never`. */
  startVgtid: z.string().min(2).optional(),
  sink: sinkSchema,
  policies: policiesSchema.default({ zeroDate: 'fail', invalidText: 'fail', badRows: 'fail' }),
  run: runSchema.default({
    progressIntervalSeconds: 5,
    activityRunSeconds: 3_600,
    heartbeatTimeoutSeconds: 30,
    idleReconnectIntervals: 4,
    heartbeatOnlyWarningSeconds: 600,
    retryInitialSeconds: 1,
    retryMaxSeconds: 60,
  }),
});

/** A stream config as written by a user (defaults may be left out). */
export type StreamConfigInput = z.input<typeof streamConfigSchema>;
/** A validated stream config with every default filled in. */
export type StreamConfig = z.output<typeof streamConfigSchema>;

export class StreamConfigError extends Error {
  override readonly name = 'StreamConfigError';
  constructor(
    /** Each problem with the dotted path of the field, e.g. `source.vtgate.address`. */
    readonly problems: { field: string; message: string }[],
  ) {
    super(`invalid stream config: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
  }
}

function fieldPath(path: readonly PropertyKey[]): string {
  return (
    path
      .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
      .join('') || '(root)'
  );
}

/** Validates and fills defaults; throws StreamConfigError naming every invalid field. */
export function parseStreamConfig(input: unknown): StreamConfig {
  const parsed = streamConfigSchema.safeParse(input);
  if (!parsed.success) {
    throw new StreamConfigError(
      parsed.error.issues.map((issue) => ({ field: fieldPath(issue.path), message: issue.message })),
    );
  }
  const config = parsed.data;
  const problems: { field: string; message: string }[] = [];
  if (config.snapshot.mode === 'tables' && !config.snapshot.tables) {
    problems.push({ field: 'snapshot.tables', message: 'required when snapshot.mode is `tables`' });
  }
  if (config.snapshot.mode !== 'tables' && config.snapshot.tables) {
    problems.push({ field: 'snapshot.tables', message: 'only allowed with snapshot.mode `tables`' });
  }
  if (config.startVgtid !== undefined && config.snapshot.mode !== 'never') {
    problems.push({ field: 'startVgtid', message: 'only allowed with snapshot.mode `never`' });
  }
  const tls = config.source.vtgate.tls;
  if (tls && (tls.certFile === undefined) !== (tls.keyFile === undefined)) {
    problems.push({ field: 'source.vtgate.tls', message: 'certFile and keyFile go together (mTLS)' });
  }
  if (config.source.excludeKeyspaceFromTableName && config.source.keyspaces.length > 1) {
    problems.push({
      field: 'source.excludeKeyspaceFromTableName',
      message: 'bare table names are ambiguous when streaming more than one keyspace',
    });
  }
  if (config.run.retryMaxSeconds < config.run.retryInitialSeconds) {
    problems.push({ field: 'run.retryMaxSeconds', message: 'must not be below run.retryInitialSeconds' });
  }
  const names = config.source.keyspaces.map((k) => k.name);
  names.forEach((name, i) => {
    if (names.indexOf(name) !== i)
      problems.push({ field: `source.keyspaces[${i}].name`, message: `duplicate keyspace ${name}` });
  });
  if (problems.length > 0) throw new StreamConfigError(problems);
  return config;
}

/** The workflow id of a stream: one workflow per stream, so starting it twice is refused by Temporal. */
export function streamWorkflowId(streamId: string): string {
  return `vstream-${streamId}`;
}
