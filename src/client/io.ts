/** Where a CLI run reads its environment and writes its output; `runCli` takes it so tests can run it in-process. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: Record<string, string | undefined>;
  /** Relative config paths resolve against it (default: process.cwd()). */
  cwd?: string;
  /** The clock for "5 s ago" (default: the real one). */
  now?: () => Date;
  /** Aborting it stops `vstream-relay worker` (the Temporal runtime also stops it on SIGINT/SIGTERM). */
  signal?: AbortSignal;
}
