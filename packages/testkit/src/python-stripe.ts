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
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { debianCacheDir, unpackDebianPackages } from './debian-packages.js';

/** The version the issue and the Debian 12 archive name; the snippets are run through exactly it. */
export const pythonStripeVersion = '5.0.0';

/** Debian packages unpacked when the system has no `python3-stripe`: the library and what it imports. */
const pythonStripePackages = [
  'python3-stripe',
  'python3-requests',
  'python3-urllib3',
  'python3-certifi',
  'python3-idna',
  'python3-charset-normalizer',
  'python3-chardet',
  'python3-six',
] as const;

export interface PythonStripe {
  /** The interpreter to run. */
  python: string;
  /** Environment additions (`PYTHONPATH`), empty when the system's own library is used. */
  env: Record<string, string>;
  /** Where it comes from, for the run's log. */
  source: string;
}

const pythonStripeCacheDir = debianCacheDir('opentill-python-stripe');

/** Debian's interpreter first: its packages are built for it (a pyenv shim may shadow `python3`). */
function interpreters(): string[] {
  return ['/usr/bin/python3', 'python3'].filter((path) => !path.startsWith('/') || existsSync(path));
}

function stripeVersion(python: string, env: Record<string, string>): string | null {
  const result = spawnSync(python, ['-c', 'import stripe.version, requests; print(stripe.version.VERSION)'], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return result.status === 0 ? result.stdout.trim() : null;
}

function sitePackages(root: string): string {
  return join(root, 'usr', 'lib', 'python3', 'dist-packages');
}

function fail(message: string): never {
  throw new Error(
    `python3-stripe ${pythonStripeVersion} could not be provisioned for the Python snippet tests: ${message}`,
  );
}

let provisioned: PythonStripe | undefined;

/** The Python that imports stripe 5.0.0, provisioning the cache on first use (debian-packages.ts). */
export function provisionPythonStripe(): PythonStripe {
  if (provisioned) return provisioned;
  const candidates = interpreters();
  if (candidates.length === 0) fail("no python3 interpreter on this machine (install Debian's python3).");
  for (const python of candidates) {
    if (stripeVersion(python, {}) === pythonStripeVersion) {
      provisioned = { python, env: {}, source: `${python} with the system's python3-stripe` };
      return provisioned;
    }
  }
  const python = candidates[0]!;
  const env = { PYTHONPATH: sitePackages(pythonStripeCacheDir) };
  unpackDebianPackages(pythonStripeCacheDir, pythonStripePackages, fail);
  const version = stripeVersion(python, env);
  if (version !== pythonStripeVersion) {
    fail(
      `${python} with PYTHONPATH=${env.PYTHONPATH} imports stripe ${version ?? '(nothing: the import failed)'}; ` +
        `delete ${pythonStripeCacheDir} and run again.`,
    );
  }
  provisioned = { python, env, source: `${python} with Debian's python3-stripe unpacked in ${pythonStripeCacheDir}` };
  return provisioned;
}
