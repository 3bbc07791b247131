/**
 * The seed's server-side Python snippets, verbatim, run through Debian's `python3-stripe` 5.0.0
 * (provisioned by the testkit: the system's, else `apt-get download` + `dpkg -x` into
 * node_modules/.cache) against a real server; each one's effect is then checked with stripe-node.
 *
 * The snippets written for `StripeClient` (stripe-python ≥ 8; `.v1` since 12.5) cannot run on
 * 5.0.0, which has no StripeClient: they get a small stand-in that forwards each call to 5.0.0's
 * own request path (`APIResource._static_request`), so what reaches the server is exactly 5.0.0's
 * encoding (`True` for booleans, `%5B`/`%5D` in keys, indexed arrays). The module-level snippets
 * (`stripe.api_key = …`, `stripe.PaymentIntent.create(…)`) run on 5.0.0 as they are.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Stripe from 'stripe';
import { provisionPythonStripe, pythonStripeVersion, type PythonStripe } from '@opentill/testkit';
import { listAll } from './helpers.js';
import { stores, terminalFixture, type TerminalFixture } from './terminal-fixture.js';
import { seedPythonBlockCount, seedPythonBlocks, type SeedPythonBlock } from './seed-python-snippets.js';
import { libraryBodies } from './library-bodies.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the objects Python printed, read field by field
type Loose = any;

/** `StripeClient` for 5.0.0: the services and methods the seed's snippets call, on 5.0.0's requestor. */
const shim = `
from stripe.api_resources.abstract import APIResource
from stripe import util

def _call(api_key, method, path, params=None):
    return APIResource._static_request(method, path, api_key=api_key, params=params or {})

class _Service(object):
    def __init__(self, api_key, base, actions):
        self._api_key, self._base, self._actions = api_key, base, actions
    def create(self, params=None):
        return _call(self._api_key, "post", self._base, params)
    def retrieve(self, id, params=None):
        return _call(self._api_key, "get", "%s/%s" % (self._base, util.sanitize_id(id)), params)
    def __getattr__(self, name):
        if name not in self._actions:
            raise AttributeError(name)
        return lambda id, params=None: _call(self._api_key, "post", "%s/%s/%s" % (self._base, util.sanitize_id(id), name), params)

class _Terminal(object):
    def __init__(self, api_key):
        self.readers = _Service(api_key, "/v1/terminal/readers", (
            "process_payment_intent", "collect_payment_method", "confirm_payment_intent", "cancel_action"))
        self.connection_tokens = _Service(api_key, "/v1/terminal/connection_tokens", ())

class StripeClient(object):
    def __init__(self, api_key):
        self.payment_intents = _Service(api_key, "/v1/payment_intents", ("capture", "cancel", "confirm"))
        self.webhook_endpoints = _Service(api_key, "/v1/webhook_endpoints", ())
        self.terminal = _Terminal(api_key)
        # The snippets for stripe-python <= 12.4 drop ".v1".
        self.v1 = self
`;

/** Runs a snippet's code: prints every Stripe object it left in a variable, as JSON. */
const runner = `
import json, sys
import stripe
from stripe.stripe_object import StripeObject
stripe.api_base = sys.argv[1]
stripe.enable_telemetry = False
sys.path.insert(0, sys.argv[3])
from opentill_stripe_client import StripeClient
namespace = {"stripe": stripe, "StripeClient": StripeClient}
exec(compile(open(sys.argv[2]).read(), "seed-snippet", "exec"), namespace)
print(json.dumps({name: value.to_dict_recursive() for name, value in namespace.items() if isinstance(value, StripeObject)}))
`;

function apiBlock(fragment: string): SeedPythonBlock {
  const matches = seedPythonBlocks.filter((block) => block.kind === 'api' && block.code.includes(fragment));
  assert.equal(matches.length, 1, `one api snippet contains ${fragment}`);
  return matches[0]!;
}

const ran = new Set<number>();

