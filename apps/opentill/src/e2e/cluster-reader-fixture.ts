/**
 * Shared by the cluster reader tests (cluster-reader-flows.test.ts, cluster-reader-failover.test.ts,
 * cluster-reader-faults.test.ts, cluster-reader-pg-cut.test.ts):
 * a gateway reader paired on one node of a testkit cluster, and stripe-node calls through the load
 * balancer pinned to, and proved on, a node other than the device's (the `OpenTill-Node` header).
 */
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { testRouteHeader, type RunningCluster } from '@opentill/testkit';
import type { ServerFrame } from '@opentill/reader-device';
import { listAllRaw, raw, type Json, type RawResponse } from './helpers.js';
import { cardRead, TestDevice, type Credential } from './reader-device-client.js';

/** The settings reader-across-nodes.test.ts uses: a short ack deadline and bus poll keep timeouts quick. */
export const clusterReaderEnv = {
  OPENTILL_READER_ACK_TIMEOUT_MS: '800',
  OPENTILL_READER_BUS_POLL_MS: '100',
  OPENTILL_READER_LEASE_MS: '1500',
};

type Command = Extract<ServerFrame, { type: 'command' }>;
export type DeviceAction = { id: string; type: string; amount: number | null; cart: unknown; inputs: unknown };

export const actionOf = (frame: Command): DeviceAction => {
  assert.equal(frame.command.type, 'action', JSON.stringify(frame));
  return (frame.command as unknown as { action: DeviceAction }).action;
};

export type Answered = { lastResponse: { headers: Record<string, string> } };

/**
 * Calls through the load balancer of `cluster`, each answered by a node other than `avoid()`: the
 * call is pinned to a running node other than `avoid()` (the test cluster's haproxy routes a request
 * carrying `testRouteHeader` to the node it names; the targets alternate between the other nodes),
 * then the answering node is checked (the `OpenTill-Node` header). Records which node answered each
 * call. The stripe-node client must be built with `route` (see `stripeAt`).
 */
export function awayFrom(cluster: RunningCluster, avoid: () => string) {
  const answeredBy: string[] = [];
  let calls = 0;
  /** The node the call in progress is pinned to; null between calls (round robin then). */
  let target: string | null = null;
  const pin = () => {
    const others = cluster.nodes.filter((node) => node.server !== null && node.name !== avoid());
    if (others.length === 0) throw new Error(`no running node other than ${avoid()}`);
    calls += 1;
    target = others[calls % others.length]!.name;
    return target;
  };
  const check = (node: string | undefined | null, what: string) => {
    assert.ok(node, `${what}: no OpenTill-Node header`);
    assert.notEqual(node, avoid(), `${what} was answered by the device's node`);
    assert.equal(node, target, `${what} was pinned to ${target}`);
    answeredBy.push(node);
  };
  return {
    answeredBy,
    /** For `stripeAt`: the node the current call is pinned to. */
    route: (): string | null => target,
    /** A stripe-node call that succeeds. */
    async ok<T>(what: string, call: () => Promise<T>): Promise<T> {
      pin();
      try {
        const result = await call();
        check((result as unknown as Answered).lastResponse.headers['opentill-node'], what);
        return result;
      } finally {
        target = null;
      }
    },
    /** A stripe-node call that fails: its error. */
    async fails(what: string, call: () => Promise<unknown>): Promise<Stripe.errors.StripeError> {
      pin();
      try {
        await call();
      } catch (error) {
        const failure = error as Stripe.errors.StripeError;
        check((failure.headers as Record<string, string> | undefined)?.['opentill-node'], what);
        return failure;
      } finally {
        target = null;
      }
      throw new Error(`${what}: expected the call to fail`);
    },
    /** A raw request (OpenTill's own endpoints). */
    async raw(method: string, path: string, form?: Record<string, unknown>): Promise<RawResponse> {
      const node = pin();
      try {
        const response = await raw(cluster, method, path, {
          key: cluster.secretKey,
          headers: { [testRouteHeader]: node },
          ...(form ? { form } : {}),
        });
        check(response.headers.get('opentill-node'), `${method} ${path}`);
        return response;
      } finally {
        target = null;
      }
    },
  };
}

/** A card_present PaymentIntent in USD with manual capture (the shape every cluster reader test pays). */
export function manualIntent(
  stripe: Stripe,
  amount: number,
  extra: Record<string, unknown> = {},
): Promise<Stripe.Response<Stripe.PaymentIntent>> {
  return stripe.paymentIntents.create({
    amount,
    currency: 'usd',
    payment_method_types: ['card_present'],
    capture_method: 'manual',
    ...extra,
  } as Stripe.PaymentIntentCreateParams);
}

/**
 * A stripe-node client of the server at `port`. With `route` (a load balancer's `awayFrom(…).route`),
 * each request carries `testRouteHeader` naming the node `route()` returns, when it returns one.
 */
