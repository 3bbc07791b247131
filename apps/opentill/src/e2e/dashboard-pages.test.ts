/**
 * Every dashboard page at desktop (1280×800) and phone (390×844) widths against a real server
 * with data in it: each renders its content without scrolling sideways, and is screenshotted
 * (docs/screenshots/dashboard/ with OPENTILL_SCREENSHOTS=1). Along the way: sign-in with the
 * secret key, capture with an amount and cancel from the UI, the secret key revealed only on
 * request, the test clock advanced.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type Stripe from 'stripe';
import { startServer, type RunningServer } from '@opentill/testkit';
import { listAll, stopServer, stripeFor, waitUntil } from './helpers.js';
import { launchChromium } from './screen-browser.js';
import { startReceiver, type Receiver } from './webhook-receiver.js';
import {
  assertNoSidewaysScroll,
  dashboardContext,
  dashboardScreenshot,
  openRoute,
  signInWithKey,
  type DashboardViewport,
} from './dashboard-browser.js';

let server: RunningServer;
let stripe: Stripe;
let browser: Browser;
let receiver: Receiver;
const ids = {
  payment: '',
  uncaptured: ['', ''],
  open: ['', ''],
  reader: '',
  endpoint: '',
  event: '',
  failedRequest: '',
};

async function take(
  readerId: string,
  amount: number,
  params: Record<string, unknown>,
  card?: string,
): Promise<Stripe.PaymentIntent> {
  const intent = await stripe.paymentIntents.create({
    amount,
    currency: 'eur',
    payment_method_types: ['card_present'],
    ...params,
  } as Stripe.PaymentIntentCreateParams);
  await stripe.terminal.readers.processPaymentIntent(readerId, { payment_intent: intent.id });
  await stripe.testHelpers.terminal.readers.presentPaymentMethod(
    readerId,
    card ? { card_present: { number: card } } : {},
  );
  return intent;
}

before(async () => {
  receiver = await startReceiver(() => 503);
  server = await startServer({ store: 'sqlite', name: 'dashboard_pages', env: { OPENTILL_WEBHOOK_POLL: '100ms' } });
  stripe = stripeFor(server, server.secretKey);
  const location = await stripe.terminal.locations.create({
    display_name: 'Café de la Gare',
    address: { line1: '12 rue de la Gare', city: 'Lyon', country: 'FR', postal_code: '69002' },
  });
  const counter = await stripe.terminal.readers.create({
    registration_code: 'simulated-wpe',
    location: location.id,
    label: 'Caisse 1 — Comptoir',
  });
  const terrace = await stripe.terminal.readers.create({
    registration_code: 'simulated-s700',
    location: location.id,
    label: 'Terrasse',
  });
  ids.reader = counter.id;
  const endpoint = await stripe.webhookEndpoints.create({
    url: receiver.url,
    enabled_events: ['payment_intent.succeeded', 'charge.refunded'],
    description: 'Back office',
  });
  ids.endpoint = endpoint.id;
  const cards = ['4242424242424242', '5555555555554444', '378282246310005', '4000000000009995'];
  for (let i = 0; i < 6; i += 1) {
    const intent = await take(
      i % 2 ? counter.id : terrace.id,
      1250 + i * 375,
      { description: `Order #${1040 + i}`, metadata: { order: String(1040 + i), table: String(i + 1) } },
      cards[i % cards.length],
    );
    if (i === 0) ids.payment = intent.id;
  }
  for (const i of [0, 1]) {
    ids.uncaptured[i] = (
      await take(counter.id, 3000 + i * 1000, { capture_method: 'manual', description: `Deposit ${i + 1}` })
    ).id;
    ids.open[i] = (
      await stripe.paymentIntents.create({
        amount: 990,
        currency: 'usd',
        payment_method_types: ['card_present'],
      } as Stripe.PaymentIntentCreateParams)
    ).id;
  }
  await stripe.refunds.create({ payment_intent: ids.payment, amount: 500 });
  ids.event = (await stripe.events.list({ type: 'payment_intent.succeeded', limit: 1 })).data[0]!.id;
  const failed = await stripe.paymentIntents.create({ amount: -1, currency: 'eur' }).then(
    () => null,
    (e: Stripe.errors.StripeError) => e,
  );
  ids.failedRequest = failed!.requestId!;
  // Five payments succeed (the fourth card is declined) and one is refunded.
  await receiver.waitFor((received) => received.length === 6, 15_000, 'the first deliveries');
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await stopServer(server);
  await receiver?.close();
});

for (const viewport of ['desktop', 'phone'] as const satisfies readonly DashboardViewport[]) {
  describe(`dashboard pages (${viewport})`, () => {
    let context: BrowserContext;
    let page: Page;
    const index = viewport === 'desktop' ? 0 : 1;
    before(async () => {
      context = await dashboardContext(browser, viewport);
      page = await context.newPage();
    });
    after(async () => {
      await context?.close();
    });

    const show = async (name: string) => {
      await assertNoSidewaysScroll(page, name);
      await dashboardScreenshot(page, viewport, name);
    };

    test('sign-in page, then sign-in with the secret key', async () => {
      await page.goto(`${server.baseUrl}/`);
      await page.waitForSelector('[data-page="sign-in"]');
      assert.match((await page.textContent('.sign-in-card')) ?? '', /opentill serve/);
      await show('01-sign-in');
      await signInWithKey(page, server);
    });

    test('payments list', async () => {
      await openRoute(page, 'payments');
      await page.waitForSelector(`[data-testid="payments"] tr[data-id="${ids.payment}"]`);
      assert.equal(await page.locator('[data-testid="payments"] tbody tr').count(), 10);
      await show('02-payments');
      await page.selectOption('select[name="status"]', 'requires_capture');
      // The desktop run captured one of the two.
      const uncaptured = viewport === 'desktop' ? 2 : 1;
      await waitUntil(
        async () => (await page.locator('[data-testid="payments"] tbody tr').count()) === uncaptured,
        'the uncaptured payments',
      );
      await page.selectOption('select[name="status"]', '');
    });

    test('payment page; capture with an amount and cancel from the UI', async () => {
      await openRoute(page, `payments/${ids.payment}`);
      await page.waitForSelector('[data-testid="timeline"] li[data-type="charge.refunded"]');
      await show('03-payment');
      await openRoute(page, `payments/${ids.uncaptured[index]}`);
      await page.click('[data-action="capture"]');
      await page.fill('dialog input[name="amount"]', '25');
      await dashboardScreenshot(page, viewport, '04-payment-capture');
      await page.click('dialog [data-action="submit"]');
      await page.waitForSelector('.page-header .badge[data-status="succeeded"]');
      const captured = await stripe.paymentIntents.retrieve(ids.uncaptured[index]!);
      assert.equal(captured.status, 'succeeded');
      assert.equal(captured.amount_received, 2500);
      await openRoute(page, `payments/${ids.open[index]}`);
      await page.click('[data-action="cancel"]');
      await page.click('dialog [data-action="submit"]');
      await page.waitForSelector('.page-header .badge[data-status="canceled"]');
      assert.equal((await stripe.paymentIntents.retrieve(ids.open[index]!)).status, 'canceled');
    });

    test('terminal and reader pages', async () => {
      await openRoute(page, 'terminal');
      await page.waitForSelector(`[data-testid="readers"] tr[data-id="${ids.reader}"]`);
      assert.equal(await page.locator('[data-testid="readers"] tbody tr').count(), 2);
      await show('05-terminal');
      // A location added from the page.
      const before = (await listAll(stripe.terminal.locations.list({ limit: 100 }))).length;
      const form = '[data-testid="create-location"]';
      await page.fill(`${form} input[name="display_name"]`, `Kiosk ${viewport}`);
      await page.fill(`${form} input[name="line1"]`, '3 Main Street');
      await page.fill(`${form} input[name="city"]`, 'Springfield');
      await page.fill(`${form} input[name="postal_code"]`, '12345');
      await page.click('[data-action="create-location"]');
      await page.waitForSelector(`[data-testid="locations"] .user-text:text-is("Kiosk ${viewport}")`);
      const locations = await listAll(stripe.terminal.locations.list({ limit: 100 }));
      assert.equal(locations.length, before + 1);
      assert.equal(locations[0]!.display_name, `Kiosk ${viewport}`);
      assert.equal(locations[0]!.address.country, 'US');
      await openRoute(page, `terminal/readers/${ids.reader}`);
      await page.waitForSelector('[data-testid="action-history"] tbody tr');
      await show('06-reader');
      // A fault switch: the reader goes offline, and the page says so.
      await page.click('[data-fault="offline"]');
      await page.waitForSelector('[data-testid="reader-status"] .badge[data-status="offline"]');
      assert.equal(((await stripe.terminal.readers.retrieve(ids.reader)) as Stripe.Terminal.Reader).status, 'offline');
      await page.click('[data-fault="reset"]');
      await page.waitForSelector('[data-testid="reader-status"] .badge[data-status="online"]');
    });

    test('events and an event with its deliveries', async () => {
      await openRoute(page, 'events');
      await page.waitForSelector(`[data-testid="events"] tr[data-id="${ids.event}"]`);
      await show('07-events');
      // Cursor paging: Next shows the 25 events before these, Previous the same page again.
      const rowIds = () =>
        page
          .locator('[data-testid="events"] tbody tr')
          .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')));
      const first = await rowIds();
      assert.equal(first.length, 25);
      const listed = await stripe.events.list({ limit: 50 });
      assert.deepEqual(
        first,
        listed.data.slice(0, 25).map((e) => e.id),
      );
      await page.click('.pager button:text-is("Next")');
      await waitUntil(async () => (await rowIds())[0] === listed.data[25]!.id, 'the second page of events');
      assert.deepEqual(
        await rowIds(),
        listed.data.slice(25, 50).map((e) => e.id),
      );
      await page.click('.pager button:text-is("Previous")');
      await waitUntil(async () => (await rowIds())[0] === first[0], 'the first page again');
      assert.deepEqual(await rowIds(), first);
      await openRoute(page, `events/${ids.event}`);
      await page.waitForSelector('[data-testid="event-deliveries"] tbody tr');
      await page.waitForSelector('[data-testid="event-json"]');
      await show('08-event');
    });

    test('webhooks and an endpoint with its failed attempts', async () => {
      await openRoute(page, 'webhooks');
      await page.waitForSelector(`[data-testid="webhook-endpoints"] tr[data-id="${ids.endpoint}"]`);
      await show('09-webhooks');
      // An endpoint added from the page: its signing secret is shown once.
      const before = (await listAll(stripe.webhookEndpoints.list({ limit: 100 }))).length;
      await page.fill('[data-testid="create-endpoint"] input[name="url"]', `${receiver.url}?from=${viewport}`);
      await page.fill(
        '[data-testid="create-endpoint"] input[name="enabled_events"]',
        'charge.refunded, payment_intent.canceled',
      );
      await page.click('[data-action="create-endpoint"]');
      await page.waitForSelector('[data-testid="create-endpoint"] .banner-ok');
      assert.match((await page.textContent('[data-testid="create-endpoint"] .banner-ok')) ?? '', /whsec_\w+/);
      const endpoints = await listAll(stripe.webhookEndpoints.list({ limit: 100 }));
      assert.equal(endpoints.length, before + 1);
      assert.deepEqual(endpoints[0]!.enabled_events, ['charge.refunded', 'payment_intent.canceled']);
      await openRoute(page, `webhooks/${ids.endpoint}`);
      await page.waitForSelector('[data-testid="attempts"] .badge:text-is("503")');
      await show('10-webhook-endpoint');
      // Disable and enable again; roll the secret (the new one is shown once).
      await page.click('[data-action="disable"]');
      await page.waitForSelector('[data-action="enable"]');
      assert.equal((await stripe.webhookEndpoints.retrieve(ids.endpoint)).status, 'disabled');
      await page.click('[data-action="enable"]');
      await page.waitForSelector('[data-action="disable"]');
      assert.equal((await stripe.webhookEndpoints.retrieve(ids.endpoint)).status, 'enabled');
      await page.click('[data-action="roll-secret"]');
      await page.waitForSelector('[data-testid="roll-secret"] .banner-ok');
      assert.match((await page.textContent('[data-testid="roll-secret"] .banner-ok')) ?? '', /whsec_\w+/);
    });

    test('request log and a failed request', async () => {
      await openRoute(page, 'logs');
      await page.waitForSelector('[data-testid="request-log"] tbody tr');
      await show('11-request-log');
      // The dashboard's own requests are logged too: find the failed one by its Request-Id.
      await page.fill('input[name="q"]', ids.failedRequest);
      await page.waitForSelector(`[data-testid="request-log"] tr[data-id="${ids.failedRequest}"]`);
      await waitUntil(
        async () => (await page.locator('[data-testid="request-log"] tbody tr').count()) === 1,
        'only the failed request',
      );
      await openRoute(page, `logs/${ids.failedRequest}`);
      await page.waitForSelector('[data-testid="response-body"]');
      assert.match((await page.textContent('[data-testid="response-body"]')) ?? '', /invalid_request_error/);
      await show('12-request');
    });

    test('developers: keys (secret revealed on request), test clock', async () => {
      await openRoute(page, 'developers');
      await page.waitForSelector('[data-testid="publishable-key"]');
      assert.equal(await page.textContent('[data-testid="publishable-key"]'), server.publishableKey);
      const masked = (await page.textContent('[data-testid="secret-key"]')) ?? '';
      assert.ok(!masked.includes(server.secretKey), 'the secret key is masked');
      assert.ok(masked.endsWith(server.secretKey.slice(-4)));
      await show('13-developers');
      await page.click('[data-action="reveal"]');
      await page.waitForSelector(`[data-testid="secret-key"]:text-is("${server.secretKey}")`);
      await page.selectOption('select[name="seconds"]', '3600');
      const offsetBefore = await page.textContent('[data-testid="clock-offset"]');
      await page.click('[data-action="advance-clock"]');
      await waitUntil(
        async () => (await page.textContent('[data-testid="clock-offset"]')) !== offsetBefore,
        'the new clock offset',
      );
      assert.match(
        (await page.textContent('[data-testid="clock-offset"]')) ?? '',
        viewport === 'desktop' ? /^\+1h$/ : /^\+2h$/,
      );
    });
  });
}
