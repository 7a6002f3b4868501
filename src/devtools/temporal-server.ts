import { Connection } from '@temporalio/client';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports.js';
import { spawnService, startReaper, waitUntilReady, type ServiceProcess } from './processes.js';
import { ensureTemporalCli } from './tools.js';

export interface TemporalDevServer {
  /** host:port of the frontend gRPC service. */
  address: string;
  namespace: string;
  /** Web UI URL when started with `ui: true`. */
  uiUrl?: string;
  baseDir: string;
  logFile: string;
  cliPath: string;
  pid(): number;
  /** Stops and starts the server again on the same ports and database file (for failure tests). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartTemporalOptions {
  ui?: boolean;
  port?: number;
  uiPort?: number;
  namespace?: string;
  /** Custom search attributes to register, e.g. { VStreamId: 'Keyword' }. */
  searchAttributes?: Record<string, string>;
  /** Dynamic config values; values are JSON-encoded for the CLI. */
  dynamicConfig?: Record<string, unknown>;
}

/**
 * Starts `temporal server start-dev` on free loopback ports with its own SQLite file, and waits until the
 * namespace answers. (The SDK's own launcher gives up after 5 s, too little for a cold start on 2 cores.)
 */
export async function startTemporalDevServer(options: StartTemporalOptions = {}): Promise<TemporalDevServer> {
  const cliPath = ensureTemporalCli();
  const baseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vsr-temporal-'));
  const logFile = path.join(baseDir, 'temporal.log');
  const ip = '127.0.0.1';
  const namespace = options.namespace ?? 'default';
  const port = options.port ?? (await freePort(ip));
  const uiPort = options.ui ? (options.uiPort ?? (await freePort(ip))) : undefined;
  const args = [
    'server',
    'start-dev',
    '--ip',
    ip,
    '--port',
    String(port),
    '--http-port',
    String(await freePort(ip)),
    '--metrics-port',
    String(await freePort(ip)),
    '--db-filename',
    path.join(baseDir, 'temporal.db'),
    '--namespace',
    namespace,
    '--log-level',
    'warn',
    ...(uiPort === undefined ? ['--headless'] : ['--ui-port', String(uiPort), '--ui-ip', ip]),
  ];
  for (const [name, type] of Object.entries(options.searchAttributes ?? {})) {
    args.push('--search-attribute', `${name}=${type}`);
  }
  const dynamicConfig: Record<string, unknown> = {
    'frontend.enableUpdateWorkflowExecution': true,
    'frontend.enableUpdateWorkflowExecutionAsyncAccepted': true,
    ...options.dynamicConfig,
  };
  for (const [key, value] of Object.entries(dynamicConfig)) {
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  }

  const address = `${ip}:${port}`;
  // Replaced on every (re)start; the methods below always act on the current process.
  let service: ServiceProcess | undefined;
  const launch = async (): Promise<void> => {
    service = spawnService(cliPath, args, { logFile, cwd: baseDir });
    startReaper(process.pid, [service.child.pid!], [baseDir]);
    await waitReady(address, namespace, service, logFile);
  };
  try {
    await launch();
  } catch (err) {
    await service?.kill();
    fs.rmSync(baseDir, { recursive: true, force: true });
    throw err;
  }
  return {
    address,
    namespace,
    uiUrl: uiPort === undefined ? undefined : `http://${ip}:${uiPort}`,
    baseDir,
    logFile,
    cliPath,
    pid: () => service!.child.pid!,
    async restart() {
      await service!.stop('SIGTERM', 20_000);
      await launch();
    },
    async stop() {
      await service!.stop('SIGTERM', 20_000);
      fs.rmSync(baseDir, { recursive: true, force: true });
    },
  };
}

/** Ready once the frontend answers for the namespace (the SDK's own launcher gives up after 5 s). */
async function waitReady(
  address: string,
  namespace: string,
  service: ServiceProcess,
  logFile: string,
): Promise<void> {
  await waitUntilReady(
    `temporal dev server at ${address}`,
    service,
    logFile,
    async () => {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
      } finally {
        await connection.close();
      }
    },
    { timeoutMs: 90_000, intervalMs: 200 },
  );
}
