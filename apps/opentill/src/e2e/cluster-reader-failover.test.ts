/**
 * SIGKILL of the reader's node in the middle of a `process_payment_intent` (issue 13, Tests; the
 * failure semantics of docs/cluster.md, "Node death around an action"): 3 nodes behind haproxy, the
 * reader device connected to the victim node, every API call through the load balancer answered by
 * another node. The victim is killed at three points, each reached deterministically by the device
 * itself (no timing):
 *
 * - before the device's ack: the device holds back its ack of the command, the victim dies;
 * - during the authorization: the reader has `authorization_latency` (fault injection), so after the
 *   card read the authorization is started on the victim but waits on the account clock; the victim
 *   dies, the clock is advanced, a survivor's scheduler runs it;
 * - after the commit: the device's card read was answered `ok` (the authorization committed on the
 *   victim), then the victim dies.
 *
 * Each time the device reconnects through the load balancer (so to a survivor) and the payment is
 * captured through it. Then the test counts, from the API (any node): acknowledged writes lost,
 * authorizations (charges, `charge.succeeded` events) and captures (`charge.captured` events) per
 * PaymentIntent: 0, 1 and 1 — the payment completes once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Stripe from 'stripe';
import { startCluster, type RunningCluster } from '@opentill/testkit';
import {
  action,
  actionOf,
  awayFrom,
  clusterReaderEnv,
  manualIntent,
  pairReaderOn,
  stripeAt,
} from './cluster-reader-fixture.js';
import { cardRead, TestDevice, type Credential } from './reader-device-client.js';

/** The reader label at which a node kills itself after claiming the authorization (serve.ts, test-only). */
const crashLabel = 'crash-after-claim';

