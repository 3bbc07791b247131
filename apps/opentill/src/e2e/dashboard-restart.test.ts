/**
 * Dashboard sessions and the request log live in the store (SQLite and PostgreSQL): a restart of
 * `opentill serve` keeps a signed-in session and the recorded requests, and the queue of request
 * log rows is written before the process exits.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { freshSchema, startServer, testPostgres } from '@opentill/testkit';
import { raw, requestTimeoutMs, stopServer, stores } from './helpers.js';

for (const store of stores) {
  describe(`dashboard session and request log across a restart (${store})`, () => {
    it('the cookie still signs in and the last requests before SIGTERM are in the log', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'opentill-restart-'));
      const schema = store === 'postgres' ? await freshSchema((await testPostgres()).url, 'dashboard restart') : null;
      const where = { dataDir, ...(schema ? { database: schema.url } : {}) };
      const first = await startServer({ store, name: 'restart_1', ...where });
      const secretKey = first.secretKey;
      let second: Awaited<ReturnType<typeof startServer>> | undefined;
      try {
        const signIn = await fetch(`${first.baseUrl}/opentill/dashboard/session`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ secret_key: secretKey }),
          signal: AbortSignal.timeout(requestTimeoutMs),
        });
        assert.equal(signIn.status, 200);
        const cookie = /opentill_session=([^;]+)/.exec(signIn.headers.get('set-cookie') ?? '')![1]!;
        const last = await raw(first, 'GET', '/v1/payment_intents/pi_before_restart', { key: secretKey });
        assert.equal(last.status, 404);
        // SIGTERM right away: the row may still be queued, and must be written at shutdown.
        await first.stop();
        second = await startServer({ store, name: 'restart_2', ...where, secretKey });
        const session = await raw(second, 'GET', '/opentill/dashboard/session', {
          headers: { Cookie: `opentill_session=${cookie}` },
        });
        assert.equal(session.status, 200, session.text);
        const logged = await raw(second, 'GET', `/opentill/v1/request_log/${last.headers.get('request-id')}`, {
          key: secretKey,
        });
        assert.equal(logged.status, 200, logged.text);
        assert.equal(logged.body.error.code, 'resource_missing');
      } finally {
        await stopServer(second);
        rmSync(dataDir, { recursive: true, force: true });
        await schema?.drop();
      }
    });
  });
}
