/**
 * Debian's `python3-stripe` (the official Python library, 5.0.0 on Debian 12) for the tests that
 * run the seed's server-side Python snippets. The tests provision it themselves so that `npm ci`
 * then `npm test` pass on a fresh machine with nothing installed by hand:
 *
 * 1. if the system Python already imports `stripe` 5.0.0 (`.ci/run` may `apt-get install` it), that;
 * 2. else the .deb files of the library and of the modules it imports (requests and its own
 *    dependencies, all architecture-independent Python) are fetched with `apt-get download` from
 *    the Debian mirror this machine is configured with, unpacked with `dpkg -x` into
 *    `node_modules/.cache/opentill-python-stripe/`, and put on `PYTHONPATH`. Later runs reuse the
 *    cache. When the package lists are missing, `apt-get update` runs first (as root only).
 *
 * Any failure is an error that says what to do: the tests that need Python never skip.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The version the issue and the Debian 12 archive name; the snippets are run through exactly it. */
export const pythonStripeVersion = '5.0.0';

/** Debian packages unpacked when the system has no `python3-stripe`: the library and what it imports. */
const pythonStripePackages = [
  'python3-stripe', 'python3-requests', 'python3-urllib3', 'python3-certifi', 'python3-idna',
  'python3-charset-normalizer', 'python3-chardet', 'python3-six',
] as const;

export interface PythonStripe {
  /** The interpreter to run. */
  python: string;
  /** Environment additions (`PYTHONPATH`), empty when the system's own library is used. */
  env: Record<string, string>;
  /** Where it comes from, for the run's log. */
  source: string;
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const pythonStripeCacheDir = join(repoRoot, 'node_modules', '.cache', 'opentill-python-stripe');

/** Debian's interpreter first: its packages are built for it (a pyenv shim may shadow `python3`). */
function interpreters(): string[] {
  return ['/usr/bin/python3', 'python3'].filter((path) => !path.startsWith('/') || existsSync(path));
}

function stripeVersion(python: string, env: Record<string, string>): string | null {
  const result = spawnSync(python, ['-c', 'import stripe.version, requests; print(stripe.version.VERSION)'], {
    env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000,
  });
  return result.status === 0 ? result.stdout.trim() : null;
}

function sitePackages(root: string): string {
  return join(root, 'usr', 'lib', 'python3', 'dist-packages');
}

function fail(message: string): never {
  throw new Error(`python3-stripe ${pythonStripeVersion} could not be provisioned for the Python snippet tests: ${message}`);
}

function download(into: string): void {
  const run = () => spawnSync('apt-get', ['download', ...pythonStripePackages], { cwd: into, encoding: 'utf8', timeout: 120_000 });
  let result = run();
  if (result.error) fail(`apt-get is not available (${result.error.message}); install python3-stripe with your package manager.`);
  if (result.status !== 0 && typeof process.getuid === 'function' && process.getuid() === 0) {
    // A fresh machine may have no package lists yet.
    spawnSync('apt-get', ['update', '-qq'], { encoding: 'utf8', timeout: 300_000 });
    result = run();
  }
  if (result.status !== 0) {
    fail(`\`apt-get download ${pythonStripePackages.join(' ')}\` failed: ${(result.stderr || result.stdout).trim().slice(0, 600)}`);
  }
}

function cacheComplete(marker: string, wanted: string): boolean {
  return existsSync(marker) && readFileSync(marker, 'utf8') === wanted;
}

let provisioned: PythonStripe | undefined;

/**
 * The Python that imports stripe 5.0.0, provisioning the cache on first use. Safe when several
 * test processes call it at once: each unpacks into its own temporary directory and renames it
 * into place; a loser of that race uses the winner's.
 */
export function provisionPythonStripe(): PythonStripe {
  if (provisioned) return provisioned;
  const candidates = interpreters();
  if (candidates.length === 0) fail('no python3 interpreter on this machine (install Debian\'s python3).');
  for (const python of candidates) {
    if (stripeVersion(python, {}) === pythonStripeVersion) {
      provisioned = { python, env: {}, source: `${python} with the system's python3-stripe` };
      return provisioned;
    }
  }
  const python = candidates[0]!;
  const env = { PYTHONPATH: sitePackages(pythonStripeCacheDir) };
  const marker = join(pythonStripeCacheDir, 'packages.txt');
  const wanted = pythonStripePackages.join('\n');
  if (!cacheComplete(marker, wanted)) {
    mkdirSync(dirname(pythonStripeCacheDir), { recursive: true });
    const work = mkdtempSync(`${pythonStripeCacheDir}.tmp-`);
    try {
      const debs = join(work, 'debs');
      const root = join(work, 'root');
      mkdirSync(debs);
      mkdirSync(root);
      download(debs);
      for (const file of readdirSync(debs).filter((name) => name.endsWith('.deb'))) {
        execFileSync('dpkg', ['-x', join(debs, file), root], { timeout: 60_000 });
      }
      writeFileSync(join(root, 'packages.txt'), wanted);
      // A stale copy (another package list) goes; a complete one put in place meanwhile stays.
      if (existsSync(pythonStripeCacheDir) && !cacheComplete(marker, wanted)) rmSync(pythonStripeCacheDir, { recursive: true, force: true });
      try {
        renameSync(root, pythonStripeCacheDir);
      } catch (error) {
        // Another process put its copy in place first: use it.
        if (!cacheComplete(marker, wanted)) throw error;
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  const version = stripeVersion(python, env);
  if (version !== pythonStripeVersion) {
    fail(`${python} with PYTHONPATH=${env.PYTHONPATH} imports stripe ${version ?? '(nothing: the import failed)'}; ` +
      `delete ${pythonStripeCacheDir} and run again.`);
  }
  provisioned = { python, env, source: `${python} with Debian's python3-stripe unpacked in ${pythonStripeCacheDir}` };
  return provisioned;
}
