/**
 * PostgreSQL lost under load (issue 13, bad input): the nodes of a cluster reach PostgreSQL through
 * a TCP proxy the test cuts (every open connection dropped, new ones refused: what a PostgreSQL
 * restart looks like from a node) and restores, instead of restarting the shared server. While it
 * is cut, every request through the load balancer fails cleanly: a Stripe-format 5xx `api_error`
 * with `Stripe-Should-Retry: true`, never a hang or a crash. After it is restored, the nodes serve
 * again by themselves, and a retry with the same Idempotency-Key gives exactly one object; nothing
 * acknowledged is lost.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { limits } from '@opentill/core';
import { freshSchema, startCluster, testPostgres, type FreshSchema, type RunningCluster } from '@opentill/testkit';
import { raw, type RawResponse } from './helpers.js';
import { tcpProxy, type TcpProxy } from './tcp-proxy.js';

describe('cluster: PostgreSQL cut under load', () => {
  let schema: FreshSchema;
  let proxy: TcpProxy;
  let cluster: RunningCluster;
  const create = (i: number): Promise<RawResponse> =>
    raw(cluster, 'POST', '/v1/payment_intents', {
      key: cluster.secretKey,
      headers: { 'Idempotency-Key': `outage-${i}` },
      form: { amount: 100 + i, currency: 'usd', 'payment_method_types[0]': 'card_present', 'metadata[op]': String(i) },
    });

  before(async () => {
    schema = await freshSchema((await testPostgres()).url, 'cluster-outage');
    const direct = new URL(schema.url);
    proxy = await tcpProxy(Number(direct.port || 5432));
    const through = new URL(schema.url);
    through.hostname = '127.0.0.1';
    through.port = new URL(proxy.url).port;
    cluster = await startCluster({ name: 'cluster-outage', nodes: 2, database: through.toString() });
  });
  after(async () => {
    await cluster?.stop();
    await proxy?.close();
    await schema?.drop();
  });

  it('answers retryable Stripe errors while PostgreSQL is unreachable, recovers by itself, loses nothing acknowledged', async () => {
    const total = 40;
    const workers = 4;
    const cutAfter = 10;
    const restoreAfterFailures = 8;
    const acknowledged = new Map<number, string>();
    const failures: Array<{ op: number; response: RawResponse }> = [];
    let next = 0;
    let cut = false;
    await Promise.all(
      Array.from({ length: workers }, async () => {
        while (next < total) {
          const op = next++;
          const response = await create(op);
          if (response.status === 200) acknowledged.set(op, response.body.id as string);
          else failures.push({ op, response });
          if (!cut && acknowledged.size >= cutAfter) {
            cut = true;
            proxy.cut();
          }
          if (cut && failures.length === restoreAfterFailures) proxy.restore();
        }
      }),
    );
    assert.ok(cut);
    assert.ok(failures.length >= restoreAfterFailures, `${failures.length} failures`);
    for (const { op, response } of failures) {
      assert.ok(response.status >= 500, `op ${op}: ${response.status} ${response.text}`);
      assert.equal(response.body.error.type, 'api_error', `op ${op}: ${response.text}`);
      assert.equal(response.headers.get('stripe-should-retry'), 'true', `op ${op}`);
    }
    // Recovered by itself: the same nodes (never restarted) serve again (bounded: 100 tries, 100 ms apart).
    let recovered: RawResponse | null = null;
    for (let attempt = 0; attempt < 100 && recovered?.status !== 200; attempt += 1) {
      recovered = await raw(cluster, 'GET', '/v1/payment_intents?limit=1', { key: cluster.secretKey });
      if (recovered.status !== 200) await new Promise((done) => setTimeout(done, 100));
    }
    assert.equal(recovered?.status, 200, recovered?.text);
    for (const node of cluster.nodes)
      assert.ok(node.server && node.server.process.exitCode === null, `${node.name} still runs`);
    // A key whose request was cut after claiming it stays locked for limits.idempotencyLockMs on the
    // account clock; past it, each retry completes its request once.
    await cluster.advanceClock(limits.idempotencyLockMs / 1000 + 1);
    for (const { op } of failures) {
      const retried = await create(op);
      assert.equal(retried.status, 200, `op ${op}: ${retried.text}`);
      acknowledged.set(op, retried.body.id as string);
    }
    assert.equal(acknowledged.size, total);
    const listed = new Map<string, number>();
    for (let after: string | null = null, page = 0; page < 10; page += 1) {
      const response = await raw(
        cluster,
        'GET',
        `/v1/payment_intents?limit=100${after ? `&starting_after=${after}` : ''}`,
        { key: cluster.secretKey },
      );
      assert.equal(response.status, 200, response.text);
      for (const intent of response.body.data as Array<{ id: string; metadata: { op: string } }>) {
        listed.set(intent.id, Number(intent.metadata.op));
      }
      if (!response.body.has_more) break;
      after = response.body.data.at(-1).id as string;
    }
    assert.equal(listed.size, total, 'one object per key, nothing else');
    for (const [op, id] of acknowledged) assert.equal(listed.get(id), op, `acknowledged ${id} (op ${op}) is there`);
  });
});
