// Builds the pinned Vitess binaries of the conformance lane into the tool cache (idempotent).
//
//   npx tsx scripts/vitess/build.ts               # the first of v24.0.3, v23.0.3, v22.0.4 that builds
//   npx tsx scripts/vitess/build.ts v23.0.3       # exactly this version
//   npx tsx scripts/vitess/build.ts --check       # exit 0 if a version is cached, 1 otherwise (no build)
import { ensureVitess, findCachedVitess, VITESS_VERSIONS } from './binaries.js';

const args = process.argv.slice(2);
if (args.includes('--check')) {
  const found = findCachedVitess();
  if (found) {
    process.stdout.write(`${found.version} ${found.binDir}\n`);
    process.exit(0);
  }
  process.stdout.write(`no Vitess binaries cached (tried ${VITESS_VERSIONS.join(', ')})\n`);
  process.exit(1);
}
const versions = args.length > 0 ? args : VITESS_VERSIONS;
const built = ensureVitess(versions);
process.stdout.write(
  `Vitess ${built.version}: ${built.binDir} (built in ${built.manifest.buildSeconds} s with ` +
    `${built.manifest.goVersion}${built.manifest.maxRssMiB ? `, peak RSS ${built.manifest.maxRssMiB} MiB` : ''})\n`,
);
