/**
 * The dashboard's server side over HTTP (issue 12, "Bad input and security"): the one-time sign-in
 * link, the secret-key sign-in, cookie sessions with CSRF, sign-out, expired and forged cookies,
 * account isolation, the secret-key reveal, the static dashboard and the live streams with a cookie.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { startServer, type RunningServer } from '@opentill/testkit';
import { assertError, countAll, raw, requestTimeoutMs, stopServer, waitUntil } from './helpers.js';

const dataDir = mkdtempSync(join(tmpdir(), 'opentill-dashboard-'));
const dashboardDir = mkdtempSync(join(tmpdir(), 'opentill-dashboard-dist-'));
let a: RunningServer;
let b: RunningServer;

function signInLink(server: RunningServer): string {
  const match = /dashboard:\s+(http:\/\/\S+\/opentill\/dashboard\/sign-in\?token=\S+)/.exec(server.output());
  assert.ok(match, `no sign-in link printed:\n${server.output()}`);
  return match[1]!;
}

function cookieOf(response: Response): string {
  const header = response.headers.get('set-cookie') ?? '';
  const match = /^opentill_session=([A-Za-z0-9_-]{43});/.exec(header);
  assert.ok(match, `no session cookie: ${header}`);
  return match[1]!;
}

async function signInWithKey(server: RunningServer, secretKey: string): Promise<{ cookie: string; csrf: string }> {
  const response = await fetch(`${server.baseUrl}/opentill/dashboard/session`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ secret_key: secretKey }),
    signal: AbortSignal.timeout(requestTimeoutMs),
  });
  assert.equal(response.status, 200, await response.clone().text());
  const cookie = cookieOf(response);
  const session = await raw(server, 'GET', '/opentill/dashboard/session', {
    headers: { Cookie: `opentill_session=${cookie}` },
  });
  assert.equal(session.status, 200, session.text);
  return { cookie, csrf: session.body.csrf_token };
}

const withCookie = (cookie: string, extra: Record<string, string> = {}) => ({
  headers: { Cookie: `opentill_session=${cookie}`, ...extra },
});

function sessionRows(): number {
  const db = new Database(join(dataDir, 'opentill.sqlite'), { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM dashboard_sessions').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('dashboard sessions (sqlite)', () => {
  before(async () => {
    mkdirSync(join(dashboardDir, 'assets'));
    writeFileSync(
      join(dashboardDir, 'index.html'),
      '<!doctype html><title>OpenTill dashboard</title><script type="module" src="/opentill/dashboard/assets/app-abc.js"></script>',
    );
    writeFileSync(join(dashboardDir, 'assets', 'app-abc.js'), 'console.log("dashboard");');
    a = await startServer({ store: 'sqlite', name: 'dashboard_a', dataDir, args: ['--dashboard-dir', dashboardDir] });
    // A second account on the same database: another process configured with another key.
    // …whose dashboard directory has no build in it.
    b = await startServer({
      store: 'sqlite',
      name: 'dashboard_b',
      dataDir,
      args: ['--dashboard-dir', join(dataDir, 'no-dashboard')],
    });
  });
  after(async () => {
    await stopServer(b);
    await stopServer(a);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(dashboardDir, { recursive: true, force: true });
  });

  it('serves the built dashboard at / and its assets under /opentill/dashboard/assets/, with a strict CSP', async () => {
    const page = await fetch(`${a.baseUrl}/`, { signal: AbortSignal.timeout(requestTimeoutMs) });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /OpenTill dashboard/);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'; script-src 'self'/);
    const asset = await fetch(`${a.baseUrl}/opentill/dashboard/assets/app-abc.js`, {
      signal: AbortSignal.timeout(requestTimeoutMs),
    });
    assert.equal(asset.status, 200);
    assert.equal(await asset.text(), 'console.log("dashboard");');
    assert.match(asset.headers.get('cache-control') ?? '', /immutable/);
    // Server b has no dashboard directory: `/` says so instead of a 404.
    const bare = await fetch(`${b.baseUrl}/`, { signal: AbortSignal.timeout(requestTimeoutMs) });
    assert.equal(bare.status, 200);
    assert.match(await bare.text(), /dashboard was not built/);
  });

  it('the printed sign-in link works once: 303 to / with an httpOnly, SameSite=Strict cookie; then 401', async () => {
    const link = signInLink(a);
    const first = await fetch(link, { redirect: 'manual', signal: AbortSignal.timeout(requestTimeoutMs) });
    assert.equal(first.status, 303);
    assert.equal(first.headers.get('location'), '/');
    const setCookie = first.headers.get('set-cookie') ?? '';
    assert.match(setCookie, /; HttpOnly/);
    assert.match(setCookie, /; SameSite=Strict/);
    assert.match(setCookie, /; Path=\//);
    const cookie = cookieOf(first);
    const session = await raw(a, 'GET', '/opentill/dashboard/session', withCookie(cookie));
    assert.equal(session.status, 200);
    assert.match(session.body.account, /^acct_/);
    assert.equal(session.body.secret_key_last4, a.secretKey.slice(-4));
    assert.equal(session.body.publishable_key, a.publishableKey);
    assert.match(session.body.csrf_token, /^[A-Za-z0-9_-]{32}$/);
    assert.ok(!session.text.includes(a.secretKey), 'the secret key is never sent to the browser unasked');
    const again = await fetch(link, { redirect: 'manual', signal: AbortSignal.timeout(requestTimeoutMs) });
    assert.equal(again.status, 401);
    assert.equal(again.headers.get('set-cookie'), null);
  });

  it('unauthenticated requests to the dashboard APIs answer 401', async () => {
    assertError(await raw(a, 'GET', '/opentill/dashboard/session'), 401, { code: 'dashboard_session_invalid' });
    assertError(await raw(a, 'POST', '/opentill/dashboard/reveal_secret_key'), 401);
    assertError(await raw(a, 'GET', '/opentill/v1/request_log'), 401);
    assertError(await raw(a, 'GET', '/v1/payment_intents'), 401);
    assertError(await raw(a, 'GET', '/opentill/v1/dashboard/stream'), 401);
    assertError(await raw(a, 'POST', '/opentill/dashboard/session', { json: { secret_key: a.publishableKey } }), 401);
    assertError(await raw(a, 'POST', '/opentill/dashboard/session', { json: { secret_key: 'sk_test_wrong' } }), 401);
    assertError(await raw(a, 'POST', '/opentill/dashboard/session', { json: {} }), 400, {
      code: 'parameter_missing',
      param: 'secret_key',
    });
  });

  it('a forged cookie is refused; an expired session is refused and deleted', async () => {
    assertError(await raw(a, 'GET', '/v1/payment_intents', withCookie('A'.repeat(43))), 401, {
      code: 'dashboard_session_invalid',
    });
    assertError(await raw(a, 'GET', '/opentill/dashboard/session', withCookie('A'.repeat(43))), 401);
    const { cookie } = await signInWithKey(a, a.secretKey);
    const before = sessionRows();
    const db = new Database(join(dataDir, 'opentill.sqlite'));
    try {
      // Idle for 13 hours (the idle limit is 12).
      db.prepare('UPDATE dashboard_sessions SET last_seen_ms = last_seen_ms - ?').run(13 * 3600 * 1000);
    } finally {
      db.close();
    }
    assertError(await raw(a, 'GET', '/v1/payment_intents', withCookie(cookie)), 401, {
      code: 'dashboard_session_invalid',
    });
    assert.equal(sessionRows(), before - 1);
  });

  it('a cookie mutation without the CSRF token changes nothing (403); with it, it works as the account', async () => {
    const { cookie, csrf } = await signInWithKey(a, a.secretKey);
    const count = () => countAll((method, path) => raw(a, method, path, withCookie(cookie)), '/v1/payment_intents');
    const before = await count();
    const form = { amount: 1234, currency: 'usd', 'payment_method_types[0]': 'card_present' };
    assertError(await raw(a, 'POST', '/v1/payment_intents', { form, ...withCookie(cookie) }), 403, {
      code: 'csrf_token_invalid',
    });
    assertError(
      await raw(a, 'POST', '/v1/payment_intents', { form, ...withCookie(cookie, { 'X-CSRF-Token': 'x'.repeat(32) }) }),
      403,
      { code: 'csrf_token_invalid' },
    );
    assertError(await raw(a, 'POST', '/opentill/dashboard/reveal_secret_key', withCookie(cookie)), 403, {
      code: 'csrf_token_invalid',
    });
    assert.equal(await count(), before);
    const created = await raw(a, 'POST', '/v1/payment_intents', {
      form,
      ...withCookie(cookie, { 'X-CSRF-Token': csrf }),
    });
    assert.equal(created.status, 200, created.text);
    assert.equal(await count(), before + 1);
    const stripeSees = await raw(a, 'GET', `/v1/payment_intents/${created.body.id}`, { key: a.secretKey });
    assert.equal(stripeSees.body.amount, 1234);
    await waitUntil(
      async () =>
        (await raw(a, 'GET', `/opentill/v1/request_log/${created.headers.get('request-id')}`, withCookie(cookie)))
          .status === 200,
      "the dashboard's request in the request log",
    );
    const logged = await raw(
      a,
      'GET',
      `/opentill/v1/request_log/${created.headers.get('request-id')}`,
      withCookie(cookie),
    );
    assert.equal(logged.body.source, 'dashboard');
    const revealed = await raw(
      a,
      'POST',
      '/opentill/dashboard/reveal_secret_key',
      withCookie(cookie, { 'X-CSRF-Token': csrf }),
    );
    assert.equal(revealed.status, 200);
    assert.equal(revealed.body.secret_key, a.secretKey);
  });

  it("a session of account A gets resource_missing for B's objects and request log entries", async () => {
    const created = await raw(b, 'POST', '/v1/payment_intents', {
      key: b.secretKey,
      form: { amount: 500, currency: 'usd', 'payment_method_types[0]': 'card_present' },
    });
    assert.equal(created.status, 200, created.text);
    const { cookie } = await signInWithKey(a, a.secretKey);
    assertError(await raw(a, 'GET', `/v1/payment_intents/${created.body.id}`, withCookie(cookie)), 404, {
      code: 'resource_missing',
    });
    const requestId = created.headers.get('request-id')!;
    await waitUntil(
      async () => (await raw(b, 'GET', `/opentill/v1/request_log/${requestId}`, { key: b.secretKey })).status === 200,
      "B's request in B's log",
    );
    assertError(await raw(a, 'GET', `/opentill/v1/request_log/${requestId}`, withCookie(cookie)), 404, {
      code: 'resource_missing',
    });
    const list = await raw(a, 'GET', `/opentill/v1/request_log?q=${requestId}`, withCookie(cookie));
    assert.deepEqual(list.body.data, []);
  });

  it('webhook delivery logs and resend work with the session (resend needs the CSRF token)', async () => {
    const { cookie, csrf } = await signInWithKey(a, a.secretKey);
    const mutate = withCookie(cookie, { 'X-CSRF-Token': csrf });
    // A receiver that is not listening: the attempt fails with an error and a next retry.
    const endpoint = await raw(a, 'POST', '/v1/webhook_endpoints', {
      form: { url: 'http://127.0.0.1:9/hook', 'enabled_events[0]': 'payment_intent.created' },
      ...mutate,
    });
    assert.equal(endpoint.status, 200, endpoint.text);
    const created = await raw(a, 'POST', '/v1/payment_intents', {
      form: { amount: 700, currency: 'usd', 'payment_method_types[0]': 'card_present' },
      ...mutate,
    });
    const events = await raw(a, 'GET', `/v1/events?type=payment_intent.created&limit=100`, withCookie(cookie));
    const event = events.body.data.find(
      (item: { data: { object: { id: string } } }) => item.data.object.id === created.body.id,
    );
    assert.ok(event, "the PaymentIntent's event");
    const attemptsPath = `/opentill/v1/webhook_attempts?endpoint=${endpoint.body.id}`;
    await waitUntil(
      async () => (await raw(a, 'GET', attemptsPath, withCookie(cookie))).body.data.length >= 1,
      'a first attempt',
      30_000,
    );
    const attempt = (await raw(a, 'GET', attemptsPath, withCookie(cookie))).body.data[0];
    assert.equal(attempt.http_status, null);
    assert.equal(typeof attempt.latency_ms, 'number');
    assert.equal(typeof attempt.response_excerpt, 'string');
    assert.equal(typeof attempt.next_retry_at, 'number');
    assertError(
      await raw(a, 'POST', `/opentill/v1/events/${event.id}/resend`, {
        form: { endpoint: endpoint.body.id },
        ...withCookie(cookie),
      }),
      403,
      { code: 'csrf_token_invalid' },
    );
    const resent = await raw(a, 'POST', `/opentill/v1/events/${event.id}/resend`, {
      form: { endpoint: endpoint.body.id },
      ...mutate,
    });
    assert.equal(resent.status, 200, resent.text);
    assert.equal(resent.body.object, 'opentill.webhook_delivery');
    assert.equal(resent.body.event, event.id);
    await raw(a, 'DELETE', `/v1/webhook_endpoints/${endpoint.body.id}`, mutate);
  });

  it('sign-out ends the session server-side: the same cookie is refused afterwards', async () => {
    const { cookie } = await signInWithKey(a, a.secretKey);
    const rows = sessionRows();
    const out = await fetch(`${a.baseUrl}/opentill/dashboard/session`, {
      method: 'DELETE',
      headers: { Cookie: `opentill_session=${cookie}` },
      signal: AbortSignal.timeout(requestTimeoutMs),
    });
    assert.equal(out.status, 200);
    assert.match(out.headers.get('set-cookie') ?? '', /opentill_session=; .*Max-Age=0/);
    assert.equal(sessionRows(), rows - 1);
    assertError(await raw(a, 'GET', '/opentill/dashboard/session', withCookie(cookie)), 401);
    assertError(await raw(a, 'GET', '/v1/payment_intents', withCookie(cookie)), 401);
  });

  it('a session opens the live streams with its cookie: dashboard change notices and the events stream', async () => {
    const { cookie, csrf } = await signInWithKey(a, a.secretKey);
    const stop = new AbortController();
    try {
      const events = await fetch(`${a.baseUrl}/opentill/v1/events/stream`, {
        headers: { Cookie: `opentill_session=${cookie}` },
        signal: stop.signal,
      });
      assert.equal(events.status, 200);
      const response = await fetch(`${a.baseUrl}/opentill/v1/dashboard/stream`, {
        headers: { Cookie: `opentill_session=${cookie}` },
        signal: stop.signal,
      });
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
      const reader = response.body!.getReader();
      let text = '';
      const readUntil = async (pattern: RegExp) => {
        for (let reads = 0; reads < 200 && !pattern.test(text); reads += 1) {
          const { value, done } = await reader.read();
          if (done) break;
          text += new TextDecoder().decode(value);
        }
        assert.match(text, pattern);
      };
      await readUntil(/event: ready/);
      const created = await raw(a, 'POST', '/v1/payment_intents', {
        form: { amount: 999, currency: 'usd', 'payment_method_types[0]': 'card_present' },
        ...withCookie(cookie, { 'X-CSRF-Token': csrf }),
      });
      assert.equal(created.status, 200, created.text);
      await readUntil(new RegExp(`"type":"payment","id":"${created.body.id}"`));
      await readUntil(new RegExp(`"type":"request_log","id":"${created.headers.get('request-id')}"`));
    } finally {
      stop.abort();
    }
  });
});
