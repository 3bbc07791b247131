/**
 * Three failure cases of issue 13 ("Scale out on PostgreSQL") end to end, on one cluster of 3 nodes
 * behind haproxy whose PostgreSQL is reached through a TCP proxy the test controls (tcp-proxy.ts, as
 * cluster-store-outage.test.ts does); the reader device is a WebSocket TestDevice on node1:
 *
 * - the virtual screen through the load balancer: the viewer answered by another node (the
 *   `OpenTill-Node` header of its WebSocket upgrade), the action started through a third node, the
 *   touch sent through the viewer reaching the device;
 * - SIGKILL of the node that SENT a reader command while it waits for the device's ack
 *   (docs/cluster.md, "Node death around an action", row "B (sent the command)");
 * - PostgreSQL cut while reader actions are in flight and while new ones start (docs/cluster.md,
 *   "PostgreSQL lost during reader traffic").
 *
 * Every raw request names its node and is checked on `OpenTill-Node`; every count is exact.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import type { ServerFrame } from '@opentill/reader-device';
import { limits } from '@opentill/core';
import {
  freshSchema,
  startCluster,
  testPostgres,
  testRouteHeader,
  type FreshSchema,
  type RunningCluster,
} from '@opentill/testkit';
import { actionOf, clusterReaderEnv, nodeCalls, pairReaderOn } from './cluster-reader-fixture.js';
import { listAllRaw, raw, waitUntil, type RawResponse } from './helpers.js';
import { cardRead, TestDevice, type Credential } from './reader-device-client.js';
import { tcpProxy, type TcpProxy } from './tcp-proxy.js';

type Screen = { type: string; state?: { screen: string; message?: string | null; amount?: number } };

describe('cluster: reader failures (sender killed, screen through haproxy, PostgreSQL cut)', () => {
  let schema: FreshSchema;
  let proxy: TcpProxy;
  let cluster: RunningCluster;
  let readerId: string;
  let locationId: string;
  let credential: Credential;
  let device: TestDevice;
  const open: TestDevice[] = [];

  const { nodeOf, on, ok, finalAction, payOnce } = nodeCalls({
    cluster: () => cluster,
    readerId: () => readerId,
    device: () => device,
  });
  const createIntent = (name: string, amount: number, key: string) =>
    on(
      name,
      'POST',
      '/v1/payment_intents',
      { amount, currency: 'usd', 'payment_method_types[0]': 'card_present', capture_method: 'manual' },
      key,
    );
  const processIntent = (name: string, intent: string, key: string) =>
    on(name, 'POST', `/v1/terminal/readers/${readerId}/process_payment_intent`, { payment_intent: intent }, key);
  const connectDevice = async (url: string) => {
    const connected = await TestDevice.connect(url, credential);
    open.push(connected);
    device = connected;
  };
  /** The device's action commands named by id (each copy the device was sent). */
  const commandsFor = (actionId: string) =>
    device.frames.filter(
      (frame) =>
        frame.type === 'command' &&
        frame.command.type === 'action' &&
        (frame.command as unknown as { action: { id: string } }).action.id === actionId,
    ).length;

  before(async () => {
    schema = await freshSchema((await testPostgres()).url, 'cluster-reader-faults');
    proxy = await tcpProxy(Number(new URL(schema.url).port || 5432));
    const through = new URL(schema.url);
    through.hostname = '127.0.0.1';
    through.port = new URL(proxy.url).port;
    // A lease (30 s) longer than any cut here: the device's node keeps a live lease across the cut
    // (its renewals fail meanwhile), so the other nodes address it the moment PostgreSQL is back.
    // A cut longer than the lease, the device connected throughout: cluster-reader-pg-cut.test.ts.
    cluster = await startCluster({
      name: 'cluster-reader-faults',
      database: through.toString(),
      env: { ...clusterReaderEnv, OPENTILL_READER_LEASE_MS: '30000' },
    });
    const location = await ok('node2', 'POST', '/v1/terminal/locations', {
      display_name: 'HQ',
      'address[country]': 'US',
    });
    locationId = location.id as string;
    const paired = await pairReaderOn(nodeOf('node1'), cluster.secretKey, locationId);
    readerId = paired.reader.id;
    credential = paired.credential;
    paired.device.close();
    await paired.device.closed;
    await connectDevice(nodeOf('node1').url);
  });
  after(async () => {
    for (const each of open) each.close();
    await cluster?.stop();
    await proxy?.close();
    await schema?.drop();
  });

  it('the virtual screen through haproxy: the viewer on another node sees an action started on a third, its touch reaches the device', async () => {
    device.send({ type: 'screen', state: { screen: 'splash', message: 'Welcome' } });
    // The screen session and the viewer's WebSocket go through the load balancer, pinned (the test
    // cluster's route header) to node2 and node3, never node1, the device's node.
    const session = await raw(cluster, 'POST', `/opentill/v1/terminal/readers/${readerId}/screen_sessions`, {
      key: cluster.secretKey,
      headers: { [testRouteHeader]: 'node2' },
    });
    assert.equal(session.status, 200, session.text);
    assert.equal(session.headers.get('opentill-node'), 'node2');
    const websocketUrl = session.body.websocket_url as string;
    assert.ok(websocketUrl.startsWith(cluster.url.replace(/^http/, 'ws')), websocketUrl);
    const viewer = new WebSocket(websocketUrl, { headers: { [testRouteHeader]: 'node3' } });
    const screens: Screen[] = [];
    viewer.on('message', (data) => screens.push(JSON.parse(data.toString()) as Screen));
    const viewerNode = await new Promise<string | undefined>((resolve, reject) => {
      viewer.once('upgrade', (response) => resolve(response.headers['opentill-node'] as string | undefined));
      viewer.once('error', reject);
    });
    await new Promise((resolve) =>
      viewer.readyState === WebSocket.OPEN ? resolve(null) : viewer.once('open', resolve),
    );
    try {
      assert.equal(viewerNode, 'node3', `the viewer was answered by ${viewerNode}`);
      const third = ['node2', 'node3'].find((name) => name !== viewerNode)!;
      // The first screen is the one node1 kept for its device.
      await waitUntil(() => screens.some((m) => m.state?.message === 'Welcome'), 'the kept screen');
      // An action started through the third node: node1 delivers it, the device shows it, the viewer sees it.
      const intent = await ok(third, 'POST', '/v1/payment_intents', {
        amount: 1500,
        currency: 'usd',
        'payment_method_types[0]': 'card_present',
        capture_method: 'manual',
      });
      const started = await ok(third, 'POST', `/v1/terminal/readers/${readerId}/process_payment_intent`, {
        payment_intent: intent.id,
      });
      assert.deepEqual([started.action.type, started.action.status], ['process_payment_intent', 'in_progress']);
      const command = actionOf(await device.latestCommand());
      device.send({
        type: 'screen',
        state: {
          screen: 'collect',
          amount: 1500,
          currency: 'usd',
          purpose: 'payment',
          cancelable: true,
          cards: [],
          read_methods: ['contactless_emv'],
          wallets: [],
        },
      });
      await waitUntil(
        () => screens.some((m) => m.state?.screen === 'collect' && m.state.amount === 1500),
        'the collect screen on the viewer',
      );
      // The customer taps a card on the viewer (through haproxy, on viewerNode): it reaches the device on node1.
      const tap = { type: 'present_card', number: '4242424242424242', read_method: 'contactless_emv', wallet: null };
      viewer.send(JSON.stringify({ type: 'input', input: tap }));
      const forwarded = (await device.next('customer_input')) as Extract<ServerFrame, { type: 'customer_input' }>;
      assert.deepEqual(forwarded.input, tap);
      // The device reads that card: the payment is authorized once, the viewer sees the result.
      assert.equal((await device.event(cardRead(command.id))).ok, true);
      device.send({
        type: 'screen',
        state: { screen: 'result', outcome: 'approved', message: 'Approved', amount: 1500, currency: 'usd' },
      });
      await waitUntil(() => screens.some((m) => m.state?.screen === 'result'), 'the result screen on the viewer');
      assert.equal(commandsFor(command.id), 1);
      const final = await finalAction(third);
      assert.deepEqual([final.type, final.status], ['process_payment_intent', 'succeeded']);
      assert.equal(screens.filter((m) => m.type === 'input_rejected').length, 0, JSON.stringify(screens));
    } finally {
      viewer.close();
    }
  });

  it('the node that sent process_payment_intent SIGKILLed while it waits: carried out at most once, the retry gives one outcome, the payment completes once', async () => {
    const intent = (await createIntent('node2', 4100, 'sender-intent')).body;
    assert.match(String(intent.id), /^pi_/);
    device.autoAck = false;
    // node2 sends the command: a row for node1, which takes it and writes the command to the device.
    const call = processIntent('node2', intent.id as string, 'sender-process').then(
      () => 'answered',
      () => 'dropped',
    );
    const firstFrame = await device.command();
    const first = actionOf(firstFrame);
    assert.deepEqual([first.type, first.amount], ['process_payment_intent', 4100]);
    // node2 dies before the device's ack: its client sees the connection drop, nothing answered.
    await cluster.kill('node2');
    assert.equal(await call, 'dropped');
    // The device acks late: node1 records the outcome in the row; nobody commits it (node2 is gone).
    device.send({ type: 'ack', command_id: firstFrame.command_id });
    device.autoAck = true;
    const reader = await ok('node3', 'GET', `/v1/terminal/readers/${readerId}`);
    assert.notEqual(reader.action?.process_payment_intent?.payment_intent, intent.id, 'no action recorded');
    assert.notEqual(reader.action?.status, 'in_progress', 'no action recorded');
    // The device's answer to that action is refused: no action of this id was committed.
    const orphan = await device.event(cardRead(first.id));
    assert.equal(orphan.ok, false, JSON.stringify(orphan));
    assert.match(String(orphan.error?.message), /is not the current action/);
    assert.equal(
      (await ok('node3', 'GET', `/v1/payment_intents/${intent.id}`)).status,
      'requires_payment_method',
      'nothing authorized by the orphan action',
    );
    // The retry with the same key through a survivor: first the key is still held by the dead request.
    const locked = await processIntent('node3', intent.id as string, 'sender-process');
    assert.deepEqual([locked.status, locked.body.error?.code], [409, 'idempotency_key_in_use']);
    // Past the key's lock (account clock), the retry runs once: one new action, delivered by node1.
    await cluster.advanceClock(limits.idempotencyLockMs / 1000 + 1);
    const retried = await processIntent('node3', intent.id as string, 'sender-process');
    assert.equal(retried.status, 200, retried.text);
    assert.deepEqual([retried.body.action.type, retried.body.action.status], ['process_payment_intent', 'in_progress']);
    // A second retry replays that answer: no further command to the device.
    const replayed = await processIntent('node1', intent.id as string, 'sender-process');
    assert.deepEqual([replayed.status, replayed.body], [200, retried.body]);
    assert.equal(commandsFor(first.id), 1, 'the first command row carried out once');
    await payOnce(intent.id as string, 4100, 'node3');
    const second = actionOf(
      device.frames.findLast((f) => f.type === 'command' && f.command.type === 'action') as never,
    );
    assert.notEqual(second.id, first.id);
    assert.equal(commandsFor(second.id), 1);
    await cluster.restart('node2');
  });

  it('PostgreSQL cut during reader traffic: clean retryable errors, recovery by itself, one object per key, nothing acknowledged lost', async () => {
    const acknowledged: string[] = [];
    const inFlight = await createIntent('node2', 5100, 'cut-intent-1');
    const startedDuring = await createIntent('node3', 5200, 'cut-intent-2');
    assert.deepEqual([inFlight.status, startedDuring.status], [200, 200]);
    acknowledged.push(inFlight.body.id, startedDuring.body.id);
    // An action in flight: node2 sent it, node1 wrote it to the device, which holds back its ack.
    device.autoAck = false;
    const flying = processIntent('node2', inFlight.body.id as string, 'cut-process-1');
    const held = await device.command();
    proxy.cut();
    device.send({ type: 'ack', command_id: held.command_id });
    device.autoAck = true;
    const failures: Array<[string, RawResponse]> = [['in flight', await flying]];
    // Started during the cut, through each node.
    failures.push(['started on node3', await processIntent('node3', startedDuring.body.id as string, 'cut-process-2')]);
    failures.push(['started on node1', await processIntent('node1', startedDuring.body.id as string, 'cut-process-3')]);
    failures.push(['created on node2', await createIntent('node2', 5300, 'cut-intent-3')]);
    for (const [what, response] of failures) {
      assert.ok(response.status >= 500, `${what}: ${response.status} ${response.text}`);
      assert.equal(response.body.error.type, 'api_error', `${what}: ${response.text}`);
      assert.equal(response.headers.get('stripe-should-retry'), 'true', what);
    }
    // The device's connection stays up: its card read for the held action is answered, cleanly
    // refused (the reader cannot be read), on the same socket.
    const during = await device.event(cardRead(actionOf(held).id));
    assert.deepEqual([during.ok, during.error?.code], [false, 'api_error'], JSON.stringify(during));
    assert.equal(device.ws.readyState, WebSocket.OPEN);
    // The device loses its connection during the cut and connects again through haproxy: its hello
    // cannot be checked, so the node closes with 1011 and no fatal frame (not `unknown_reader`,
    // which would make a device stop reconnecting), and the device tries again later.
    device.close();
    await device.closed;
    const early = await TestDevice.open(cluster.url, '/opentill/v1/readers/connect');
    early.send({
      type: 'hello',
      protocol: 'opentill-reader/1',
      account: credential.account,
      reader_id: credential.readerId,
      secret: credential.secret,
      action_id: null,
    });
    assert.equal((await early.closed).code, 1011);
    assert.deepEqual(
      early.frames.map((frame) => frame.type),
      [],
      `no welcome, no fatal error: ${JSON.stringify(early.frames)}`,
    );
    proxy.restore();
    // The nodes recover by themselves (never restarted; bounded: 100 tries per node).
    for (const node of cluster.nodes) {
      let status = 0;
      for (let attempt = 0; attempt < 100 && status !== 200; attempt += 1) {
        status = (await on(node.name, 'GET', `/v1/terminal/readers/${readerId}`)).status;
        if (status !== 200) await new Promise((done) => setTimeout(done, 100));
      }
      assert.equal(status, 200, `${node.name} serves again`);
      assert.ok(node.server && node.server.process.exitCode === null, `${node.name} still runs`);
    }
    // The device connects again through haproxy: a survivor takes the reader over at once (the
    // lease node1 could not release during the cut is taken over on its epoch).
    await connectDevice(cluster.url);
    await waitUntil(
      async () => (await ok('node3', 'GET', `/v1/terminal/readers/${readerId}`)).status === 'online',
      'the reader online',
    );
    // Keys claimed before the cut stay locked until limits.idempotencyLockMs on the account clock.
    await cluster.advanceClock(limits.idempotencyLockMs / 1000 + 1);
    const created = await createIntent('node3', 5300, 'cut-intent-3');
    assert.equal(created.status, 200, created.text);
    acknowledged.push(created.body.id);
    // Each reader request retried with its key: one action each, paid and captured once.
    const first = await processIntent('node3', inFlight.body.id as string, 'cut-process-1');
    assert.equal(first.status, 200, first.text);
    await payOnce(inFlight.body.id as string, 5100, 'node2');
    const second = await processIntent('node1', startedDuring.body.id as string, 'cut-process-2');
    assert.equal(second.status, 200, second.text);
    await payOnce(startedDuring.body.id as string, 5200, 'node2');
    // Retried again: the stored answers, no new action.
    for (const [key, intent, answer] of [
      ['cut-process-1', inFlight.body.id, first.body],
      ['cut-process-2', startedDuring.body.id, second.body],
    ] as const) {
      const replay = await processIntent('node2', intent as string, key);
      assert.deepEqual([replay.status, replay.body], [200, answer], key);
    }
    const again = await createIntent('node1', 5300, 'cut-intent-3');
    assert.deepEqual([again.status, again.body.id], [200, created.body.id]);
    // One object per key, nothing acknowledged lost.
    const intents = await listAllRaw((m, p) => on('node2', m, p), '/v1/payment_intents');
    const ids = intents.map((each) => each.id as string);
    for (const id of acknowledged) assert.ok(ids.includes(id), `acknowledged ${id} is there`);
    assert.deepEqual(
      [5100, 5200, 5300].map((amount) => intents.filter((each) => each.amount === amount).length),
      [1, 1, 1],
      'one PaymentIntent per key',
    );
  });
});