describe("cluster: the reader's node SIGKILLed during process_payment_intent", () => {
  let cluster: RunningCluster;
  let stripe: Stripe;
  let reader: Stripe.Terminal.Reader;
  let credential: Credential;
  let victim = 'node1';
  let away: ReturnType<typeof awayFrom>;
  const open: TestDevice[] = [];
  /** Every write the API acknowledged (HTTP 200 or the device's `ok`), checked after each kill. */
  const acknowledged: Array<{ what: string; check: () => Promise<boolean> }> = [];

  const nodeUrl = (name: string) => cluster.nodes.find((node) => node.name === name)!.url;
  const readerNow = async () =>
    (await away.ok('retrieve the reader', () => stripe.terminal.readers.retrieve(reader.id))) as Stripe.Terminal.Reader;
  const paymentIntent = async (amount: number) => {
    const created = await away.ok('create a PaymentIntent', () => manualIntent(stripe, amount));
    acknowledged.push({
      what: `PaymentIntent ${created.id}`,
      check: async () => (await stripe.paymentIntents.retrieve(created.id)).amount === amount,
    });
    return created;
  };
  /** The device of the reader, connected straight to `node` (it becomes the victim). */
  const deviceOn = async (node: string) => {
    victim = node;
    const device = await TestDevice.connect(nodeUrl(node), credential);
    open.push(device);
    return device;
  };
  /** The device reconnects through the load balancer: haproxy sends it to a survivor. */
  const reconnect = async (actionId: string | null) => {
    const device = await TestDevice.connect(cluster.url, credential, actionId);
    open.push(device);
    return device;
  };
  /** Polls the reader (bounded: 100 reads) until its action is final. */
  const finalAction = async () => {
    let current = await readerNow();
    for (let attempt = 0; attempt < 100 && current.action?.status === 'in_progress'; attempt += 1) {
      await new Promise((done) => setTimeout(done, 50));
      current = await readerNow();
    }
    return current.action;
  };
  const eventsAbout = async (type: string, id: string, field: 'id' | 'payment_intent') => {
    const events = await away.ok(`list ${type}`, () => stripe.events.list({ type, limit: 100 }));
    assert.equal(events.has_more, false);
    return events.data.filter((event) => (event.data.object as unknown as Record<string, unknown>)[field] === id)
      .length;
  };
  /**
   * Captures the payment through the load balancer, then counts: lost acknowledged writes 0, one
   * authorization, one capture (a second capture is refused), one action_succeeded.
   */
  const capturedOnce = async (intent: Stripe.PaymentIntent) => {
    const lost = [];
    for (const write of acknowledged) if (!(await write.check())) lost.push(write.what);
    assert.deepEqual(lost, [], 'acknowledged writes lost');
    const captured = await away.ok('capture', () => stripe.paymentIntents.capture(intent.id));
    assert.deepEqual([captured.status, captured.amount_received], ['succeeded', intent.amount]);
    const again = await away.fails('capture again', () => stripe.paymentIntents.capture(intent.id));
    assert.deepEqual([again.statusCode, again.code], [400, 'payment_intent_unexpected_state']);
    const charges = await away.ok('list the charges', () => stripe.charges.list({ payment_intent: intent.id }));
    assert.deepEqual(
      charges.data.map((charge) => [charge.status, charge.captured, charge.amount, charge.amount_captured]),
      [['succeeded', true, intent.amount, intent.amount]],
      'one authorization, captured once',
    );
    const charge = charges.data[0]!.id;
    assert.deepEqual(
      {
        authorizations: await eventsAbout('charge.succeeded', intent.id, 'payment_intent'),
        captures: await eventsAbout('charge.captured', charge, 'id'),
        capturable: await eventsAbout('payment_intent.amount_capturable_updated', intent.id, 'id'),
        succeeded: await eventsAbout('payment_intent.succeeded', intent.id, 'id'),
      },
      { authorizations: 1, captures: 1, capturable: 1, succeeded: 1 },
    );
    const actions = await away.ok('list action_succeeded', () =>
      stripe.events.list({ type: 'terminal.reader.action_succeeded', limit: 100 }),
    );
    assert.equal(
      actions.data.filter(
        (event) =>
          ((event.data.object as Stripe.Terminal.Reader).action?.process_payment_intent as { payment_intent: string })
            ?.payment_intent === intent.id,
      ).length,
      1,
      'one action_succeeded for the payment',
    );
  };

  before(async () => {
    cluster = await startCluster({
      name: 'cluster-failover',
      env: { ...clusterReaderEnv, OPENTILL_TEST_CRASH_AFTER_AUTHORIZATION_CLAIM: crashLabel },
    });
    away = awayFrom(cluster, () => victim);
    stripe = stripeAt(cluster.port, cluster.secretKey, away.route);
    const location = await stripe.terminal.locations.create({ display_name: 'HQ', address: { country: 'US' } });
    const paired = await pairReaderOn(cluster.nodes[0]!, cluster.secretKey, location.id);
    reader = paired.reader;
    credential = paired.credential;
    paired.device.close();
    await paired.device.closed;
  });
  after(async () => {
    for (const device of open) device.close();
    await cluster?.stop();
  });

  it("before the device's ack: terminal_reader_timeout, the action kept; the device resumes it on a survivor", async () => {
    const device = await deviceOn('node1');
    const intent = await paymentIntent(3100);
    device.autoAck = false;
    const call = away.fails('process_payment_intent', () =>
      stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: intent.id }),
    );
    // node1 took the command row and wrote the command to the device: it dies before any ack.
    const command = actionOf(await device.command());
    await cluster.kill('node1');
    await device.closed;
    const failure = await call;
    assert.deepEqual([failure.statusCode, failure.code], [400, 'terminal_reader_timeout']);
    // The sender cannot know whether the device got it: the action is kept (docs/cluster.md).
    assert.deepEqual(
      (await readerNow()).action,
      action('process_payment_intent', 'in_progress', { payment_intent: intent.id }),
    );
    // The device reconnects through haproxy; the survivor takes the reader over and resumes the action.
    const moved = await reconnect(null);
    const resumed = actionOf(await moved.command());
    assert.deepEqual([resumed.id, resumed.type, resumed.amount], [command.id, 'process_payment_intent', 3100]);
    assert.equal((await moved.event(cardRead(resumed.id))).ok, true);
    assert.deepEqual(await finalAction(), action('process_payment_intent', 'succeeded', { payment_intent: intent.id }));
    await capturedOnce(intent);
    moved.close();
    await cluster.restart('node1');
  });

  it("during the authorization: a survivor's scheduler runs it once", async () => {
    const device = await deviceOn('node2');
    const faults = `/opentill/v1/test/terminal/readers/${reader.id}`;
    assert.equal((await away.raw('POST', `${faults}/authorization_latency`, { seconds: 30 })).status, 200);
    const intent = await paymentIntent(3200);
    const started = await away.ok('process_payment_intent', () =>
      stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: intent.id }),
    );
    assert.equal(started.action?.status, 'in_progress');
    const command = actionOf(await device.latestCommand());
    // The card read is reported to node2, which starts the authorization (due in 30 s of account time).
    assert.equal((await device.event(cardRead(command.id))).ok, true);
    assert.equal(
      (await away.ok('retrieve the PaymentIntent', () => stripe.paymentIntents.retrieve(intent.id))).status,
      'requires_payment_method',
    );
    await cluster.kill('node2');
    await device.closed;
    // The authorization falls due: one survivor's scheduler claims it and commits it.
    await cluster.advanceClock(31);
    assert.deepEqual(await finalAction(), action('process_payment_intent', 'succeeded', { payment_intent: intent.id }));
    const moved = await reconnect(command.id);
    await capturedOnce(intent);
    assert.equal((await away.raw('POST', `${faults}/reset`)).status, 200);
    moved.close();
    await cluster.restart('node2');
  });

  it('after the commit: nothing lost, the payment captured once through a survivor', async () => {
    const device = await deviceOn('node3');
    const intent = await paymentIntent(3300);
    await away.ok('process_payment_intent', () =>
      stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: intent.id }),
    );
    const command = actionOf(await device.latestCommand());
    const read = await device.event(cardRead(command.id));
    assert.equal(read.ok, true);
    // node3 answered the card read: the authorization and the action's end are committed. It dies.
    acknowledged.push({
      what: `authorization of ${intent.id}`,
      check: async () => (await stripe.paymentIntents.retrieve(intent.id)).status !== 'requires_payment_method',
    });
    await cluster.kill('node3');
    await device.closed;
    const authorized = await away.ok('retrieve the PaymentIntent', () => stripe.paymentIntents.retrieve(intent.id));
    assert.deepEqual([authorized.status, authorized.amount_capturable], ['requires_capture', 3300]);
    assert.deepEqual(
      (await readerNow()).action,
      action('process_payment_intent', 'succeeded', { payment_intent: intent.id }),
    );
    const moved = await reconnect(command.id);
    await capturedOnce(intent);
    moved.close();
    await cluster.restart('node3');
  });

  it('during the authorization, claimed and never committed: it fails with connection_error, nothing charged; a retry pays once', async () => {
    const device = await deviceOn('node1');
    // The marked label arms node1's fault point: it dies right after committing the claim.
    await away.ok('label the reader', () => stripe.terminal.readers.update(reader.id, { label: crashLabel }));
    const intent = await paymentIntent(3400);
    await away.ok('process_payment_intent', () =>
      stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: intent.id }),
    );
    const command = actionOf(await device.latestCommand());
    device.send({ type: 'event', event: cardRead(command.id) });
    // node1 claims the authorization and dies before authorizing: the device never gets an answer.
    assert.equal((await device.closed).code, 1006);
    const victimProcess = cluster.nodes[0]!.server!.process;
    const signal =
      victimProcess.exitCode === null && victimProcess.signalCode === null
        ? await new Promise((done) => victimProcess.once('exit', (_code, signal) => done(signal)))
        : victimProcess.signalCode;
    assert.equal(signal, 'SIGKILL');
    await cluster.kill('node1');
    await away.ok('unlabel the reader', () => stripe.terminal.readers.update(reader.id, { label: 'Till' }));
    // Nothing committed the PaymentIntent; the reader's deadline for a claimed authorization passes
    // and a survivor's scheduler fails the action (docs/terminal.md: 60 s, connection_error).
    assert.equal(
      (await away.ok('retrieve the PaymentIntent', () => stripe.paymentIntents.retrieve(intent.id))).status,
      'requires_payment_method',
    );
    await cluster.advanceClock(61);
    assert.deepEqual(
      await finalAction(),
      action('process_payment_intent', 'failed', { payment_intent: intent.id }, [
        'connection_error',
        'Could not connect to Stripe.',
      ]),
    );
    assert.deepEqual(
      (await away.ok('list the charges', () => stripe.charges.list({ payment_intent: intent.id }))).data,
      [],
    );
    // The PaymentIntent is processed again, the device (reconnected to a survivor) reads the card once.
    const moved = await reconnect(null);
    await away.ok('process_payment_intent again', () =>
      stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: intent.id }),
    );
    const again = actionOf(await moved.latestCommand());
    const read = await moved.event(cardRead(again.id));
    assert.deepEqual(
      [read.ok, read.error],
      [true, null],
      `first action ${command.id}; frames ${JSON.stringify(moved.frames)}`,
    );
    assert.deepEqual(await finalAction(), action('process_payment_intent', 'succeeded', { payment_intent: intent.id }));
    await capturedOnce(intent);
    moved.close();
    await cluster.restart('node1');
  });
});
