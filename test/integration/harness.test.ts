import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { expect, test } from 'vitest';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return check();
}

async function runCrashingChild(mode: 'sigkill' | 'throw'): Promise<{ pids: number[]; dirs: string[] }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('../support/harness-crash-child.ts', import.meta.url).pathname, mode],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise((resolve) => child.once('exit', resolve));
  const line = out.split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`child did not report its servers:\n${out}\n${err}`);
  return JSON.parse(line) as { pids: number[]; dirs: string[] };
}

test.each(['sigkill', 'throw'] as const)(
  'servers and temp dirs are cleaned up when the process that started them dies (%s)',
  async (mode) => {
    const { pids, dirs } = await runCrashingChild(mode);
    expect(pids).toHaveLength(2);
    const gone = await waitFor(
      () => pids.every((p) => !isAlive(p)) && dirs.every((d) => !fs.existsSync(d)),
      20_000,
    );
    expect({ alive: pids.filter(isAlive), leftDirs: dirs.filter((d) => fs.existsSync(d)) }).toEqual({
      alive: [],
      leftDirs: [],
    });
    expect(gone).toBe(true);
  },
);
