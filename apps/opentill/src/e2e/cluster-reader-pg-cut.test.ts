/**
 * PostgreSQL cut for longer than the reader lease while a device stays connected (docs/cluster.md,
 * "PostgreSQL lost during reader traffic"), end to end on 3 nodes behind haproxy. Each node reaches
 * PostgreSQL through its own TCP proxy (tcp-proxy.ts), so the test can cut the whole database off
 * and give it back to some nodes before others. The lease is short (3 s, renewed every second), so
 * a cut of a few seconds outlasts it; the device (a WebSocket TestDevice on node1) never reconnects.
 *
 * - The holder's cut outlasts the lease while the other nodes are back: a viewer of the virtual
 *   screen on node2 shows the lease expire (its kept screen turns `offline`), a command through
 *   node2 answers `terminal_reader_timeout` with nothing recorded; once node1 reaches PostgreSQL
 *   again its renewal takes the lease back by itself (the viewer shows the kept screen again, the
 *   same epoch: no takeover) and a `process_payment_intent` through node2 reaches the device, which
 *   completes the payment once.
 * - The whole cluster cut for longer than the lease and restored at once: the device's socket stays
 *   open; commands through another node answer `terminal_reader_timeout` (nothing recorded) or a
 *   retryable error until node1's next renewal, then one reaches the device, its card read is
 *   answered ok and the payment is authorized and captured once.
 *
 * Every raw request names its node and is checked on `OpenTill-Node`; every count is exact.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { freshSchema, startCluster, testPostgres, type FreshSchema, type RunningCluster } from '@opentill/testkit';
import { clusterReaderEnv, nodeCalls, pairReaderOn } from './cluster-reader-fixture.js';
import { waitUntil, type RawResponse } from './helpers.js';
import { TestDevice, type Credential } from './reader-device-client.js';
import { tcpProxy, type TcpProxy } from './tcp-proxy.js';

type Screen = { type: string; state?: { screen: string; message?: string | null } };

/** Short enough that a cut of a few seconds outlasts it; renewed every leaseMs / 3. */
const leaseMs = 3_000;
const names = ['node1', 'node2', 'node3'] as const;

