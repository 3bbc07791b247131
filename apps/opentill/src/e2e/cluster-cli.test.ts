/**
 * `opentill cluster` as a user runs it: N nodes on one PostgreSQL behind haproxy, the address and
 * keys printed, requests spread over the nodes, the address recorded for the client commands, and
 * everything stopped by Ctrl-C (SIGINT).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Stripe from 'stripe';
import { freshSchema, provisionHaproxy, testPostgres, type FreshSchema } from '@opentill/testkit';
import { runCli, startCli } from './cli-process.js';

describe('opentill cluster', () => {
  let schema: FreshSchema;
  let dataDir: string;
  before(async () => {
    schema = await freshSchema((await testPostgres()).url, 'cluster-cli');
    dataDir = mkdtempSync(join(tmpdir(), 'opentill-cluster-cli-'));
  });
  after(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    await schema?.drop();
  });

  it('starts 2 nodes behind haproxy, serves through it, and stops them all on Ctrl-C', async () => {
    const cli = startCli([
      'cluster',
      '--nodes',
      '2',
      '--port',
      '0',
      '--database',
      schema.url,
      '--data-dir',
      dataDir,
      '--haproxy',
      provisionHaproxy().command,
    ]);
    try {
      const [, url] = await cli.waitFor(/behind haproxy on (http:\/\/\S+)/, 90_000);
      const secretKey = (await cli.waitFor(/secret key:\s+(\S+)/))[1]!;
      const pids = [...cli.output().matchAll(/node\d:\s+\S+ \(pid (\d+)\)/g)].map((match) => Number(match[1]));
      assert.equal(pids.length, 2, cli.output());
      const stripe = new Stripe(secretKey, {
        host: '127.0.0.1',
        port: Number(new URL(url!).port),
        protocol: 'http',
        maxNetworkRetries: 0,
      });
      const answered = new Set<string>();
      for (let i = 0; i < 4; i += 1) {
        const created = await stripe.paymentIntents.create({
          amount: 500,
          currency: 'usd',
          payment_method_types: ['card_present'],
        } as Stripe.PaymentIntentCreateParams);
        answered.add(created.lastResponse.headers['opentill-node']!);
      }
      assert.deepEqual(answered, new Set(['node1', 'node2']));
      // The client commands find the cluster through the recorded address and node1's keys.
      const triggered = await runCli(['trigger', 'payment_intent.succeeded', '--data-dir', dataDir]);
      assert.equal(triggered.code, 0, triggered.stderr);
      assert.equal(await cli.stop(), 0);
      for (const pid of pids) assert.throws(() => process.kill(pid, 0), /ESRCH/, `node pid ${pid} stopped`);
    } finally {
      await cli.stop();
    }
  });

  it('refuses to start without a database, with a usage error', async () => {
    const result = await runCli(['cluster', '--nodes', '2'], { env: { DATABASE_URL: '' } });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--database postgres:\/\/… is required/);
  });
});