for (const store of stores) {
  describe(`the seed's Python snippets through python3-stripe ${pythonStripeVersion} (${store})`, () => {
    let f: TerminalFixture;
    let python: PythonStripe;
    let dir: string;
    before(async () => {
      // Never skipped: a machine that cannot provision it fails here, saying why.
      python = provisionPythonStripe();
      f = await terminalFixture(store, 'seed_python');
      dir = mkdtempSync(join(tmpdir(), 'opentill-python-'));
      writeFileSync(join(dir, 'opentill_stripe_client.py'), shim);
      writeFileSync(join(dir, 'run.py'), runner);
    });
    after(async () => {
      await f.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    /** Runs one seed snippet with its placeholders filled; answers the Stripe objects it kept. */
    function run(block: SeedPythonBlock, values: Record<string, string> = {}): Record<string, Loose> {
      ran.add(block.lines[0]!);
      let code = block.code.replaceAll('<<YOUR_SECRET_KEY>>', f.server.secretKey);
      for (const [placeholder, value] of Object.entries(values)) code = code.replaceAll(placeholder, value);
      const file = join(dir, `snippet-${block.lines[0]}.py`);
      writeFileSync(file, code);
      const result = spawnSync(python.python, [join(dir, 'run.py'), f.server.baseUrl, file, dir], {
        env: { ...process.env, ...python.env },
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(
        result.status,
        0,
        `seed line ${block.lines[0]} failed on python3-stripe ${pythonStripeVersion}:\n${result.stderr}`,
      );
      return JSON.parse(result.stdout) as Record<string, Loose>;
    }

    async function requiresCapture(): Promise<Stripe.PaymentIntent> {
      const reader = await f.reader();
      const paymentIntent = await f.paymentIntent();
      await f.stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: paymentIntent.id });
      await f.stripe.testHelpers.terminal.readers.presentPaymentMethod(reader.id);
      const ready = await f.stripe.paymentIntents.retrieve(paymentIntent.id);
      assert.equal(ready.status, 'requires_capture');
      return ready;
    }

    test('connection token (stripe.api_key, module-level API)', () => {
      const { connection_token: token } = run(apiBlock('stripe.terminal.ConnectionToken.create()'));
      assert.equal(token.object, 'terminal.connection_token');
      assert.match(token.secret, /^pst_test_/);
    });

    test('stripe.PaymentIntent.create(amount=1000, …) (module-level API)', async () => {
      const before_ = new Set((await listAll(f.stripe.paymentIntents.list({ limit: 100 }))).map((pi) => pi.id));
      run(apiBlock('stripe.PaymentIntent.create('));
      const created = (await listAll(f.stripe.paymentIntents.list({ limit: 100 }))).filter((pi) => !before_.has(pi.id));
      assert.equal(created.length, 1);
      assert.deepEqual(
        [created[0]!.amount, created[0]!.currency, created[0]!.capture_method, created[0]!.payment_method_types],
        [1000, 'eur', 'manual', ['card_present']],
      );
    });

    test('client.v1.payment_intents.create: payment_method_types as an indexed array', () => {
      const { payment_intent: created } = run(apiBlock('client.v1.payment_intents.create('));
      assert.equal(created.status, 'requires_payment_method');
      assert.deepEqual(
        [created.amount, created.currency, created.capture_method, created.payment_method_types],
        [1000, 'eur', 'manual', ['card_present']],
      );
    });

    test('process_payment_intent, retrieve the reader, cancel_action', async () => {
      const reader = await f.reader();
      const paymentIntent = await f.paymentIntent();
      const started = run(apiBlock('process_payment_intent(\n  "tmr_xxx",\n  {"payment_intent": "pi_xxx"},\n)'), {
        tmr_xxx: reader.id,
        pi_xxx: paymentIntent.id,
      }).reader;
      assert.equal(started.action.type, 'process_payment_intent');
      assert.equal(started.action.status, 'in_progress');
      assert.equal(started.action.process_payment_intent.payment_intent, paymentIntent.id);
      const polled = run(apiBlock('client.v1.terminal.readers.retrieve("tmr_xxx")'), { tmr_xxx: reader.id }).reader;
      assert.equal(polled.id, reader.id);
      assert.equal(polled.action.status, 'in_progress');
      const canceled = run(apiBlock('cancel_action("tmr_xxx")'), { tmr_xxx: reader.id }).reader;
      assert.equal(canceled.action, null);
      assert.equal((await f.stripe.paymentIntents.retrieve(paymentIntent.id)).status, 'requires_payment_method');
    });

    test("process_payment_intent with process_config[enable_customer_cancellation]=True (Python's boolean)", async () => {
      const reader = await f.reader();
      const paymentIntent = await f.paymentIntent();
      const started = run(apiBlock('"enable_customer_cancellation": True'), {
        tmr_xxx: reader.id,
        pi_xxx: paymentIntent.id,
      }).reader;
      assert.equal(started.action.status, 'in_progress');
      assert.equal(started.action.process_payment_intent.process_config.enable_customer_cancellation, true);
      const stored = (await f.stripe.terminal.readers.retrieve(reader.id)) as Stripe.Terminal.Reader;
      assert.equal(stored.action?.process_payment_intent?.process_config?.enable_customer_cancellation, true);
    });

    test('collect_payment_method then confirm_payment_intent, then capture', async () => {
      const reader = await f.reader();
      const paymentIntent = await f.paymentIntent();
      const collecting = run(apiBlock('collect_payment_method('), {
        tmr_xxx: reader.id,
        pi_xxx: paymentIntent.id,
      }).reader;
      assert.equal(collecting.action.type, 'collect_payment_method');
      await f.stripe.testHelpers.terminal.readers.presentPaymentMethod(reader.id);
      assert.equal((await f.stripe.paymentIntents.retrieve(paymentIntent.id)).status, 'requires_confirmation');
      const confirmed = run(apiBlock('confirm_payment_intent('), {
        tmr_xxx: reader.id,
        pi_xxx: paymentIntent.id,
      }).reader;
      assert.equal(confirmed.action.type, 'confirm_payment_intent');
      assert.equal(confirmed.action.status, 'succeeded');
      const captured = run(apiBlock('client.v1.payment_intents.capture("pi_xxx")'), {
        pi_xxx: paymentIntent.id,
      }).payment_intent;
      assert.equal(captured.status, 'succeeded');
      assert.equal(captured.amount_received, 1000);
    });

    test('capture("{{PAYMENT_INTENT_ID}}") and retrieve("{{PAYMENTINTENT_ID}}")', async () => {
      const ready = await requiresCapture();
      const captured = run(apiBlock('capture("{{PAYMENT_INTENT_ID}}")'), {
        '{{PAYMENT_INTENT_ID}}': ready.id,
      }).payment_intent;
      assert.equal(captured.status, 'succeeded');
      const retrieved = run(apiBlock('retrieve("{{PAYMENTINTENT_ID}}")'), {
        '{{PAYMENTINTENT_ID}}': ready.id,
      }).payment_intent;
      assert.equal(retrieved.id, ready.id);
      assert.equal(retrieved.status, 'succeeded');
    });

    test('webhook_endpoints.create with enabled_events as an indexed array', async () => {
      const { webhook_endpoint: endpoint } = run(apiBlock('client.v1.webhook_endpoints.create('));
      try {
        assert.equal(endpoint.object, 'webhook_endpoint');
        assert.equal(endpoint.url, 'https://example.com/my/webhook/endpoint');
        assert.deepEqual(endpoint.enabled_events, [
          'terminal.reader.action_succeeded',
          'terminal.reader.action_failed',
        ]);
        assert.match(endpoint.secret, /^whsec_/);
      } finally {
        // Nothing is to be delivered to example.com.
        await f.stripe.webhookEndpoints.del(endpoint.id);
      }
    });
  });
}

test('the recorded stripe-python bodies (library-bodies.ts) are what python3-stripe 5.0.0 encodes', () => {
  const python = provisionPythonStripe();
  const encode = `
import json, sys
from collections import OrderedDict
from stripe.api_requestor import _api_encode
from urllib.parse import urlencode
calls = json.loads(sys.argv[1], object_pairs_hook=OrderedDict)
print(json.dumps({name: urlencode(list(_api_encode(params))) for name, params in calls.items()}))
`;
  const calls = {
    create: {
      amount: 1000,
      currency: 'eur',
      capture_method: 'manual',
      payment_method_types: ['card_present'],
      description: 'Café crème',
      metadata: { order_id: '6735', note: 'two words' },
      payment_method_options: { card_present: { request_incremental_authorization_support: true } },
    },
    update: { metadata: { note: '', lane: '3' }, description: '' },
    unsetMetadata: { metadata: '' },
    process: { payment_intent: '{pi}', process_config: { enable_customer_cancellation: true, skip_tipping: false } },
    list: { limit: 3, expand: ['data.latest_charge'] },
  };
  // JSON true → Python True: what a Python caller writes.
  const result = spawnSync(python.python, ['-c', encode, JSON.stringify(calls)], {
    env: { ...process.env, ...python.env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(result.status, 0, result.stderr);
  const recorded = libraryBodies.find((entry) => entry.library.startsWith('stripe-python 5.0.0'))!;
  const encoded = JSON.parse(result.stdout) as Record<string, string>;
  // The `{pi}` placeholder is escaped by urlencode like any value.
  encoded['process'] = encoded['process']!.replace('%7Bpi%7D', '{pi}');
  assert.deepEqual(encoded, {
    create: recorded.create,
    update: recorded.update,
    unsetMetadata: recorded.unsetMetadata,
    process: recorded.process,
    list: recorded.list,
  });
});

// Last: the snippets above have run by now (node:test runs a file's tests in order).
test('every Python block of the seed is classified, and every api block was run above', () => {
  assert.equal(
    seedPythonBlocks.reduce((sum, block) => sum + block.lines.length, 0),
    seedPythonBlockCount,
  );
  assert.equal(seedPythonBlockCount, 35);
  const api = seedPythonBlocks.filter((block) => block.kind === 'api');
  assert.equal(api.length, 13);
  // The templates are not programs (`token = # ...`), the requirements line is pip's.
  for (const block of seedPythonBlocks.filter((b) => b.kind === 'flask-template'))
    assert.match(block.code, /= # \.\.\. /);
  assert.deepEqual(
    seedPythonBlocks.filter((b) => b.kind === 'requirements').map((b) => b.code.trim().split('\n').pop()),
    ['stripe>=5.0.0'],
  );
  assert.deepEqual([...ran].sort(), api.map((block) => block.lines[0]!).sort(), 'each api snippet has a test');
});
