// A real Vitess for the conformance lane: vttestserver (vtcombo = vtgate + vttablets + vtctld in one process,
// plus one mysqld managed by mysqlctl) on Debian's MariaDB, run as an unprivileged user on loopback ports.
//
// Keyspaces: `commerce` (unsharded) and `customer` (shards -80 and 80-, hash vindex on customer_id; see
// scripts/vitess/schema). Ports, counted from the base port P: P vtcombo HTTP (/debug/status), P+1 gRPC
// (vtgate's Vitess/VStream), P+2 mysqld, P+3 vtgate's MySQL protocol.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import {
  spawnService,
  startReaper,
  waitUntilReady,
  type ServiceProcess,
} from '../../src/devtools/processes.js';
import { aptInstall } from '../../src/devtools/tools.js';
import { findCachedVitess, VITESS_COMMANDS, type VitessBinaries } from './binaries.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const HOST = '127.0.0.1';
export const KEYSPACES = [
  { name: 'commerce', shards: ['0'] },
  { name: 'customer', shards: ['-80', '80-'] },
] as const;
/** The unprivileged system user the server runs as when we are root (mysqld refuses to run as root). */
export const RUN_USER = 'vitess';

export interface VitessServer {
  version: string;
  host: string;
  basePort: number;
  /** vtgate gRPC (VStream), host:port. */
  grpcAddress: string;
  grpcPort: number;
  /** vtgate's MySQL protocol port (any user name, no password). */
  mysqlPort: number;
  /** The mysqld behind every tablet (user vt_dba, loopback only). */
  mysqldPort: number;
  httpPort: number;
  dataDir: string;
  logFile: string;
  pid(): number;
  /** Graceful stop and start again on the same ports and data (the VStream client sees vtgate go away). */
  restart(): Promise<void>;
  /** Stops everything it started; removes the data folder when it was created as a temporary one. */
  stop(): Promise<void>;
}

export interface StartVitessOptions {
  /** Folder for the server's files (VTROOT, data, logs); created if missing, kept between starts. */
  dataDir: string;
  /** Remove dataDir on stop() and when this process dies (a throw-away server for a test run). */
  temporary?: boolean;
  /** Base port P (P..P+3 must be free); a free block is picked when absent. */
  basePort?: number;
  binaries?: VitessBinaries;
  /** Start-up deadline (a first start initialises MariaDB and the sidecar schema: ~1 min on 2 cores). */
  timeoutMs?: number;
  /** Leave the server running when this process exits (the `vitess.ts start` command); no reaper. */
  detach?: boolean;
}

/** What `vitess.ts start` records in the data folder for `status` and `stop`. */
export interface VitessState {
  pid: number;
  version: string;
  basePort: number;
  grpcAddress: string;
  mysqlPort: number;
  startedAt: string;
}

export const stateFile = (dataDir: string) => path.join(dataDir, 'state.json');

function log(message: string): void {
  process.stderr.write(`[vitess] ${message}\n`);
}

/** mysqld, mysqld_safe, mysql_install_db and the mysql client: Debian's MariaDB, installed with apt as root. */
export function ensureMariaDb(): void {
  const needed = ['/usr/sbin/mysqld', '/usr/bin/mysqld_safe', '/usr/bin/mysql_install_db', '/usr/bin/mysql'];
  if (needed.every((f) => fs.existsSync(f))) return;
  aptInstall(
    ['mariadb-server', 'mariadb-client'],
    'MariaDB',
    `MariaDB is not installed (${needed.filter((f) => !fs.existsSync(f)).join(', ')} missing): ` +
      'run `sudo apt-get install -y mariadb-server mariadb-client`',
  );
  // The package may start a system instance on 3306: we do not use it.
  spawnSync('service', ['mariadb', 'stop'], { stdio: 'ignore' });
}

/** Under root: the `vitess` system user (created if missing); otherwise the current user. */
export function runIdentity(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => spawnSync('id', [flag, RUN_USER], { encoding: 'utf8' });
  if (id('-u').status !== 0) {
    execFileSync('useradd', [
      '--system',
      '--user-group',
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      RUN_USER,
    ]);
  }
  return { uid: Number(id('-u').stdout.trim()), gid: Number(id('-g').stdout.trim()) };
}

