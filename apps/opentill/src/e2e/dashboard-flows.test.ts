/**
 * The dashboard in headless Chromium against a real `opentill serve`: sign in with the printed
 * link; payments taken through the API (stripe-node) appear without a reload; a payment's
 * timeline; a refund from the UI, seen through stripe-node; a reader's virtual screen opened from
 * the reader page; a failed webhook delivery resent; a failed request found in the request log
 * with its error body; HTML in metadata shown as text; sign-out.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type Stripe from 'stripe';
import { startServer, type RunningServer } from '@opentill/testkit';
import { stopServer, stripeFor, waitUntil } from './helpers.js';
import { launchChromium } from './screen-browser.js';
import { startReceiver, type Receiver } from './webhook-receiver.js';
import { dashboardContext, openRoute, signInWithLink } from './dashboard-browser.js';

/** A payload that would run if any user text were rendered as HTML. */
const htmlPayload = '<img src=x onerror="window.__injected=1"><script>window.__injected=2</script><b>bold</b>';

let server: RunningServer;
let stripe: Stripe;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let receiver: Receiver;
let reader: Stripe.Terminal.Reader;

/** A card_present payment taken at the simulated reader, as a cashier's POS would. */
async function takePayment(
  amount: number,
  options: Partial<Stripe.PaymentIntentCreateParams> = {},
): Promise<Stripe.PaymentIntent> {
  const intent = await stripe.paymentIntents.create({
    amount,
    currency: 'eur',
    payment_method_types: ['card_present'],
    ...options,
  } as Stripe.PaymentIntentCreateParams);
  await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: intent.id });
  await stripe.testHelpers.terminal.readers.presentPaymentMethod(reader.id);
  return stripe.paymentIntents.retrieve(intent.id);
}

before(async () => {
  // The first delivery fails (500, with HTML in its body), later ones succeed: a failed attempt to resend.
  receiver = await startReceiver((_request, count) =>
    count === 1
      ? (res) => {
          res.writeHead(500, { 'Content-Type': 'text/html' });
          res.end(htmlPayload);
        }
      : 200,
  );
  server = await startServer({ store: 'sqlite', name: 'dashboard_flows', env: { OPENTILL_WEBHOOK_POLL: '100ms' } });
  stripe = stripeFor(server, server.secretKey);
  const location = await stripe.terminal.locations.create({
    display_name: 'Boulangerie',
    address: { line1: '1 rue du Four', city: 'Paris', country: 'FR', postal_code: '75006' },
  });
  reader = await stripe.terminal.readers.create({
    registration_code: 'simulated-wpe',
    location: location.id,
    label: 'Caisse 1',
  });
  browser = await launchChromium();
  context = await dashboardContext(browser, 'desktop');
  page = await context.newPage();
});
after(async () => {
  await context?.close();
  await browser?.close();
  await stopServer(server);
  await receiver?.close();
});

