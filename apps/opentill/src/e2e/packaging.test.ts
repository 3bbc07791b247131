/**
 * What people install: `npm pack` of every published workspace, the tarballs installed into an
 * empty directory (our packages from the tarballs only, never from a registry), then
 * `npx opentill serve` from that directory, one payment through stripe-node, and the SDK imported
 * by its package name (ESM and types). Prints the tarball and installed-tree sizes.
 *
 * Third-party packages: npm needs their registry metadata to resolve version ranges, which
 * `npm ci` does not cache (it installs from the lockfile), so the install is `--prefer-offline`:
 * tarballs from the cache `npm ci` filled, metadata from the npm registry when not cached.
 * better-sqlite3 is pinned to this clone's version and given this clone's compiled addon as its
 * "local prebuild": a user's install downloads the same prebuilt binary from the project's GitHub
 * releases, which this machine cannot reach, and compiling SQLite instead takes minutes.
 * See docs/packaging.md.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type Stripe from 'stripe';
import { startServer, type RunningServer } from '@opentill/testkit';
import { stripeFor } from './helpers.js';

const run = promisify(execFile);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** The workspaces that are published (everything but the test kit). */
const publishedWorkspaces = [
  'apps/opentill',
  'packages/core',
  'packages/engine',
  'packages/protocol',
  'packages/reader-device',
  'packages/server',
  'packages/store-sqlite',
  'packages/store-postgres',
  'packages/processor-simulated',
  'packages/gateway',
  'packages/terminal-sdk',
];

interface PackedFile {
  path: string;
  size: number;
  mode: number;
}
interface Packed {
  name: string;
  version: string;
  filename: string;
  size: number;
  unpackedSize: number;
  files: PackedFile[];
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

function treeSize(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += treeSize(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}

function jsFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules') found.push(...jsFiles(path));
    else if (entry.isFile() && entry.name.endsWith('.js')) found.push(path);
  }
  return found;
}

/** This clone's better-sqlite3 addon as a prebuild-install "local prebuild" of the same version. */
async function localPrebuild(into: string): Promise<{ version: string; dir: string }> {
  const require = createRequire(join(repoRoot, 'packages/store-sqlite/package.json'));
  const packageJson = require.resolve('better-sqlite3/package.json');
  const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string };
  const dir = join(into, 'prebuilds');
  mkdirSync(dir, { recursive: true });
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  await run('tar', ['-czf', join(dir, name), '-C', dirname(packageJson), 'build/Release/better_sqlite3.node']);
  return { version, dir };
}