describe('cluster: PostgreSQL cut longer than the reader lease, the device connected throughout', () => {
  let schema: FreshSchema;
  const proxies = new Map<string, TcpProxy>();
  let cluster: RunningCluster;
  let readerId: string;
  let credential: Credential;
  let device: TestDevice;

  const { nodeOf, on, ok, payOnce } = nodeCalls({
    cluster: () => cluster,
    readerId: () => readerId,
    device: () => device,
  });
  const cut = (...which: string[]) => which.forEach((name) => proxies.get(name)!.cut());
  const restore = (...which: string[]) => which.forEach((name) => proxies.get(name)!.restore());
  const createIntent = (name: string, amount: number, key: string) =>
    ok(
      name,
      'POST',
      '/v1/payment_intents',
      { amount, currency: 'usd', 'payment_method_types[0]': 'card_present', capture_method: 'manual' },
      key,
    );
  const processIntent = (name: string, intent: string, key?: string) =>
    on(name, 'POST', `/v1/terminal/readers/${readerId}/process_payment_intent`, { payment_intent: intent }, key);
  /** A clean failure while the node cannot reach PostgreSQL: Stripe's 5xx api_error, retryable. */
  const failsCleanly = (what: string, response: RawResponse) => {
    assert.ok(response.status >= 500, `${what}: ${response.status} ${response.text}`);
    assert.equal(response.body.error?.type, 'api_error', `${what}: ${response.text}`);
    assert.equal(response.headers.get('stripe-should-retry'), 'true', what);
  };
  /** `terminal_reader_timeout`, and nothing of it recorded: no action for the intent, nothing sent to the device. */
  const timedOutUnrecorded = async (what: string, response: RawResponse, intent: string, commandsBefore: number) => {
    assert.deepEqual(
      [response.status, response.body.error?.code],
      [400, 'terminal_reader_timeout'],
      `${what}: ${response.text}`,
    );
    const reader = await ok('node3', 'GET', `/v1/terminal/readers/${readerId}`);
    assert.notEqual(reader.action?.process_payment_intent?.payment_intent, intent, `${what}: no action recorded`);
    assert.equal((await ok('node3', 'GET', `/v1/payment_intents/${intent}`)).status, 'requires_payment_method');
    assert.equal(actionCommands(), commandsBefore, `${what}: nothing sent to the device`);
  };
  const actionCommands = () =>
    device.frames.filter((frame) => frame.type === 'command' && frame.command.type === 'action').length;
  /** The device never reconnected: its one socket is open and was welcomed once. */
  const sameConnection = () => {
    assert.equal(device.ws.readyState, WebSocket.OPEN, 'the device socket is still open');
    assert.equal(device.frames.filter((frame) => frame.type === 'welcome').length, 1, 'welcomed once');
    assert.equal(device.frames.filter((frame) => frame.type === 'error').length, 0, JSON.stringify(device.frames));
  };
  before(async () => {
    schema = await freshSchema((await testPostgres()).url, 'cluster-reader-pg-cut');
    const through = new Map<string, string>();
    for (const name of names) {
      const proxy = await tcpProxy(Number(new URL(schema.url).port || 5432));
      proxies.set(name, proxy);
      const url = new URL(schema.url);
      url.hostname = '127.0.0.1';
      url.port = new URL(proxy.url).port;
      through.set(name, url.toString());
    }
    cluster = await startCluster({
      name: 'cluster-reader-pg-cut',
      database: schema.url,
      nodeDatabase: (name) => through.get(name)!,
      env: { ...clusterReaderEnv, OPENTILL_READER_LEASE_MS: String(leaseMs) },
    });
    const location = await ok('node2', 'POST', '/v1/terminal/locations', {
      display_name: 'HQ',
      'address[country]': 'US',
    });
    const paired = await pairReaderOn(nodeOf('node1'), cluster.secretKey, location.id as string);
    readerId = paired.reader.id;
    credential = paired.credential;
    paired.device.close();
    await paired.device.closed;
    device = await TestDevice.connect(nodeOf('node1').url, credential);
  });
  after(async () => {
    device?.close();
    await cluster?.stop();
    for (const proxy of proxies.values()) await proxy.close();
    await schema?.drop();
  });

  it("the holder's cut outlasts its lease: another node answers terminal_reader_timeout with nothing recorded, then the holder's renewal takes the lease back by itself and the payment completes once", async () => {
    const intent = (await createIntent('node2', 6100, 'holder-cut-intent')).id as string;
    // A viewer of the virtual screen on node2 shows what node2 knows of node1's lease: the screen
    // node1 kept for its device while the lease is live, `offline` once it expired.
    device.send({ type: 'screen', state: { screen: 'splash', message: 'Welcome' } });
    const session = await ok('node2', 'POST', `/opentill/v1/terminal/readers/${readerId}/screen_sessions`);
    const websocketUrl = session.websocket_url as string;
    assert.ok(websocketUrl.startsWith(nodeOf('node2').url.replace(/^http/, 'ws')), websocketUrl);
    const viewer = new WebSocket(websocketUrl);
    const screens: Screen[] = [];
    viewer.on('message', (data) => screens.push(JSON.parse(data.toString()) as Screen));
    await new Promise((resolve, reject) => viewer.once('open', resolve).once('error', reject));
    try {
      const welcome = (from: number) => screens.slice(from).some((m) => m.state?.message === 'Welcome');
      await waitUntil(() => welcome(0), 'the kept screen on the viewer');
      // PostgreSQL is cut off every node: each request fails cleanly, whatever node it reaches.
      cut(...names);
      for (const name of names) {
        failsCleanly(`process_payment_intent on ${name}`, await processIntent(name, intent, `holder-cut-${name}`));
        failsCleanly(`GET reader on ${name}`, await on(name, 'GET', `/v1/terminal/readers/${readerId}`));
      }
      // node2 and node3 reach PostgreSQL again; node1, the holder, does not, so its renewals keep
      // failing and the lease runs out: the viewer on node2 turns offline (bounded: 15 s > the lease).
      restore('node2', 'node3');
      const cutSeen = screens.length;
      await waitUntil(
        () => screens.slice(cutSeen).some((m) => m.state?.screen === 'offline'),
        'the lease seen expired on node2',
        15_000,
      );
      const offlineSeen = screens.length;
      failsCleanly(
        'process_payment_intent on node1 (still cut)',
        await processIntent('node1', intent, 'holder-cut-1b'),
      );
      // No live lease: the answer of a reader that is not connected, with nothing recorded.
      const before = actionCommands();
      await timedOutUnrecorded('lease expired', await processIntent('node2', intent, 'holder-cut-2b'), intent, before);
      sameConnection();
      // node1 reaches PostgreSQL again: its next renewal takes the lease back (same node, same epoch:
      // the device never reconnected), so node2 sees the kept screen again.
      restore('node1');
      await waitUntil(() => welcome(offlineSeen), 'the lease renewed by node1, seen on node2', 15_000);
      // A command through node2 reaches the device on its open socket; the payment completes once.
      const started = await processIntent('node2', intent, 'holder-cut-after');
      assert.equal(started.status, 200, started.text);
      assert.deepEqual(
        [started.body.action.type, started.body.action.status],
        ['process_payment_intent', 'in_progress'],
      );
      await payOnce(intent, 6100, 'node2');
      assert.equal(actionCommands(), before + 1, 'one command for the one action');
      sameConnection();
    } finally {
      viewer.close();
    }
  });

  it('the whole cluster cut for longer than the lease and restored at once: the device stays connected, a command through another node reaches it once the lease is renewed, the payment is authorized once', async (t) => {
    const intent = (await createIntent('node3', 7100, 'all-cut-intent')).id as string;
    cut(...names);
    for (const name of names) {
      failsCleanly(`process_payment_intent on ${name}`, await processIntent(name, intent, `all-cut-${name}`));
    }
    // The cut must outlast the lease: the condition under test, so a sleep (the last renewal was
    // before the cut; no node can read the lease during it, so nothing else can tell).
    await sleep(leaseMs + 1_000);
    for (const name of names) {
      failsCleanly(`GET reader on ${name}`, await on(name, 'GET', `/v1/terminal/readers/${readerId}`));
    }
    sameConnection();
    restore(...names);
    // Through node3 until node1's renewal: each attempt (a new key) answers a retryable error while
    // node3's pool reconnects, `terminal_reader_timeout` with nothing recorded while the lease is
    // expired, then 200 (bounded: 100 attempts, 100 ms apart).
    const before = actionCommands();
    let started: RawResponse | null = null;
    const interim: string[] = [];
    for (let attempt = 0; attempt < 100 && started === null; attempt += 1) {
      const response = await processIntent('node3', intent, `all-cut-after-${attempt}`);
      if (response.status === 200) {
        started = response;
      } else if (response.body.error?.code === 'terminal_reader_timeout') {
        interim.push('terminal_reader_timeout');
        await timedOutUnrecorded(`attempt ${attempt}`, response, intent, before);
      } else {
        interim.push(String(response.status));
        failsCleanly(`attempt ${attempt}`, response);
      }
      if (started === null) await sleep(100);
    }
    // The answers before the 200, runs of one answer counted ("503×2, terminal_reader_timeout×4").
    const runs = interim
      .reduce<Array<[string, number]>>((all, answer) => {
        const last = all.at(-1);
        if (last?.[0] === answer) last[1] += 1;
        else all.push([answer, 1]);
        return all;
      }, [])
      .map(([answer, count]) => `${answer}×${count}`)
      .join(', ');
    t.diagnostic(`before the 200: ${runs || 'nothing'}`);
    assert.ok(started, `no attempt reached the device: ${runs}`);
    assert.deepEqual([started.body.action.type, started.body.action.status], ['process_payment_intent', 'in_progress']);
    await payOnce(intent, 7100, 'node2');
    assert.equal(actionCommands(), before + 1, 'one command for the one action');
    sameConnection();
  });
});