export function stripeAt(port: number, secretKey: string, route?: () => string | null): Stripe {
  const httpClient = Stripe.createNodeHttpClient();
  if (route) {
    const send = httpClient.makeRequest.bind(httpClient);
    httpClient.makeRequest = (host, requestPort, path, method, headers, ...rest) => {
      const node = route();
      return send(host, requestPort, path, method, node ? { ...headers, [testRouteHeader]: node } : headers, ...rest);
    };
  }
  // No retries: each call is one request, answered by the node the test pinned it to.
  return new Stripe(secretKey, {
    host: '127.0.0.1',
    port,
    protocol: 'http',
    telemetry: false,
    maxNetworkRetries: 0,
    httpClient,
  });
}

/** A gateway reader paired and registered through `node` (pairing codes live on that node), its device on it. */
export async function pairReaderOn(
  node: { url: string; port: number },
  secretKey: string,
  location: string,
): Promise<{ reader: Stripe.Terminal.Reader; credential: Credential; device: TestDevice }> {
  const { device: pairing, code } = await TestDevice.pair(node.url);
  const reader = await stripeAt(node.port, secretKey).terminal.readers.create({
    registration_code: code,
    location,
    label: 'Till',
  });
  const credential = await pairing.paired();
  const device = await TestDevice.connect(node.url, credential);
  return { reader, credential, device };
}

/** The reader's action as the API shows it: every field (docs/terminal.md). */
export const action = (
  type: string,
  status: string,
  detail: Record<string, unknown>,
  failure: [string, string] | null = null,
) => ({
  api_error: null,
  type,
  status,
  failure_code: failure?.[0] ?? null,
  failure_message: failure?.[1] ?? null,
  [type]: detail,
});

/**
 * Raw calls straight to named nodes of a cluster (each checked on `OpenTill-Node`) and the payment
 * checks built on them. The getters read the describe's variables, which its `before` fills.
 */
export function nodeCalls(of: { cluster: () => RunningCluster; readerId: () => string; device: () => TestDevice }) {
  const nodeOf = (name: string) => of.cluster().nodes.find((node) => node.name === name)!;
  /** A request straight to one node, checked to be answered by it. */
  const on = async (
    name: string,
    method: string,
    path: string,
    form?: Record<string, unknown>,
    key?: string,
  ): Promise<RawResponse> => {
    const response = await raw({ baseUrl: nodeOf(name).url }, method, path, {
      key: of.cluster().secretKey,
      ...(form ? { form } : {}),
      ...(key ? { headers: { 'Idempotency-Key': key } } : {}),
    });
    assert.equal(response.headers.get('opentill-node'), name, `${method} ${path}`);
    return response;
  };
  const ok = async (...args: Parameters<typeof on>): Promise<Json> => {
    const response = await on(...args);
    assert.equal(response.status, 200, `${args[1]} ${args[2]}: ${response.text}`);
    return response.body;
  };
  /** A final reader action (bounded: 100 reads). */
  const finalAction = async (name: string) => {
    const path = `/v1/terminal/readers/${of.readerId()}`;
    let current = await ok(name, 'GET', path);
    for (let attempt = 0; attempt < 100 && current.action?.status === 'in_progress'; attempt += 1) {
      await new Promise((done) => setTimeout(done, 50));
      current = await ok(name, 'GET', path);
    }
    return current.action as Json;
  };
  /** Authorizations, captures and action endings of one PaymentIntent, counted from the API (node3). */
  const counts = async (intent: string) => {
    const charges = await listAllRaw((m, p) => on('node3', m, p), `/v1/charges?payment_intent=${intent}`);
    const events = await listAllRaw((m, p) => on('node3', m, p), '/v1/events');
    const about = (type: string, match: (object: Json) => boolean) =>
      events.filter((event) => event.type === type && match(event.data.object)).length;
    return {
      charges: charges.map((charge) => [charge.status, charge.captured, charge.amount_captured]),
      authorizations: about('charge.succeeded', (object) => object.payment_intent === intent),
      captures: about('charge.captured', (object) => object.payment_intent === intent),
      actionsSucceeded: about(
        'terminal.reader.action_succeeded',
        (object) => object.action?.process_payment_intent?.payment_intent === intent,
      ),
    };
  };
  /** The device reads the card of the action it was last sent; the payment is captured once through node3. */
  const payOnce = async (intent: string, amount: number, answering: string) => {
    const device = of.device();
    const command = actionOf(await device.latestCommand());
    assert.deepEqual([command.type, command.amount], ['process_payment_intent', amount]);
    const read = await device.event(cardRead(command.id));
    assert.deepEqual([read.ok, read.error], [true, null], JSON.stringify(read));
    const done = await finalAction(answering);
    assert.deepEqual([done.type, done.status], ['process_payment_intent', 'succeeded']);
    const captured = await ok('node3', 'POST', `/v1/payment_intents/${intent}/capture`);
    assert.deepEqual([captured.status, captured.amount_received], ['succeeded', amount]);
    const again = await on('node1', 'POST', `/v1/payment_intents/${intent}/capture`);
    assert.deepEqual([again.status, again.body.error?.code], [400, 'payment_intent_unexpected_state']);
    assert.deepEqual(await counts(intent), {
      charges: [['succeeded', true, amount]],
      authorizations: 1,
      captures: 1,
      actionsSucceeded: 1,
    });
  };
  return { nodeOf, on, ok, finalAction, counts, payOnce };
}
