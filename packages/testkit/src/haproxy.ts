/**
 * Debian's `haproxy` (2.6 on Debian 12) for the cluster tests and benchmarks, provisioned by the
 * tests themselves so that `npm ci` then `npm test` pass on a fresh machine with nothing installed by
 * hand (as python-stripe.ts does for python3-stripe):
 *
 * 1. `OPENTILL_HAPROXY` (a path), else the system's `haproxy` (PATH, /usr/sbin) when it runs;
 * 2. else `apt-get download` of haproxy and the shared libraries Debian's build links that a minimal
 *    system lacks (Lua 5.3, the OpenTracing wrapper), unpacked with `dpkg -x` into
 *    `node_modules/.cache/opentill-haproxy/`, with a launcher script `haproxy` beside them that puts
 *    their library directory on LD_LIBRARY_PATH. `ldd` then must find every library.
 *
 * Any failure is an error that says what to do: the cluster tests never skip.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { debianCacheDir, unpackDebianPackages } from './debian-packages.js';

/** haproxy and the libraries of Debian 12's build that are not in a minimal system (`ldd` checks the rest). */
export const haproxyPackages = ['haproxy', 'liblua5.3-0', 'libopentracing-c-wrapper0', 'libopentracing1'] as const;

export const haproxyCacheDir = debianCacheDir('opentill-haproxy');

export interface Haproxy {
  /** The program to run (the system's binary or the cache's launcher script). */
  command: string;
  /** `HAProxy version 2.6.12-…`. */
  version: string;
  /** Where it comes from, for the run's log. */
  source: string;
}

function fail(message: string): never {
  throw new Error(`haproxy could not be provisioned for the cluster tests: ${message}`);
}

function versionOf(command: string): string | null {
  const result = spawnSync(command, ['-v'], { encoding: 'utf8', timeout: 30_000 });
  const line = result.status === 0 ? /HAProxy version \S+/.exec(result.stdout)?.[0] : undefined;
  return line ?? null;
}

/** Writes the launcher: haproxy with the unpacked libraries first on the loader's path. */
function writeLauncher(root: string): void {
  const libDirs = readdirSync(join(root, 'usr', 'lib')).filter((name) => name.endsWith('-linux-gnu'));
  const path = libDirs.map((dir) => `"$here/usr/lib/${dir}"`).join(':');
  writeFileSync(
    join(root, 'haproxy'),
    [
      '#!/bin/sh',
      "# Debian's haproxy unpacked by packages/testkit/src/haproxy.ts: its libraries come from here.",
      'here="$(cd "$(dirname "$0")" && pwd)"',
      `LD_LIBRARY_PATH=${path}\${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} exec "$here/usr/sbin/haproxy" "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(join(root, 'haproxy'), 0o755);
}

function missingLibraries(): string[] {
  const libDirs = readdirSync(join(haproxyCacheDir, 'usr', 'lib'))
    .filter((name) => name.endsWith('-linux-gnu'))
    .map((dir) => join(haproxyCacheDir, 'usr', 'lib', dir));
  const result = spawnSync('ldd', [join(haproxyCacheDir, 'usr', 'sbin', 'haproxy')], {
    encoding: 'utf8',
    env: { ...process.env, LD_LIBRARY_PATH: libDirs.join(':') },
  });
  return result.stdout
    .split('\n')
    .filter((line) => line.includes('not found'))
    .map((line) => line.trim().split(' ')[0]!);
}

let provisioned: Haproxy | undefined;

/** A runnable haproxy, provisioning the cache on first use. */
export function provisionHaproxy(): Haproxy {
  if (provisioned) return provisioned;
  const configured = process.env.OPENTILL_HAPROXY;
  const candidates = configured ? [configured] : ['haproxy', '/usr/sbin/haproxy'];
  for (const command of candidates) {
    const version = versionOf(command);
    if (version) {
      provisioned = { command, version, source: `${command} (${configured ? 'OPENTILL_HAPROXY' : "the system's"})` };
      return provisioned;
    }
  }
  if (configured) fail(`OPENTILL_HAPROXY=${configured} does not run (\`${configured} -v\` failed).`);
  unpackDebianPackages(haproxyCacheDir, haproxyPackages, fail, writeLauncher);
  const command = join(haproxyCacheDir, 'haproxy');
  const version = existsSync(command) ? versionOf(command) : null;
  if (!version) {
    const missing = missingLibraries();
    fail(
      `${command} does not run${missing.length > 0 ? ` (missing libraries: ${missing.join(', ')})` : ''}; ` +
        `delete ${haproxyCacheDir} and run again, or install Debian's haproxy.`,
    );
  }
  provisioned = { command, version, source: `Debian's haproxy unpacked in ${haproxyCacheDir}` };
  return provisioned;
}