describe('the published packages, installed from their tarballs', () => {
  const work = mkdtempSync(join(tmpdir(), 'opentill-packaging-'));
  const packDir = join(work, 'tarballs');
  const installDir = join(work, 'app');
  let packed: Packed[] = [];
  let server: RunningServer | undefined;

  before(async () => {
    mkdirSync(packDir);
    mkdirSync(installDir);
    const { stdout } = await run(
      'npm',
      ['pack', '--json', '--pack-destination', packDir, ...publishedWorkspaces.flatMap((w) => ['-w', w])],
      { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 },
    );
    packed = JSON.parse(stdout) as Packed[];
    const prebuild = await localPrebuild(work);
    writeFileSync(
      join(installDir, 'package.json'),
      JSON.stringify({
        name: 'opentill-packaging-check',
        private: true,
        type: 'module',
        overrides: { 'better-sqlite3': prebuild.version },
      }),
    );
    await run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        ...packed.map((p) => join(packDir, p.filename)),
      ],
      {
        cwd: installDir,
        maxBuffer: 64 * 1024 * 1024,
        timeout: 240_000,
        env: { ...process.env, npm_config_better_sqlite3_local_prebuilds: prebuild.dir },
      },
    );
  });
  after(async () => {
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test('every published package is complete and carries no test code', () => {
    assert.deepEqual(packed.map((p) => p.name).sort(), [
      '@opentill/core',
      '@opentill/engine',
      '@opentill/gateway',
      '@opentill/processor-simulated',
      '@opentill/protocol',
      '@opentill/reader-device',
      '@opentill/server',
      '@opentill/store-postgres',
      '@opentill/store-sqlite',
      '@opentill/terminal-sdk',
      'opentill',
    ]);
    const lines: string[] = [];
    for (const p of packed) {
      const paths = p.files.map((f) => f.path);
      assert.ok(paths.includes('LICENSE'), `${p.name} ships its LICENSE`);
      assert.deepEqual(
        paths.filter((path) => /\.test\.|(^|\/)e2e\/|fixtures|\.tsbuildinfo|\.map$|^src\/.*\.ts$/.test(path)),
        [],
        `${p.name} ships no tests, fixtures, build state or TypeScript sources`,
      );
      const manifest = JSON.parse(
        readFileSync(
          join(
            repoRoot,
            publishedWorkspaces.find(
              (w) => JSON.parse(readFileSync(join(repoRoot, w, 'package.json'), 'utf8')).name === p.name,
            )!,
            'package.json',
          ),
          'utf8',
        ),
      ) as Record<string, unknown>;
      assert.equal(manifest.private, undefined, `${p.name} is not private`);
      for (const field of ['version', 'description', 'license', 'engines', 'files'])
        assert.ok(manifest[field], `${p.name} has ${field}`);
      const dependencies = Object.keys((manifest.dependencies ?? {}) as Record<string, string>);
      for (const testOnly of [
        '@opentill/testkit',
        'stripe',
        '@electric-sql/pglite',
        'playwright-core',
        '@sparticuz/chromium',
      ]) {
        assert.ok(!dependencies.includes(testOnly), `${testOnly} is not a runtime dependency of ${p.name}`);
      }
      lines.push(
        `  ${p.filename.padEnd(42)} ${kib(p.size).padStart(10)} packed  ${kib(p.unpackedSize).padStart(10)} unpacked  ${p.files.length} files`,
      );
    }
    const bin = packed.find((p) => p.name === 'opentill')!.files.find((f) => f.path === 'dist/main.js');
    assert.ok(bin && (bin.mode & 0o111) !== 0, 'the opentill bin is executable in the tarball');
    assert.match(readFileSync(join(repoRoot, 'apps/opentill/dist/main.js'), 'utf8'), /^#!\/usr\/bin\/env node\n/);
    const total = packed.reduce((sum, p) => sum + p.size, 0);
    console.log(`tarballs (${packed.length}):\n${lines.join('\n')}\n  total ${kib(total)}`);
  });

  test('the installed tree holds no test kit, test runner code or test-only dependency', () => {
    const modules = join(installDir, 'node_modules');
    for (const absent of [
      '@opentill/testkit',
      'stripe',
      '@electric-sql',
      'playwright-core',
      '@sparticuz',
      'typescript',
    ]) {
      assert.ok(!existsSync(join(modules, absent)), `${absent} is not installed`);
    }
    const ours = [
      join(modules, 'opentill'),
      ...readdirSync(join(modules, '@opentill')).map((n) => join(modules, '@opentill', n)),
    ];
    const offending = ours
      .flatMap(jsFiles)
      .filter((file) => /from ['"]node:(test|assert)/.test(readFileSync(file, 'utf8')));
    assert.deepEqual(
      offending.map((f) => relative(modules, f)),
      [],
      'no shipped module imports node:test or node:assert',
    );
    const oursSize = ours.reduce((sum, dir) => sum + treeSize(dir), 0);
    console.log(
      `installed: node_modules ${(treeSize(modules) / 1024 / 1024).toFixed(1)} MiB in all, ` +
        `${kib(oursSize)} of it OpenTill's own packages, ${readdirSync(modules).length} top-level entries`,
    );
  });

  test('`npx opentill serve` from the install takes a payment through stripe-node', async () => {
    const dataDir = join(work, 'data');
    server = await startServer({
      store: 'sqlite',
      name: 'packaging',
      dataDir,
      command: ['npx', '--no-install', 'opentill'],
      cwd: installDir,
    });
    const stripe = stripeFor(server, server.secretKey);
    const location = await stripe.terminal.locations.create({
      display_name: 'Packed',
      address: { line1: '1 Main St', city: 'Austin', state: 'TX', postal_code: '78701', country: 'US' },
    });
    const reader = await stripe.terminal.readers.create({ registration_code: 'simulated-wpe', location: location.id });
    const intent = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      payment_method_types: ['card_present'],
      capture_method: 'manual',
    } as Stripe.PaymentIntentCreateParams);
    await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: intent.id });
    const presented = await stripe.testHelpers.terminal.readers.presentPaymentMethod(reader.id);
    assert.equal(presented.action?.status, 'succeeded');
    const captured = await stripe.paymentIntents.capture(intent.id);
    assert.equal(captured.status, 'succeeded');
    assert.equal(captured.amount_received, 1000);
  });

  test('the SDK imports by its package name in Node (ESM) and ships types for every entry point', async () => {
    const script = join(installDir, 'check-sdk.mjs');
    writeFileSync(
      script,
      [
        "import StripeTerminal, { loadStripeTerminal, OpenTillTerminal } from '@opentill/terminal-sdk';",
        "import { createMobileTerminal } from '@opentill/terminal-sdk/mobile';",
        'const terminal = await loadStripeTerminal();',
        'console.log(JSON.stringify({ same: terminal === StripeTerminal, create: typeof terminal.create, cls: typeof OpenTillTerminal, mobile: typeof createMobileTerminal }));',
      ].join('\n'),
    );
    const { stdout } = await run(process.execPath, [script], { cwd: installDir });
    assert.deepEqual(JSON.parse(stdout), { same: true, create: 'function', cls: 'function', mobile: 'function' });
    const sdk = join(installDir, 'node_modules/@opentill/terminal-sdk');
    const manifest = JSON.parse(readFileSync(join(sdk, 'package.json'), 'utf8')) as {
      exports: Record<string, { types: string; default: string }>;
    };
    for (const [entry, target] of Object.entries(manifest.exports)) {
      assert.ok(existsSync(join(sdk, target.types)), `types of ${entry}`);
      assert.ok(existsSync(join(sdk, target.default)), `code of ${entry}`);
    }
  });
});
