// Pinned Vitess binaries for the conformance lane: built from the Go module proxy into the tool cache
// (`$VSTREAM_RELAY_CACHE` or ~/.cache/vstream-relay, like the Temporal CLI), one folder per version.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { toolCacheDir } from '../../src/devtools/tools.js';

/**
 * Vitess releases tried in this order: v24 is the newest line that still runs MariaDB-backed tablets without
 * complaint (v25 warns, v26 refuses), v23 and v22 are the fallbacks. Each vN.0.P is the Go module version v0.N.P.
 */
export const VITESS_VERSIONS = ['v24.0.3', 'v23.0.3', 'v22.0.4'] as const;
export type VitessVersion = (typeof VITESS_VERSIONS)[number];

/** The four commands the lane needs: vttestserver runs vtcombo and mysqlctl; vtctldclient for inspection. */
export const VITESS_COMMANDS = ['vttestserver', 'vtcombo', 'mysqlctl', 'vtctldclient'] as const;

const MODULE = 'vitess.io/vitess';

/** What a finished build leaves next to the binaries; a cache folder without it is not complete. */
export interface VitessManifest {
  version: string;
  module: string;
  goVersion: string;
  builtAt: string;
  buildSeconds: number;
  /** Peak resident memory of the `go build` process tree, from /usr/bin/time when available. */
  maxRssMiB?: number;
  commands: string[];
}

export interface VitessBinaries {
  version: string;
  /** Folder with the binaries (`bin/vttestserver`, …). */
  binDir: string;
  manifest: VitessManifest;
}

export function moduleVersion(version: string): string {
  const m = /^v(\d+)\.0\.(\d+)$/.exec(version);
  if (!m) throw new Error(`not a Vitess release version: ${version} (expected vN.0.P)`);
  return `v0.${m[1]}.${m[2]}`;
}

export function vitessCacheDir(version: string): string {
  return path.join(toolCacheDir(), `vitess-${version}`);
}

function log(message: string): void {
  process.stderr.write(`[vitess] ${message}\n`);
}

/** The cached binaries of one version, if that build finished. */
export function cachedVitess(version: string): VitessBinaries | undefined {
  const dir = vitessCacheDir(version);
  const manifestFile = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) return undefined;
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as VitessManifest;
  const binDir = path.join(dir, 'bin');
  for (const command of VITESS_COMMANDS) {
    try {
      fs.accessSync(path.join(binDir, command), fs.constants.X_OK);
    } catch {
      return undefined;
    }
  }
  return { version, binDir, manifest };
}

/** `$VITESS_VERSION` if set (it must be cached), else the first cached version in preference order. */
export function findCachedVitess(): VitessBinaries | undefined {
  const wanted = process.env.VITESS_VERSION;
  if (wanted) return cachedVitess(wanted);
  for (const version of VITESS_VERSIONS) {
    const found = cachedVitess(version);
    if (found) return found;
  }
  return undefined;
}

function goEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOFLAGS: '-mod=mod' };
}

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, {
    cwd,
    env: goEnv(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/**
 * Builds one version into its cache folder, unless it is there already. The build goes through a throw-away
 * wrapper module that requires vitess.io/vitess (since late 2025 its go.mod has an `exclude` line, which
 * `go install pkg@version` refuses); the dependency's exclude lines are copied into the wrapper so that the
 * module graph is upstream's. Binaries land in a staging folder that is renamed into place at the end, so an
 * interrupted build never looks complete.
 */
export function buildVitess(version: string): VitessBinaries {
  const cached = cachedVitess(version);
  if (cached) {
    log(`${version} already cached at ${path.dirname(cached.binDir)}`);
    return cached;
  }
  const go = spawnSync('go', ['version'], { encoding: 'utf8', env: goEnv() });
  if (go.error || go.status !== 0) throw new Error('Go is not installed: it is needed to build Vitess');
  const goVersion = go.stdout.trim();
  const modVersion = moduleVersion(version);
  const target = vitessCacheDir(version);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const staging = fs.mkdtempSync(path.join(path.dirname(target), `.vitess-${version}-build-`));
  const work = path.join(staging, 'wrapper');
  fs.mkdirSync(work);
  const started = Date.now();
  try {
    log(`building Vitess ${version} (${MODULE}@${modVersion}) with ${goVersion}; 3-25 min on 2 cores…`);
    run('go', ['mod', 'init', 'vstream-relay.local/vitess-build'], work);
    const info = JSON.parse(run('go', ['mod', 'download', '-json', `${MODULE}@${modVersion}`], work)) as {
      GoMod?: string;
      Error?: string;
    };
    if (info.Error || !info.GoMod) throw new Error(`go mod download ${MODULE}@${modVersion}: ${info.Error}`);
    const excludes = parseExcludes(fs.readFileSync(info.GoMod, 'utf8'));
    for (const exclude of excludes) run('go', ['mod', 'edit', `-exclude=${exclude}`], work);
    log(`copied ${excludes.length} exclude line(s) from ${MODULE}'s go.mod into the wrapper module`);
    run('go', ['get', `${MODULE}@${modVersion}`], work);

    const binDir = path.join(staging, 'bin');
    fs.mkdirSync(binDir);
    const packages = VITESS_COMMANDS.map((c) => `${MODULE}/go/cmd/${c}`);
    const goArgs = ['build', '-trimpath', '-ldflags=-s -w', '-o', `${binDir}/`, ...packages];
    // /usr/bin/time -v reports the peak RSS of the largest process (the compiler or the linker).
    const timeBin = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
    const timeLog = path.join(staging, 'time.log');
    const build = timeBin
      ? spawnSync(timeBin, ['-v', '-o', timeLog, 'go', ...goArgs], {
          cwd: work,
          env: goEnv(),
          stdio: 'inherit',
        })
      : spawnSync('go', goArgs, { cwd: work, env: goEnv(), stdio: 'inherit' });
    if (build.status !== 0) throw new Error(`go build of Vitess ${version} failed (exit ${build.status})`);
    const rss = timeBin
      ? /Maximum resident set size \(kbytes\): (\d+)/.exec(fs.readFileSync(timeLog, 'utf8'))
      : null;

    const manifest: VitessManifest = {
      version,
      module: `${MODULE}@${modVersion}`,
      goVersion,
      builtAt: new Date().toISOString(),
      buildSeconds: Math.round((Date.now() - started) / 1000),
      ...(rss ? { maxRssMiB: Math.round(Number(rss[1]) / 1024) } : {}),
      commands: [...VITESS_COMMANDS],
    };
    fs.writeFileSync(path.join(staging, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(timeLog, { force: true });
    // Binaries must be reachable by the unprivileged user that runs them (they are hard-linked into its folder).
    fs.chmodSync(staging, 0o755);
    fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(staging, target);
    log(`Vitess ${version} cached at ${target} in ${manifest.buildSeconds} s`);
    return cachedVitess(version)!;
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}

/** `exclude` directives of a go.mod, single-line and block form, as `path@version`. */
export function parseExcludes(goMod: string): string[] {
  const out: string[] = [];
  let inBlock = false;
  for (const raw of goMod.split('\n')) {
    const line = raw.replace(/\/\/.*$/, '').trim();
    if (inBlock) {
      if (line === ')') inBlock = false;
      else if (line) out.push(line.split(/\s+/).join('@'));
      continue;
    }
    if (/^exclude\s*\($/.test(line)) inBlock = true;
    else if (line.startsWith('exclude '))
      out.push(line.slice('exclude '.length).trim().split(/\s+/).join('@'));
  }
  return out;
}

/** Builds the first version that builds, in preference order, unless one is cached already. */
export function ensureVitess(versions: readonly string[] = VITESS_VERSIONS): VitessBinaries {
  const errors: string[] = [];
  for (const version of versions) {
    const cached = cachedVitess(version);
    if (cached) return cached;
  }
  for (const version of versions) {
    try {
      return buildVitess(version);
    } catch (err) {
      errors.push(`${version}: ${(err as Error).message}`);
      log(`building ${version} failed: ${(err as Error).message}`);
    }
  }
  throw new Error(`no Vitess version could be built:\n${errors.join('\n')}`);
}
