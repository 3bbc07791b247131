/**
 * The example web POS (examples/web-pos) end to end in headless Chromium: its backend (official
 * `stripe` package pointed at OpenTill) and its checkout page (the OpenTill Terminal SDK loaded as
 * ES modules through an import map). Pay with a simulated reader — a decline first, then the same
 * PaymentIntent again — capture through the backend, and check the PaymentIntent on the server.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { terminalFixture, type TerminalFixture } from './terminal-fixture.js';
import { startExample, type ExampleProcess } from './example-process.js';
import { launchChromium } from './screen-browser.js';

/** The result box's background (examples/web-pos/public/index.html). */
const succeededGreen = 'rgb(227, 249, 229)';
const declinedRed = 'rgb(253, 232, 232)';
function resultColour(page: Page): Promise<string> {
  // A string: this package is compiled without the DOM library.
  return page.evaluate("getComputedStyle(document.getElementById('result')).backgroundColor") as Promise<string>;
}

describe('example web POS in headless Chromium (sqlite)', () => {
  let f: TerminalFixture;
  let pos: ExampleProcess;
  let browser: Browser;

  before(async () => {
    f = await terminalFixture('sqlite', 'sdk_browser');
    pos = await startExample('web-pos', f.server.baseUrl, f.server.secretKey);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await pos?.stop();
    await f?.stop();
  });

  test('checkout: connect a simulated reader, a decline, pay with the same PaymentIntent, capture', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(pos.url);
    await page.waitForSelector('body[data-ready="true"]');

    await page.click('#connect');
    await page.waitForSelector('#pay:not([disabled])');
    assert.equal(await page.textContent('#connection'), 'connected');
    const readerId = await page.getAttribute('#reader-label', 'data-reader-id');
    assert.match(readerId ?? '', /^tmr_/);

    // A declined card: the page keeps the PaymentIntent for the next attempt.
    await page.selectOption('#test-card', 'charge_declined');
    await page.click('#pay');
    await page.waitForSelector('#result[data-status="declined"]');
    assert.equal(await resultColour(page), declinedRed, 'a failure shows red');
    const declinedIntent = await page.getAttribute('#result', 'data-payment-intent');
    assert.match(declinedIntent ?? '', /^pi_/);
    assert.equal((await f.stripe.paymentIntents.retrieve(declinedIntent!)).status, 'requires_payment_method');

    await page.selectOption('#test-card', 'visa');
    await page.fill('#tip', '150');
    await page.click('#pay');
    await page.waitForSelector('#result[data-status="succeeded"]', { timeout: 15_000 });
    const paidIntent = await page.getAttribute('#result', 'data-payment-intent');
    assert.equal(paidIntent, declinedIntent, 'the same PaymentIntent is reused after a decline');
    assert.match((await page.textContent('#result')) ?? '', /succeeded/);
    assert.equal(await resultColour(page), succeededGreen, 'a success shows green');

    const intent = await f.stripe.paymentIntents.retrieve(paidIntent!, { expand: ['latest_charge'] });
    assert.equal(intent.status, 'succeeded');
    assert.equal(intent.amount, 1150);
    assert.equal(intent.amount_received, 1150);
    const charge = intent.latest_charge as {
      payment_method_details: { card_present: { last4: string; reader: string } };
    };
    assert.equal(charge.payment_method_details.card_present.last4, '4242');
    assert.equal(charge.payment_method_details.card_present.reader, readerId);
    // The SDK drove the reader: the server-driven view shows the same reader's last action.
    const reader = (await f.stripe.terminal.readers.retrieve(readerId!)) as {
      action: { type: string; status: string };
    };
    assert.equal(reader.action.type, 'confirm_payment_intent');
    assert.equal(reader.action.status, 'succeeded');
    assert.deepEqual(errors, []);
    await page.close();
  });

  /** The checkout page, loaded, with the errors it throws collected. */
  async function openPos(): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(pos.url);
    await page.waitForSelector('body[data-ready="true"]');
    return { page, errors };
  }

  test('a reader that is not simulated: a link to its virtual screen; Disconnect', async () => {
    const { page, errors } = await openPos();
    assert.equal(await page.isHidden('#screen-link'), true, 'no screen link before a reader is connected');
    await page.uncheck('#simulated');
    await page.click('#connect');
    await page.waitForSelector('#screen-link:not([hidden])');
    const readerId = await page.getAttribute('#reader-label', 'data-reader-id');
    const href = await page.getAttribute('#screen-link', 'href');
    assert.match(href ?? '', new RegExp(`^${f.server.baseUrl}/opentill/screen/${readerId}\\?token=otscr_`));
    // The link opens the reader's screen, which connects to its channel.
    const screen = await browser.newPage();
    await screen.goto(href!);
    await screen.waitForSelector('body[data-screen]');
    await screen.close();

    await page.click('#disconnect');
    await page.waitForSelector('#connect:not([disabled])');
    assert.equal(await page.textContent('#connection'), 'not_connected');
    assert.equal(await page.isHidden('#screen-link'), true, 'the link goes with the reader');
    assert.equal(await page.isDisabled('#pay'), true);
    assert.equal(await page.isDisabled('#disconnect'), true);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('the SDK in the browser: methods and error codes (cross-origin, CORS)', async () => {
    const { page, errors } = await openPos();
    const intent = await f.stripe.paymentIntents.create({
      amount: 2000,
      currency: 'eur',
      payment_method_types: ['card_present'],
      capture_method: 'automatic',
    } as Parameters<typeof f.stripe.paymentIntents.create>[0]);
    const setupIntent = await f.stripe.setupIntents.create({
      customer: (await f.stripe.customers.create({})).id,
      payment_method_types: ['card_present'],
    } as Parameters<typeof f.stripe.setupIntents.create>[0]);
    const results = await page.evaluate(
      async ({ apiBase, clientSecret, setupSecret }) => {
        const { StripeTerminal, AllowRedisplay, FormType } = (await import(
          '@opentill/terminal-sdk' as string
        )) as typeof import('@opentill/terminal-sdk');
        const out: Record<string, unknown> = {};
        let failToken = true;
        const statuses: string[] = [];
        const terminal = StripeTerminal.create({
          apiBase,
          onFetchConnectionToken: async () => {
            if (failToken) throw new Error('nope');
            return ((await (await fetch('/connection_token', { method: 'POST' })).json()) as { secret: string }).secret;
          },
          onUnexpectedReaderDisconnect: () => undefined,
          onPaymentStatusChange: (event) => {
            statuses.push(event.status);
          },
        });
        const code = (result: unknown) => (result as { error?: { code?: string } }).error?.code ?? 'ok';
        out['failedFetch'] = code(await terminal.discoverReaders({ simulated: true }));
        failToken = false;
        const found = await terminal.discoverReaders({ simulated: true });
        if ('error' in found) return { fatal: found.error.message };
        const reader = found.discoveredReaders[0]!;
        out['noConnection'] = code(await terminal.collectPaymentMethod(clientSecret));
        out['connect'] = code(await terminal.connectReader(reader));
        out['alreadyConnected'] = code(await terminal.connectReader(reader));
        out['noActiveCollect'] = code(await terminal.cancelCollectPaymentMethod());
        out['display'] = code(
          await terminal.setReaderDisplay({
            type: 'cart',
            cart: {
              line_items: [{ description: 'Tea', amount: 2000, quantity: 1 }],
              tax: 0,
              total: 2000,
              currency: 'eur',
            },
          }),
        );
        out['clearDisplay'] = code(await terminal.clearReaderDisplay());
        const inputs = await terminal.collectInputs({ inputs: [{ formType: FormType.EMAIL, title: 'Email?' }] });
        out['inputs'] = Array.isArray(inputs) ? inputs[0]!.email : code(inputs);
        terminal.setSimulatorConfiguration({ testPaymentMethod: 'charge_declined' });
        const declinedCollect = await terminal.collectPaymentMethod(clientSecret);
        if ('error' in declinedCollect) return { fatal: declinedCollect.error.message };
        const declined = await terminal.processPayment(declinedCollect.paymentIntent);
        out['declined'] = 'error' in declined ? [declined.error.code, declined.error.payment_intent?.status] : 'ok';
        terminal.setSimulatorConfiguration({ testPaymentMethod: 'visa' });
        const collected = await terminal.collectPaymentMethod(clientSecret, {
          config_override: { update_payment_intent: true },
        });
        if ('error' in collected) return { fatal: collected.error.message };
        out['brand'] = collected.paymentIntent.sdk_payment_details.card_payment?.card_brand;
        const paid = await terminal.processPayment(collected.paymentIntent);
        if ('error' in paid) return { fatal: paid.error.message };
        out['paid'] = paid.paymentIntent.status;
        const charge = paid.paymentIntent.latest_charge as string;
        out['refundCollect'] = code(await terminal.collectRefundPaymentMethod(charge, 500, 'eur'));
        const refund = await terminal.processRefund();
        out['refund'] = 'error' in refund ? refund.error.code : refund.refund.status;
        const setup = await terminal.collectSetupIntentPaymentMethod(setupSecret, AllowRedisplay.ALWAYS, null);
        if ('error' in setup) return { fatal: setup.error.message };
        const confirmed = await terminal.confirmSetupIntent(setup.setupIntent);
        out['setup'] = 'error' in confirmed ? confirmed.error.code : confirmed.setupIntent.status;
        out['disconnect'] = code(await terminal.disconnectReader());
        out['status'] = [terminal.getConnectionStatus(), terminal.getPaymentStatus()];
        out['sawProcessing'] = statuses.includes('processing');
        return out;
      },
      { apiBase: f.server.baseUrl, clientSecret: intent.client_secret!, setupSecret: setupIntent.client_secret! },
    );
    assert.deepEqual(results, {
      failedFetch: 'failed_fetch_connection_token',
      noConnection: 'no_established_connection',
      connect: 'ok',
      alreadyConnected: 'already_connected',
      noActiveCollect: 'no_active_collect_payment_method_attempt',
      display: 'ok',
      clearDisplay: 'ok',
      inputs: 'customer@example.com',
      declined: ['card_declined', 'requires_payment_method'],
      brand: 'VISA',
      paid: 'succeeded',
      refundCollect: 'ok',
      refund: 'succeeded',
      setup: 'succeeded',
      disconnect: 'ok',
      status: ['not_connected', 'not_ready'],
      sawProcessing: true,
    });
    assert.deepEqual(errors, []);
    await page.close();
  });
});
