/**
 * Readers in a cluster of 3 nodes behind haproxy: a simulated reader's server-driven payment with
 * each call sent through the load balancer (so to different nodes), and `opentill reader` given
 * several node addresses (paired on one node, registered through the load balancer) reconnecting to
 * the next one after its node is SIGKILLed, then online
 * (presence) through the load balancer and taking a payment on its new node.
 *
 * Commands sent through a node other than the device's own are the cross-node delivery of issue
 * 13 item 1 (docs/cluster.md), covered by its own tests.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import Stripe from 'stripe';
import { opentillMain, startCluster, type RunningCluster } from '@opentill/testkit';
import { listAll, waitUntil } from './helpers.js';

type WithResponse = { lastResponse: { headers: Record<string, string> } };

describe('cluster: readers', () => {
  let cluster: RunningCluster;
  let stripe: Stripe;
  let location: Stripe.Terminal.Location;
  const nodeOf = (response: WithResponse) => response.lastResponse.headers['opentill-node']!;
  const stripeOn = (port: number) =>
    new Stripe(cluster.secretKey, {
      host: '127.0.0.1',
      port,
      protocol: 'http',
      telemetry: false,
      maxNetworkRetries: 3,
      timeout: 20_000,
    });
  const paymentIntent = () =>
    stripe.paymentIntents.create({
      amount: 1500,
      currency: 'usd',
      payment_method_types: ['card_present'],
      capture_method: 'manual',
    } as Stripe.PaymentIntentCreateParams);

  before(async () => {
    cluster = await startCluster({ name: 'cluster-readers' });
    stripe = stripeOn(cluster.port);
    location = await stripe.terminal.locations.create({
      display_name: 'HQ',
      address: { line1: '1 Main St', city: 'San Francisco', state: 'CA', postal_code: '94111', country: 'US' },
    });
  });
  after(async () => {
    await cluster?.stop();
  });

  it("runs a simulated reader's server-driven payment with every call through the load balancer", async () => {
    const answered: string[] = [];
    const reader = await stripe.terminal.readers.create({ registration_code: 'simulated-wpe', location: location.id });
    answered.push(nodeOf(reader as unknown as WithResponse));
    const intent = await paymentIntent();
    answered.push(nodeOf(intent));
    const started = await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: intent.id });
    assert.equal(started.action?.status, 'in_progress');
    answered.push(nodeOf(started));
    const polled = (await stripe.terminal.readers.retrieve(reader.id)) as Stripe.Terminal.Reader;
    assert.equal(polled.action?.status, 'in_progress');
    answered.push(nodeOf(polled as unknown as WithResponse));
    const presented = await stripe.testHelpers.terminal.readers.presentPaymentMethod(reader.id);
    assert.equal(presented.action?.status, 'succeeded');
    answered.push(nodeOf(presented));
    const captured = await stripe.paymentIntents.capture(intent.id);
    assert.equal(captured.status, 'succeeded');
    assert.equal(captured.amount_received, 1500);
    answered.push(nodeOf(captured));
    assert.equal(new Set(answered).size, 3, `answered by ${answered.join(', ')}`);
    const charges = await stripe.charges.list({ payment_intent: intent.id });
    assert.equal(charges.data.length, 1);
    const succeeded = await listAll(stripe.events.list({ type: 'terminal.reader.action_succeeded', limit: 100 }));
    assert.equal(succeeded.filter((event) => (event.data.object as { id: string }).id === reader.id).length, 1);
  });

  it('`opentill reader` reconnects to the next address after its node is SIGKILLed, online and paying there', async () => {
    const [, second, third] = cluster.nodes as [
      RunningCluster['nodes'][number],
      RunningCluster['nodes'][number],
      RunningCluster['nodes'][number],
    ];
    let output = '';
    const child: ChildProcess = spawn(
      process.execPath,
      [
        opentillMain,
        'reader',
        '--pair',
        '--api-base',
        second.url,
        '--fallback',
        third.url,
        '--auto-present',
        '4242424242424242',
        '--quiet',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const connections = () => output.match(/connected as \S+ \(\S+\) to (\S+)/g) ?? [];
    try {
      await waitUntil(async () => /Registration code: \S+/.test(output), `registration code:\n${output}`, 30_000);
      const code = /Registration code: (\S+)/.exec(output)![1]!;
      // Registered through the load balancer: whichever node answers claims the stored code, and the
      // pairing device, waiting on the second node, gets its credentials there (docs/cluster.md, Pairing).
      const reader = await stripe.terminal.readers.create({ registration_code: code, location: location.id });
      await waitUntil(async () => connections().length === 1, `connected:\n${output}`, 30_000);
      assert.match(connections()[0]!, new RegExp(`to ${second.url}$`));
      await cluster.kill(second.name);
      await waitUntil(async () => connections().length === 2, `reconnected:\n${output}`, 30_000);
      assert.match(connections()[1]!, new RegExp(`to ${third.url}$`));
      // Presence, read through the load balancer (any node): online.
      await waitUntil(
        async () => ((await stripe.terminal.readers.retrieve(reader.id)) as Stripe.Terminal.Reader).status === 'online',
        'online after the reconnection',
        30_000,
      );
      // A payment on the node the device is connected to now.
      const direct = stripeOn(third.port);
      const intent = await paymentIntent();
      await direct.terminal.readers.processPaymentIntent(reader.id, { payment_intent: intent.id });
      await waitUntil(
        async () => (await stripe.paymentIntents.retrieve(intent.id)).status === 'requires_capture',
        `payment:\n${output}`,
        30_000,
      );
      assert.equal((await stripe.charges.list({ payment_intent: intent.id })).data.length, 1);
    } finally {
      child.kill();
      await cluster.restart(second.name).catch(() => undefined);
    }
  });
});