function chownTree(dir: string, identity: { uid: number; gid: number } | undefined): void {
  if (!identity) return;
  execFileSync('chown', ['-R', `${identity.uid}:${identity.gid}`, dir]);
}

/** VTROOT as vttestserver wants it: bin/ with the Vitess commands and config/ with our MariaDB-safe files. */
function layOutVtroot(dataDir: string, binaries: VitessBinaries): string {
  const vtroot = path.join(dataDir, 'vtroot');
  const bin = path.join(vtroot, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  const stamp = path.join(bin, '.version');
  const current = fs.existsSync(stamp) ? fs.readFileSync(stamp, 'utf8') : '';
  if (current !== binaries.version) {
    for (const command of VITESS_COMMANDS) {
      const target = path.join(bin, command);
      fs.rmSync(target, { force: true });
      // The cache lives in the invoking user's home (not readable by the run user): link or copy the file.
      try {
        fs.linkSync(path.join(binaries.binDir, command), target);
      } catch {
        fs.copyFileSync(path.join(binaries.binDir, command), target);
        fs.chmodSync(target, 0o755);
      }
    }
    fs.writeFileSync(stamp, binaries.version);
  }
  fs.mkdirSync(path.join(vtroot, 'config', 'mycnf'), { recursive: true });
  fs.copyFileSync(path.join(HERE, 'config', 'init_db.sql'), path.join(vtroot, 'config', 'init_db.sql'));
  fs.copyFileSync(
    path.join(HERE, 'config', 'my.cnf'),
    path.join(vtroot, 'config', 'mycnf', 'test-suite.cnf'),
  );
  fs.cpSync(path.join(HERE, 'schema'), path.join(dataDir, 'schema'), { recursive: true });
  return vtroot;
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

/** A base port P with P..P+3 free, from a range away from the ephemeral ports other servers get. */
export async function freePortBlock(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20_000 + 4 * Math.floor(Math.random() * 2_500);
    const free = await Promise.all([0, 1, 2, 3].map((i) => portFree(base + i)));
    if (free.every(Boolean)) return base;
  }
  throw new Error('no block of 4 free loopback ports found in 20000-29999');
}

const tabletDir = (dataDir: string) => path.join(dataDir, 'cluster', 'vt_0000000001');

/**
 * Kills a mysqld left over from an earlier run of the same data folder (its pid file), and removes stale socket
 * lock files, which would keep a new mysqld from starting.
 */
export function cleanUpMysqld(dataDir: string): void {
  const dir = tabletDir(dataDir);
  const pidFile = path.join(dir, 'mysql.pid');
  if (fs.existsSync(pidFile)) {
    const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
    if (pid > 0) {
      try {
        process.kill(pid, 'SIGKILL');
        log(`killed leftover mysqld ${pid}`);
      } catch {
        // not running
      }
    }
    fs.rmSync(pidFile, { force: true });
  }
  for (const name of ['mysql.sock', 'mysql.sock.lock', 'mysqlx.sock', 'mysqlx.sock.lock']) {
    fs.rmSync(path.join(dir, name), { force: true });
  }
}

export function vttestserverArgs(dataDir: string, basePort: number, version: string): string[] {
  const major = Number(/^v(\d+)\./.exec(version)?.[1] ?? 0);
  return [
    '--port',
    String(basePort),
    '--keyspaces',
    KEYSPACES.map((k) => k.name).join(','),
    '--num-shards',
    KEYSPACES.map((k) => String(k.shards.length)).join(','),
    '--replica-count',
    '1',
    '--rdonly-count',
    '0',
    '--data-dir',
    path.join(dataDir, 'cluster'),
    '--persistent-mode',
    '--schema-dir',
    path.join(dataDir, 'schema'),
    '--mysql-bind-host',
    HOST,
    '--vtcombo-bind-host',
    HOST,
    '--tablet-hostname',
    HOST,
    '--vschema-ddl-authorized-users',
    '%',
    '--tablet-refresh-interval',
    '2s',
    // vtgate waits this long (30 s) at start-up for a tablet of every type; there are no REPLICA tablets here.
    // vttestserver passes it on to vtcombo since v24.
    ...(major >= 24 ? ['--gateway-initial-tablet-timeout', '2s'] : []),
  ];
}

export function vitessEnv(dataDir: string): NodeJS.ProcessEnv {
  return {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: dataDir,
    LANG: 'C.UTF-8',
    VTROOT: path.join(dataDir, 'vtroot'),
    VTDATAROOT: path.join(dataDir, 'tmp'),
    VT_MYSQL_ROOT: '/usr',
    TMPDIR: path.join(dataDir, 'tmp'),
  };
}

/** Everything before the process starts: MariaDB, the user, the folder layout. Returns the run identity. */
export function prepareVitess(
  dataDir: string,
  binaries: VitessBinaries,
): { uid: number; gid: number } | undefined {
  ensureMariaDb();
  const identity = runIdentity();
  fs.mkdirSync(path.join(dataDir, 'tmp'), { recursive: true });
  fs.mkdirSync(path.join(dataDir, 'cluster'), { recursive: true });
  layOutVtroot(dataDir, binaries);
  chownTree(dataDir, identity);
  if (identity) {
    // Every parent folder must let the run user through (e.g. not under root's 0700 home).
    for (let dir = path.dirname(dataDir); dir !== path.dirname(dir); dir = path.dirname(dir)) {
      if ((fs.statSync(dir).mode & 0o001) === 0) {
        throw new Error(
          `${dir} is not searchable by the \`${RUN_USER}\` user: put the data folder elsewhere`,
        );
      }
    }
  }
  cleanUpMysqld(dataDir);
  return identity;
}

/** Ready once vtgate answers on its MySQL port and every shard's primary tablet is SERVING. */
export async function probeVitess(mysqlPort: number): Promise<void> {
  const connection = await mysql.createConnection({
    host: HOST,
    port: mysqlPort,
    user: 'root',
    connectTimeout: 2_000,
  });
  try {
    const [rows] = await connection.query<mysql.RowDataPacket[]>('SHOW VITESS_TABLETS');
    const serving = new Set(
      rows
        .filter(
          (r) => String(r.TabletType ?? r.Type) === 'PRIMARY' && String(r.State ?? r.Status) === 'SERVING',
        )
        .map((r) => `${r.Keyspace}/${r.Shard}`),
    );
    const missing = KEYSPACES.flatMap((k) => k.shards.map((s) => `${k.name}/${s}`)).filter(
      (s) => !serving.has(s),
    );
    if (missing.length > 0) throw new Error(`not serving yet: ${missing.join(', ')}`);
  } finally {
    await connection.end().catch(() => undefined);
  }
}

export async function startVitess(options: StartVitessOptions): Promise<VitessServer> {
  const binaries = options.binaries ?? findCachedVitess();
  if (!binaries) throw new Error('no Vitess binaries cached: run `npx tsx scripts/vitess/build.ts` first');
  const dataDir = path.resolve(options.dataDir);
  fs.mkdirSync(dataDir, { recursive: true });
  const identity = prepareVitess(dataDir, binaries);
  const basePort = options.basePort ?? (await freePortBlock());
  const logFile = path.join(dataDir, 'vttestserver.log');
  const ports = {
    httpPort: basePort,
    grpcPort: basePort + 1,
    mysqldPort: basePort + 2,
    mysqlPort: basePort + 3,
  };
  const args = vttestserverArgs(dataDir, basePort, binaries.version);
  const binary = path.join(dataDir, 'vtroot', 'bin', 'vttestserver');

  let service: ServiceProcess | undefined;
  const launch = async (): Promise<void> => {
    cleanUpMysqld(dataDir);
    const started = Date.now();
    service = spawnService(binary, args, {
      logFile,
      env: vitessEnv(dataDir),
      uid: identity?.uid,
      gid: identity?.gid,
      cwd: dataDir,
    });
    if (options.detach) service.child.unref();
    else startReaper(process.pid, [service.child.pid!], options.temporary ? [dataDir] : []);
    await waitUntilReady(
      `vttestserver (Vitess ${binaries.version})`,
      service,
      logFile,
      () => probeVitess(ports.mysqlPort),
      {
        timeoutMs: options.timeoutMs ?? 240_000,
        intervalMs: 500,
      },
    );
    const state: VitessState = {
      pid: service.child.pid!,
      version: binaries.version,
      basePort,
      grpcAddress: `${HOST}:${ports.grpcPort}`,
      mysqlPort: ports.mysqlPort,
      startedAt: new Date().toISOString(),
    };
    fs.writeFileSync(stateFile(dataDir), `${JSON.stringify(state, null, 2)}\n`);
    log(
      `Vitess ${binaries.version} serving on ${HOST}:${basePort}+ in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  };
  const shutdown = async (graceMs: number): Promise<void> => {
    // SIGTERM to vttestserver alone: it stops vtcombo and shuts mysqld down through mysqlctl (mysqladmin).
    // Signalling the whole group would stop mysqld first, and mysqladmin then waits ~50 s for a server that is
    // gone. Whatever is left after the grace period gets SIGKILL, the whole group.
    const started = Date.now();
    if (service) await stopLeaderFirst(service, graceMs);
    const ms = Date.now() - started;
    if (ms > 5_000)
      log(`vttestserver took ${(ms / 1000).toFixed(1)} s to stop (SIGKILL after ${graceMs / 1000} s)`);
    cleanUpMysqld(dataDir);
    fs.rmSync(stateFile(dataDir), { force: true });
  };
  try {
    await launch();
  } catch (err) {
    await service?.kill();
    cleanUpMysqld(dataDir);
    if (options.temporary) fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    version: binaries.version,
    host: HOST,
    basePort,
    grpcAddress: `${HOST}:${ports.grpcPort}`,
    ...ports,
    dataDir,
    logFile,
    pid: () => service!.child.pid!,
    async restart() {
      // A restart is a failure test: a shorter grace period, as an orchestrator would give.
      await shutdown(20_000);
      await launch();
    },
    async stop() {
      await shutdown(60_000);
      if (options.temporary) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function stopLeaderFirst(service: ServiceProcess, graceMs: number): Promise<void> {
  const pid = service.child.pid;
  if (pid === undefined || service.child.exitCode !== null || service.child.signalCode !== null) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // already gone
  }
  const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref());
  await Promise.race([service.exited, timer]);
  await service.kill();
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops a server started with `detach` (from its state file): SIGTERM to vttestserver (it shuts mysqld down),
 * SIGKILL of its process group once it exited or after the deadline, then any leftover mysqld and stale
 * sockets.
 * Safe to run when nothing is running.
 */
export async function stopDetachedVitess(dataDir: string, timeoutMs = 60_000): Promise<boolean> {
  const file = stateFile(dataDir);
  let stopped = false;
  if (fs.existsSync(file)) {
    const state = JSON.parse(fs.readFileSync(file, 'utf8')) as VitessState;
    if (alive(state.pid)) {
      stopped = true;
      try {
        // vttestserver alone (see stopLeaderFirst): it shuts mysqld down itself.
        process.kill(state.pid, 'SIGTERM');
      } catch {
        // gone meanwhile
      }
      const deadline = Date.now() + timeoutMs;
      while (alive(state.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      try {
        process.kill(-state.pid, 'SIGKILL');
      } catch {
        // the whole group is gone
      }
    }
    fs.rmSync(file, { force: true });
  }
  cleanUpMysqld(dataDir);
  return stopped;
}

export function readState(dataDir: string): VitessState | undefined {
  const file = stateFile(dataDir);
  if (!fs.existsSync(file)) return undefined;
  const state = JSON.parse(fs.readFileSync(file, 'utf8')) as VitessState;
  return alive(state.pid) ? state : undefined;
}
