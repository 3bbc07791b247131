/**
 * Debian packages the tests need (python3-stripe, haproxy) unpacked without root into
 * `node_modules/.cache/<name>/`: `apt-get download` from the Debian mirror this machine is
 * configured with, then `dpkg -x`. Later runs reuse the cache. When the package lists are missing,
 * `apt-get update` runs first (as root only).
 *
 * Safe when several test processes unpack at once: each works in its own temporary directory and
 * renames it into place; a loser of that race uses the winner's.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Where a provisioned set of packages lives: `node_modules/.cache/<name>`. */
export function debianCacheDir(name: string): string {
  return join(repoRoot, 'node_modules', '.cache', name);
}

function download(packages: readonly string[], into: string, fail: (message: string) => never): void {
  const run = () => spawnSync('apt-get', ['download', ...packages], { cwd: into, encoding: 'utf8', timeout: 120_000 });
  let result = run();
  if (result.error)
    fail(`apt-get is not available (${result.error.message}); install ${packages[0]} with your package manager.`);
  if (result.status !== 0 && typeof process.getuid === 'function' && process.getuid() === 0) {
    // A fresh machine may have no package lists yet.
    spawnSync('apt-get', ['update', '-qq'], { encoding: 'utf8', timeout: 300_000 });
    result = run();
  }
  if (result.status !== 0) {
    fail(`\`apt-get download ${packages.join(' ')}\` failed: ${(result.stderr || result.stdout).trim().slice(0, 600)}`);
  }
}

function cacheComplete(marker: string, wanted: string): boolean {
  return existsSync(marker) && readFileSync(marker, 'utf8') === wanted;
}

/**
 * Makes `cacheDir` hold exactly these packages unpacked (a file tree rooted like `/`), downloading
 * and unpacking them when the cache is missing or was made from another list. `afterUnpack` may
 * add files (a launcher script) before the tree is put in place.
 */
export function unpackDebianPackages(
  cacheDir: string,
  packages: readonly string[],
  fail: (message: string) => never,
  afterUnpack?: (root: string) => void,
): void {
  const marker = join(cacheDir, 'packages.txt');
  const wanted = packages.join('\n');
  if (cacheComplete(marker, wanted)) return;
  mkdirSync(dirname(cacheDir), { recursive: true });
  const work = mkdtempSync(`${cacheDir}.tmp-`);
  try {
    const debs = join(work, 'debs');
    const root = join(work, 'root');
    mkdirSync(debs);
    mkdirSync(root);
    download(packages, debs, fail);
    for (const file of readdirSync(debs).filter((name) => name.endsWith('.deb'))) {
      execFileSync('dpkg', ['-x', join(debs, file), root], { timeout: 60_000 });
    }
    afterUnpack?.(root);
    writeFileSync(join(root, 'packages.txt'), wanted);
    // A stale copy (another package list) goes; a complete one put in place meanwhile stays.
    if (existsSync(cacheDir) && !cacheComplete(marker, wanted)) rmSync(cacheDir, { recursive: true, force: true });
    try {
      renameSync(root, cacheDir);
    } catch (error) {
      // Another process put its copy in place first: use it.
      if (!cacheComplete(marker, wanted)) throw error;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
