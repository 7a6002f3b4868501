import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './ports.js';
import { spawnService, startReaper, waitUntilReady, type ServiceProcess } from './processes.js';
import { ensurePostgresBinDir } from './tools.js';

export interface PostgresServer {
  host: string;
  port: number;
  user: string;
  /** Folder holding the data directory, the socket and the log; removed by stop(). */
  baseDir: string;
  logFile: string;
  pid(): number;
  connectionString(database?: string): string;
  /** Creates a fresh database and returns its connection string. */
  createDatabase(name: string): Promise<string>;
  /** Fast shutdown and start again on the same port and data (for failure tests). */
  restart(): Promise<void>;
  /** SIGKILL, then start again on the same port and data (crash recovery). */
  crashAndRestart(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  port?: number;
  /** Extra `-c name=value` server settings. */
  settings?: Record<string, string>;
}

const SUPERUSER = 'postgres';

/** Postgres refuses to run as root: under root we run it as the `postgres` system user. */
function serverIdentity(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const uid = id('-u');
  const gid = id('-g');
  if (uid.status !== 0 || gid.status !== 0) {
    throw new Error('running as root, but there is no `postgres` system user to run PostgreSQL as');
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * Starts a throw-away PostgreSQL cluster on a free loopback port: initdb in a temp dir, durability off
 * (fsync, synchronous_commit, full_page_writes) because tests and demos trade it for speed.
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const binDir = ensurePostgresBinDir();
  const identity = serverIdentity();
  const baseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vsr-pg-'));
  const dataDir = path.join(baseDir, 'data');
  const logFile = path.join(baseDir, 'postgres.log');
  if (identity) fs.chownSync(baseDir, identity.uid, identity.gid);
  const host = '127.0.0.1';
  const port = options.port ?? (await freePort(host));

  try {
    execFileSync(
      path.join(binDir, 'initdb'),
      [
        '-D',
        dataDir,
        '-U',
        SUPERUSER,
        '-A',
        'trust',
        '-E',
        'UTF8',
        '--locale=C',
        '--no-sync',
        '--no-instructions',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], uid: identity?.uid, gid: identity?.gid, cwd: baseDir },
    );
  } catch (err) {
    fs.rmSync(baseDir, { recursive: true, force: true });
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`initdb failed: ${stderr || String(err)}`, { cause: err });
  }

  const settings: Record<string, string> = {
    listen_addresses: host,
    unix_socket_directories: baseDir,
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    max_connections: '200',
    shared_buffers: '128MB',
    ...options.settings,
  };
  const args = ['-D', dataDir, '-p', String(port)];
  for (const [name, value] of Object.entries(settings)) args.push('-c', `${name}=${value}`);

  // Replaced on every (re)start; the methods below always act on the current process.
  let service: ServiceProcess | undefined;
  const launch = async (): Promise<void> => {
    service = spawnService(path.join(binDir, 'postgres'), args, {
      logFile,
      uid: identity?.uid,
      gid: identity?.gid,
      cwd: baseDir,
    });
    startReaper(process.pid, [service.child.pid!], [baseDir]);
    await waitReady(host, port, service, logFile);
  };
  try {
    await launch();
  } catch (err) {
    await service?.kill();
    fs.rmSync(baseDir, { recursive: true, force: true });
    throw err;
  }

  const connectionString = (database = 'postgres') =>
    `postgresql://${SUPERUSER}@${host}:${port}/${encodeURIComponent(database)}`;
  return {
    host,
    port,
    user: SUPERUSER,
    baseDir,
    logFile,
    pid: () => service!.child.pid!,
    connectionString,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: connectionString() });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
      } finally {
        await client.end();
      }
      return connectionString(name);
    },
    async restart() {
      await service!.stop('SIGINT', 20_000);
      await launch();
    },
    async crashAndRestart() {
      await service!.kill();
      await launch();
    },
    async stop() {
      await service!.stop('SIGINT', 20_000);
      fs.rmSync(baseDir, { recursive: true, force: true });
    },
  };
}

/** Ready once a client can connect and run a query. */
async function waitReady(
  host: string,
  port: number,
  service: ServiceProcess,
  logFile: string,
): Promise<void> {
  await waitUntilReady(
    'postgres',
    service,
    logFile,
    async () => {
      const client = new pg.Client({ host, port, user: SUPERUSER, database: 'postgres' });
      client.on('error', () => {});
      try {
        await client.connect();
        await client.query('SELECT 1');
      } finally {
        await client.end().catch(() => {});
      }
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  );
}
