/**
 * The request log, the operator log and the operations endpoints over HTTP (issue 12): what is
 * recorded (and never stored: card numbers, secret keys, connection token secrets, webhook secrets,
 * grepped in the database rows), log lines with the client's Request-Id, /healthz, /readyz,
 * /metrics, `opentill logs tail` with its filters, and pruning by count.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { opentillMain, startServer, type RunningServer } from '@opentill/testkit';
import { raw, stopServer, waitUntil } from './helpers.js';

const pan = '4000056655665556';

describe('request log and operations (sqlite)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'opentill-request-log-'));
  let server: RunningServer;
  const api = (method: string, path: string, options: Parameters<typeof raw>[3] = {}) =>
    raw(server, method, path, { key: server.secretKey, ...options });
  const entry = async (id: string) => {
    await waitUntil(
      async () => (await api('GET', `/opentill/v1/request_log/${id}`)).status === 200,
      `request log entry ${id}`,
    );
    return (await api('GET', `/opentill/v1/request_log/${id}`)).body;
  };

  before(async () => {
    server = await startServer({ store: 'sqlite', name: 'request_log', dataDir });
  });
  after(async () => {
    await stopServer(server);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('records each request with its Request-Id, status, idempotency key, replay flag, error and source', async () => {
    const form = { amount: 1000, currency: 'usd', 'payment_method_types[0]': 'card_present' };
    const sentAt = Date.now();
    const first = await api('POST', '/v1/payment_intents', { form, headers: { 'Idempotency-Key': 'log-key-1' } });
    const replay = await api('POST', '/v1/payment_intents', { form, headers: { 'Idempotency-Key': 'log-key-1' } });
    const missing = await api('GET', '/v1/payment_intents/pi_missing');
    const recorded = await entry(first.headers.get('request-id')!);
    // `created` is when the request arrived (ms, whole ms: hence the 1 ms of slack).
    assert.ok(recorded.created >= sentAt - 1 && recorded.created <= Date.now(), `created ${recorded.created}`);
    assert.ok(recorded.duration_ms > 0);
    // Form arrays decode as indexed objects; the values are what matters.
    assert.deepEqual(Object.values(recorded.request_params.payment_method_types), ['card_present']);
    assert.deepEqual(
      {
        ...recorded,
        created: 0,
        duration_ms: 0,
        request_params: { ...recorded.request_params, payment_method_types: null },
      },
      {
        id: first.headers.get('request-id'),
        object: 'request_log_entry',
        created: 0,
        method: 'POST',
        path: '/v1/payment_intents',
        status: 200,
        idempotency_key: 'log-key-1',
        replayed: false,
        error: null,
        duration_ms: 0,
        source: 'secret_key',
        request_params: { amount: '1000', currency: 'usd', payment_method_types: null },
        response_body: { ...first.body, client_secret: '[REDACTED]' },
      },
    );
    assert.equal((await entry(replay.headers.get('request-id')!)).replayed, true);
    const failed = await entry(missing.headers.get('request-id')!);
    assert.deepEqual([failed.status, failed.error], [404, { type: 'invalid_request_error', code: 'resource_missing' }]);
    assert.equal(failed.response_body.error.code, 'resource_missing');
    const page = await api('GET', `/opentill/v1/request_log?status=4xx&q=${missing.headers.get('request-id')}`);
    assert.deepEqual(
      page.body.data.map((row: { id: string }) => row.id),
      [missing.headers.get('request-id')],
    );
    assert.equal(page.body.object, 'list');
    assert.equal(page.body.url, '/opentill/v1/request_log');
    const byKey = await api('GET', '/opentill/v1/request_log?q=log-key-1&method=POST&path=/v1/payment');
    assert.deepEqual(
      byKey.body.data.map((row: { id: string }) => row.id),
      [replay.headers.get('request-id'), first.headers.get('request-id')],
    );
    const bad = await api('GET', '/opentill/v1/request_log?status=6xx');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.param, 'status');
  });

  it('never stores a full card number, a secret key, a connection token secret, an SDK secret or a webhook secret', async () => {
    const card = await api('POST', '/opentill/v1/test/payment_methods', { form: { number: pan } });
    assert.equal(card.status, 200, card.text);
    const noted = await api('POST', '/v1/payment_intents', {
      form: {
        amount: 500,
        currency: 'usd',
        'payment_method_types[0]': 'card_present',
        description: `card ${pan} key ${server.secretKey}`,
      },
    });
    assert.equal(noted.status, 200, noted.text);
    const token = await api('POST', '/v1/terminal/connection_tokens');
    const tokenSecret: string = token.body.secret;
    assert.match(tokenSecret, /^pst_test_/);
    const sdk = await raw(server, 'POST', '/opentill/v1/sdk/sessions', { json: { connection_token: tokenSecret } });
    assert.equal(sdk.status, 200, sdk.text);
    const sdkSecret: string = sdk.body.secret;
    const hook = await api('POST', '/v1/webhook_endpoints', {
      form: { url: 'http://127.0.0.1:9/hook', 'enabled_events[0]': '*' },
    });
    const webhookSecret: string = hook.body.secret;
    assert.match(webhookSecret, /^whsec_/);
    const sdkEntry = await entry(sdk.headers.get('request-id')!);
    assert.equal(sdkEntry.source, 'connection_token');
    await entry(hook.headers.get('request-id')!);
    const db = new Database(join(dataDir, 'opentill.sqlite'), { readonly: true });
    let rows: string;
    try {
      rows = JSON.stringify(db.prepare('SELECT * FROM request_log').all());
    } finally {
      db.close();
    }
    assert.ok(rows.includes(card.headers.get('request-id')!), 'the card read is in the log');
    for (const secret of [pan, server.secretKey, tokenSecret, sdkSecret, webhookSecret, noted.body.client_secret]) {
      assert.ok(!rows.includes(secret), `the request log holds ${secret.slice(0, 12)}…`);
    }
    assert.ok(rows.includes('5556'), 'last four digits stay, for reading the log');
  });

  it('log lines carry the Request-Id the client saw, the account, the status, the duration and the error code', async () => {
    const missing = await api('GET', '/v1/charges/ch_missing');
    const requestId = missing.headers.get('request-id')!;
    let line: Record<string, unknown> | undefined;
    await waitUntil(async () => {
      line = server
        .output()
        .split('\n')
        .filter((text) => text.startsWith('{'))
        .map((text) => JSON.parse(text) as Record<string, unknown>)
        .find((parsed) => parsed['reqId'] === requestId && parsed['msg'] === 'request');
      return line !== undefined;
    }, 'the log line of the request');
    assert.equal(line!['status'], 404);
    assert.equal(line!['path'], '/v1/charges/ch_missing');
    assert.equal(line!['errorCode'], 'resource_missing');
    assert.match(String(line!['account']), /^acct_/);
    assert.equal(typeof line!['durationMs'], 'number');
    assert.equal(line!['level'], 30);
  });

  it('/healthz, /readyz and /metrics', async () => {
    assert.deepEqual((await raw(server, 'GET', '/healthz')).body, { status: 'ok' });
    assert.deepEqual((await raw(server, 'GET', '/readyz')).body, { status: 'ready', store: 'sqlite' });
    const response = await fetch(`${server.baseUrl}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await response.text();
    assert.match(
      text,
      /^opentill_http_request_duration_seconds_count\{method="POST",route="\/v1\/payment_intents",status_code="200"\} \d+$/m,
    );
    assert.match(
      text,
      /^opentill_http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/v1\/charges\/:id",status_code="404"\} \d+$/m,
    );
    assert.match(text, /^opentill_payment_intents_total\{status="requires_payment_method"\} [1-9]\d*$/m);
    assert.match(text, /^opentill_readers_online 0$/m);
    assert.match(text, /^opentill_webhook_backlog \d+$/m);
    assert.match(text, /^opentill_webhook_delivery_lag_seconds [\d.e+-]+$/m);
    assert.match(text, /^nodejs_eventloop_lag_seconds [\d.e+-]+$/m);
    assert.match(text, /^opentill_request_log_written_total [1-9]\d*$/m);
    assert.match(text, /^opentill_request_log_dropped_total 0$/m);
  });

  it('opentill logs tail streams the request log with filters (status, method, path) and --format json', async () => {
    const tail = (args: string[]): { child: ChildProcess; out: () => string; err: () => string } => {
      const child = spawn(
        process.execPath,
        [opentillMain, 'logs', 'tail', '--api-base', server.baseUrl, '--api-key', server.secretKey, ...args],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      let err = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
      });
      child.stderr!.on('data', (chunk: Buffer) => {
        err += chunk.toString();
      });
      return { child, out: () => out, err: () => err };
    };
    const json = tail(['--filter-status', '4xx', '--format', 'json']);
    const text = tail(['--filter-http-method', 'GET', '--filter-request-path', '/v1/payment_intents']);
    try {
      // Two CLI processes start: generous on a loaded machine (a wait, never a timed assertion).
      await waitUntil(
        async () => json.err().includes('Ready!') && text.err().includes('Ready!'),
        'both tails ready',
        60_000,
      );
      const ok = await api('GET', '/v1/payment_intents?limit=1');
      const notFound = await api('GET', '/v1/payment_intents/pi_tail_missing');
      const otherPath = await api('GET', '/v1/refunds/re_tail_missing');
      await waitUntil(
        async () =>
          json.out().includes(otherPath.headers.get('request-id')!) &&
          text.out().includes(notFound.headers.get('request-id')!),
        'the tails printed the requests',
        30_000,
      );
      const jsonLines = json
        .out()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { id: string; status: number; object: string });
      assert.deepEqual(
        jsonLines.map((line) => line.id),
        [notFound.headers.get('request-id'), otherPath.headers.get('request-id')],
      );
      assert.deepEqual(
        jsonLines.map((line) => [line.status, line.object]),
        [
          [404, 'request_log_entry'],
          [404, 'request_log_entry'],
        ],
      );
      const textLines = text.out().trim().split('\n');
      assert.equal(textLines.length, 2);
      assert.match(
        textLines[0]!,
        new RegExp(`\\[200\\] GET /v1/payment_intents \\[${ok.headers.get('request-id')}\\]`),
      );
      assert.match(
        textLines[1]!,
        new RegExp(
          `\\[404\\] GET /v1/payment_intents/pi_tail_missing \\[${notFound.headers.get('request-id')}\\] resource_missing`,
        ),
      );
    } finally {
      json.child.kill();
      text.child.kill();
    }
  });
});

describe('request log retention (sqlite)', () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer({
      store: 'sqlite',
      name: 'request_log_retention',
      args: ['--request-log-max-rows', '3'],
      env: { OPENTILL_REQUEST_LOG_PRUNE_INTERVAL_MS: '100' },
    });
  });
  after(async () => {
    await stopServer(server);
  });

  it('keeps at most --request-log-max-rows rows, the newest', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      const response = await raw(server, 'GET', `/v1/payment_intents/pi_retention_${i}`, { key: server.secretKey });
      ids.push(response.headers.get('request-id')!);
    }
    const listed = async () =>
      (await raw(server, 'GET', '/opentill/v1/request_log?limit=10', { key: server.secretKey })).body.data.map(
        (row: { id: string }) => row.id,
      ) as string[];
    await waitUntil(async () => {
      const now = await listed();
      return now.length === 3 && now[0] === ids[5];
    }, 'pruned to the newest 3');
    assert.deepEqual(await listed(), [ids[5], ids[4], ids[3]]);
  });
});
