/**
 * `opentill serve` configuration checks that happen before anything is written: configured keys,
 * and the modes of the data directory and the SQLite files it creates.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { opentillMain, startServer } from '@opentill/testkit';
import { raw, stopServer } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'opentill-serve-config-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs `opentill serve` with these arguments until it exits (a refused configuration exits at once). */
function serveExit(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [opentillMain, 'serve', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  // A server that starts instead of refusing is killed, so the test fails rather than hangs.
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    }),
  );
}

describe('opentill serve: configured keys', () => {
  const refused = [
    'a',
    `sk_live_${'1'.repeat(24)}`,
    `rk_test_${'1'.repeat(24)}`,
    `pk_test_${'1'.repeat(24)}`,
    'sk_test_short',
    `sk_test_${'1'.repeat(20)}!`,
  ];
  for (const key of refused) {
    it(`refuses --secret-key ${key.slice(0, 12)}… with exit code 2 and one line, writing nothing`, async () => {
      const dataDir = join(scratch, `refused-${refused.indexOf(key)}`);
      const { code, stderr } = await serveExit(['--data-dir', dataDir, '--secret-key', key]);
      assert.equal(code, 2, stderr);
      assert.match(
        stderr,
        /^opentill: --secret-key\/OPENTILL_SECRET_KEY must be a test secret key: 'sk_test_' followed by/,
      );
      assert.equal(stderr.trimEnd().split('\n').length, 1, stderr);
      assert.ok(!stderr.includes(key) || key.length < 2, 'the refused value is not echoed');
      assert.equal(existsSync(dataDir), false, 'nothing was created');
    });
  }

  it('refuses OPENTILL_SECRET_KEY the same way, and a publishable key that is not pk_test_', async () => {
    const dataDir = join(scratch, 'refused-env');
    const fromEnv = await serveExit(['--data-dir', dataDir], { OPENTILL_SECRET_KEY: `sk_live_${'2'.repeat(30)}` });
    assert.equal(fromEnv.code, 2, fromEnv.stderr);
    const publishable = await serveExit(['--data-dir', dataDir, '--publishable-key', `sk_test_${'3'.repeat(30)}`]);
    assert.equal(publishable.code, 2, publishable.stderr);
    assert.match(publishable.stderr, /must be a test publishable key/);
    assert.equal(existsSync(dataDir), false);
  });
});

describe('opentill serve: public URL', () => {
  it('refuses a --public-url that is not an http(s) origin, with exit code 2 and one line', async () => {
    for (const url of ['javascript://evil.example', 'https://till.example/path', 'https://user:pw@till.example']) {
      const dataDir = join(scratch, 'refused-url');
      const { code, stderr } = await serveExit(['--data-dir', dataDir, '--public-url', url]);
      assert.equal(code, 2, stderr);
      assert.match(stderr, /^opentill: --public-url\/OPENTILL_PUBLIC_URL must be/);
      assert.equal(stderr.trimEnd().split('\n').length, 1, stderr);
      assert.equal(existsSync(dataDir), false);
    }
  });

  it('builds screen-session URLs from OPENTILL_PUBLIC_URL, whatever the forwarded headers say', async () => {
    const server = await startServer({
      store: 'sqlite',
      name: 'public_url',
      env: {
        OPENTILL_PUBLIC_URL: 'https://till.example.com/',
        OPENTILL_TRUST_PROXY: '1',
      },
    });
    try {
      const location = await raw(server, 'POST', '/v1/terminal/locations', {
        key: server.secretKey,
        form: { display_name: 'Public', address: { country: 'FR' } },
      });
      const reader = await raw(server, 'POST', '/v1/terminal/readers', {
        key: server.secretKey,
        form: { registration_code: 'simulated-wpe', location: location.body.id },
      });
      const session = await raw(server, 'POST', `/opentill/v1/terminal/readers/${reader.body.id}/screen_sessions`, {
        key: server.secretKey,
        headers: { 'x-forwarded-proto': 'http', 'x-forwarded-host': 'evil.example' },
      });
      assert.equal(session.status, 200, session.text);
      assert.ok(
        session.body.url.startsWith(`https://till.example.com/opentill/screen/${reader.body.id}?token=`),
        session.body.url,
      );
      assert.ok(session.body.websocket_url.startsWith('wss://till.example.com/opentill/v1/screen/connect?token='));
    } finally {
      await stopServer(server);
    }
  });
});

describe('opentill serve: data directory modes', () => {
  it('creates the data dir 0700 and the SQLite file, its -wal and -shm 0600', async () => {
    const dataDir = join(scratch, 'fresh', 'data');
    const server = await startServer({ store: 'sqlite', name: 'modes', dataDir });
    try {
      // A write, so the WAL has content and both side files exist.
      const created = await raw(server, 'POST', '/v1/payment_intents', {
        key: server.secretKey,
        form: { amount: 1000, currency: 'usd', payment_method_types: ['card_present'] },
      });
      assert.equal(created.status, 200, created.text);
      assert.equal(statSync(dataDir).mode & 0o777, 0o700);
      for (const file of ['opentill.sqlite', 'opentill.sqlite-wal', 'opentill.sqlite-shm']) {
        assert.equal(statSync(join(dataDir, file)).mode & 0o777, 0o600, file);
      }
    } finally {
      await stopServer(server);
    }
  });
});