describe('dashboard flows', () => {
  test('signs in with the one-time link opentill serve printed; the link works once', async () => {
    await signInWithLink(page, server);
    await page.waitForSelector('[data-page="payments"]');
    assert.match((await page.textContent('.account .mono')) ?? '', /^acct_/);
    // A second browser with the same link is refused: the token was used.
    const other = await dashboardContext(browser, 'desktop');
    try {
      const second = await other.newPage();
      const link = /dashboard:\s+(\S+)/.exec(server.output())![1]!;
      const url = new URL(link);
      await second.goto(`${server.baseUrl}${url.pathname}${url.search}`);
      await second.goto(`${server.baseUrl}/`);
      await second.waitForSelector('[data-page="sign-in"]');
    } finally {
      await other.close();
    }
  });

  test('payments taken through the API appear in the list without a reload', async () => {
    await page.waitForSelector('[data-testid="payments"], .empty');
    await page.waitForSelector('[data-live="stream"]');
    const first = await takePayment(1250, { description: 'Deux croissants' });
    const second = await takePayment(4200, { metadata: { note: htmlPayload }, description: htmlPayload });
    // Each row shows up, then turns succeeded when the live update after the payment lands.
    for (const intent of [first, second]) {
      await page.waitForSelector(
        `[data-testid="payments"] tr[data-id="${intent.id}"] .badge[data-status="succeeded"]`,
        { timeout: 15_000 },
      );
    }
    assert.equal(second.status, 'succeeded');
    const row = await page.textContent(`tr[data-id="${second.id}"]`);
    assert.match(row ?? '', /€42\.00/);
    assert.match(row ?? '', /succeeded/i);
    assert.match(row ?? '', /VISA\s*•••• 4242/);
    assert.equal(await page.locator('[data-testid="payments"] tbody tr').count(), 2);
  });

  test('HTML and script in metadata and descriptions render as text', async () => {
    const list = await stripe.paymentIntents.list({ limit: 1 });
    const intent = list.data[0]!;
    assert.equal(intent.metadata['note'], htmlPayload);
    await page.click(`tr[data-id="${intent.id}"]`);
    await page.waitForSelector('[data-testid="metadata-value"]');
    assert.equal(await page.textContent('[data-testid="metadata-value"]'), htmlPayload);
    assert.equal(await page.textContent('[data-testid="description"]'), htmlPayload);
    assert.equal(
      await page.locator('.content img, .content script, .content b').count(),
      0,
      'no element came out of user text',
    );
    assert.equal(await page.evaluate('window.__injected === undefined'), true, 'nothing user-supplied ran');
  });

  test("a payment's page shows its timeline from its events, the reader that took it and its receipt", async () => {
    const intent = (await stripe.paymentIntents.list({ limit: 2 })).data[1]!;
    // Found by its id from the search box at the top.
    await page.fill('.global-search input', intent.id);
    await page.press('.global-search input', 'Enter');
    await page.waitForSelector(`.page-header .mono:text-is("${intent.id}")`);
    await page.waitForSelector(`[data-testid="timeline"] li[data-type="payment_intent.succeeded"]`);
    const types = await page
      .locator('[data-testid="timeline"] li')
      .evaluateAll((items) => items.map((li) => li.getAttribute('data-type')));
    // Oldest first: created, then the reader's outcome and the charge, then succeeded.
    assert.equal(types[0], 'payment_intent.created');
    for (const type of ['charge.succeeded', 'payment_intent.succeeded', 'terminal.reader.action_succeeded']) {
      assert.ok(types.includes(type), `${type} in ${types.join(', ')}`);
    }
    assert.match((await page.textContent('.content')) ?? '', new RegExp(reader.id));
    assert.match((await page.textContent('[data-testid="payment-amount"]')) ?? '', /€12\.50/);
  });

  test('a partial refund from the UI shows through stripe-node', async () => {
    const intent = (await stripe.paymentIntents.list({ limit: 2 })).data[1]!;
    await page.click('[data-action="refund"]');
    await page.fill('dialog input[name="amount"]', '2.50');
    await page.click('dialog [data-action="submit"]');
    await page.waitForSelector('[data-testid="refunds-table"] tbody tr');
    const refunds = await stripe.refunds.list({ payment_intent: intent.id });
    assert.equal(refunds.data.length, 1);
    assert.equal(refunds.data[0]!.amount, 250);
    assert.equal(refunds.data[0]!.status, 'succeeded');
    assert.equal(refunds.data[0]!.reason, 'requested_by_customer');
    assert.match((await page.textContent('[data-testid="refunds-table"]')) ?? '', /€2\.50/);
    await page.waitForSelector('.badge[data-status="partially_refunded"]');
  });

  test("the reader page opens the reader's virtual screen in a new tab", async () => {
    await openRoute(page, `terminal/readers/${reader.id}`);
    await page.waitForSelector('[data-testid="reader-label"]:text-is("Caisse 1")');
    assert.match((await page.textContent('[data-testid="reader-status"]')) ?? '', /online/i);
    const [screen] = await Promise.all([context.waitForEvent('page'), page.click('[data-action="open-screen"]')]);
    await screen.waitForURL(new RegExp(`/opentill/screen/${reader.id}`));
    await screen.waitForSelector('body[data-screen]');
    assert.equal(await screen.getAttribute('body', 'data-connection'), 'online');
    assert.equal(await screen.textContent('#reader-label'), 'Caisse 1');
    await screen.close();
    // The reader's action history lists the payments it took.
    await page.waitForSelector('[data-testid="action-history"] tbody tr');
    assert.equal(await page.locator('[data-testid="action-history"] tbody tr').count(), 2);
  });

  test('a simulated reader registered from the Terminal page; HTML in its label shows as text', async () => {
    await openRoute(page, 'terminal');
    await page.waitForSelector(`[data-testid="readers"] tr[data-id="${reader.id}"]`);
    await page.fill('[data-testid="register-reader"] input[name="label"]', htmlPayload);
    await page.click('[data-action="register-reader"]');
    await page.waitForSelector('[data-testid="readers"] tbody tr:nth-child(2)');
    const readers = await stripe.terminal.readers.list();
    assert.equal(readers.data.length, 2);
    const registered = readers.data.find((r) => r.id !== reader.id)!;
    assert.equal(registered.label, htmlPayload);
    assert.equal(registered.device_type, 'simulated_wisepos_e');
    assert.equal(await page.textContent(`tr[data-id="${registered.id}"] strong`), htmlPayload);
    assert.equal(await page.locator('.content img, .content script, .content b').count(), 0);
    assert.equal(await page.evaluate('window.__injected === undefined'), true);
  });

  test('a failed webhook delivery is resent from the endpoint page and the new attempt shows', async () => {
    const endpoint = await stripe.webhookEndpoints.create({
      url: receiver.url,
      enabled_events: ['payment_intent.canceled'],
    });
    const intent = await stripe.paymentIntents.create({
      amount: 500,
      currency: 'eur',
      payment_method_types: ['card_present'],
    } as Stripe.PaymentIntentCreateParams);
    await stripe.paymentIntents.cancel(intent.id);
    await receiver.waitFor((received) => received.length === 1, 15_000, 'the first delivery');
    await openRoute(page, `webhooks/${endpoint.id}`);
    const rows = '[data-testid="attempts"] tbody tr';
    await page.waitForSelector(`${rows} .badge:text-is("500")`, { timeout: 15_000 });
    assert.equal(await page.locator(rows).count(), 1);
    // The receiver's HTML answer is shown as text.
    assert.equal(await page.textContent(`${rows} [data-testid="response-excerpt"]`), htmlPayload);
    assert.equal(await page.locator('.content img, .content script, .content b').count(), 0);
    assert.equal(await page.evaluate('window.__injected === undefined'), true);
    await page.click(`${rows} [data-action="resend"]`);
    await receiver.waitFor((received) => received.length === 2, 15_000, 'the resent delivery');
    await page.waitForSelector(`${rows} .badge:text-is("200")`, { timeout: 15_000 });
    assert.equal(await page.locator(rows).count(), 2);
    assert.equal(receiver.received[1]!.event.type, 'payment_intent.canceled');
  });

  test('a failed request is found in the request log, with its error body', async () => {
    const failure = await stripe.paymentIntents
      .create({ amount: 100, currency: 'eur', capture_method: 'sideways' as 'manual' })
      .then(
        () => null,
        (error: Stripe.errors.StripeError) => error,
      );
    assert.ok(failure?.requestId, 'the failed request has a Request-Id');
    await openRoute(page, 'logs');
    await page.selectOption('select[name="status"]', '4xx');
    await page.fill('input[name="q"]', failure.requestId!);
    const row = `[data-testid="request-log"] tr[data-id="${failure.requestId}"]`;
    // The failed request is also the newest row of the 4xx list shown while the `q` filter loads:
    // wait for the filtered list, where it is the only row.
    await waitUntil(
      async () =>
        (await page.locator(row).count()) === 1 &&
        (await page.locator('[data-testid="request-log"] tbody tr').count()) === 1,
      'the failed request alone in the filtered log',
      15_000,
    );
    await page.click(row);
    await page.waitForSelector('[data-testid="response-body"]');
    const body = (await page.textContent('[data-testid="response-body"]')) ?? '';
    assert.match(body, /"type": "invalid_request_error"/);
    assert.match(body, /"param": "capture_method"/);
    assert.match((await page.textContent('[data-testid="request-params"]')) ?? '', /"capture_method": "sideways"/);
  });

  test('sign-out ends the session on the server', async () => {
    await page.click('[data-action="sign-out"]');
    await page.waitForSelector('[data-page="sign-in"]');
    const status = await page.evaluate(
      "fetch('/opentill/dashboard/session', { credentials: 'same-origin' }).then((r) => r.status)",
    );
    assert.equal(status, 401);
    const list = await page.evaluate(
      "fetch('/v1/payment_intents', { credentials: 'same-origin' }).then((r) => r.status)",
    );
    assert.equal(list, 401);
    await page.reload();
    await page.waitForSelector('[data-page="sign-in"]');
  });
});
