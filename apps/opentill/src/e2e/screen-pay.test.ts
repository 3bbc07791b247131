/**
 * End to end: a real server, a simulated reader registered with the official `stripe` client, a
 * PaymentIntent sent to it with `process_payment_intent`, and a person paying on the virtual reader
 * screen in headless Chromium by clicking: a card, a PIN, a tip, the customer cancel button, a
 * decline, a wallet, the cart and collect_inputs. Every outcome is checked through the API. The
 * same screen also drives a reader connected over the reader protocol (`opentill reader --pair`).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import Stripe from 'stripe';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { opentillMain, startServer, type RunningServer } from '@opentill/testkit';
import { launchChromium, newContext, waitForScreen } from './screen-browser.js';

let server: RunningServer;
let stripe: Stripe;
let browser: Browser;
let location: Stripe.Terminal.Location;

async function opentill(path: string, params: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const response = await fetch(`${server.baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.secretKey}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  });
  const body = (await response.json()) as Record<string, unknown>;
  assert.equal(response.status, 200, `${path}: ${JSON.stringify(body)}`);
  return body;
}

async function paymentIntent(amount: number): Promise<Stripe.PaymentIntent> {
  // The seed's snippets send payment_method_types, which stripe-node 23's types no longer list.
  return stripe.paymentIntents.create({
    currency: 'eur',
    payment_method_types: ['card_present'],
    capture_method: 'manual',
    amount,
  } as Stripe.PaymentIntentCreateParams);
}

/** Opens the reader's screen the way an integration would: a screen session, then its URL. */
async function openScreen(context: BrowserContext, readerId: string): Promise<Page> {
  const session = await opentill(`/opentill/v1/terminal/readers/${readerId}/screen_sessions`);
  assert.match(String(session['url']), new RegExp(`/opentill/screen/${readerId}\\?token=`));
  const page = await context.newPage();
  await page.goto(String(session['url']));
  await page.waitForSelector('body[data-connection="online"]');
  return page;
}

async function readerAction(readerId: string): Promise<Stripe.Terminal.Reader.Action> {
  const reader = (await stripe.terminal.readers.retrieve(readerId)) as Stripe.Terminal.Reader;
  assert.ok(reader.action, 'the reader has an action');
  return reader.action;
}

/** Polls the reader until its action left `in_progress`. */
async function finalAction(readerId: string): Promise<Stripe.Terminal.Reader.Action> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const action = await readerAction(readerId);
    if (action.status !== 'in_progress') return action;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the action of ${readerId} is still in progress after 200 checks`);
}

before(async () => {
  server = await startServer({ store: 'sqlite', name: 'screen_pay' });
  stripe = new Stripe(server.secretKey, {
    host: '127.0.0.1',
    port: server.port,
    protocol: 'http',
    maxNetworkRetries: 0,
  });
  location = await stripe.terminal.locations.create({
    display_name: 'Café Lumière',
    address: { line1: '1 rue de la Paix', city: 'Paris', postal_code: '75002', country: 'FR' },
  });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

for (const viewport of ['phone', 'desktop'] as const) {
  describe(`pay on the virtual reader screen (${viewport})`, () => {
    let context: BrowserContext;
    before(async () => {
      context = await newContext(browser, viewport);
    });
    after(async () => {
      await context?.close();
    });

    test('tap a Visa: approved, the PaymentIntent is authorized with that card', async () => {
      const reader = await stripe.terminal.readers.create({
        registration_code: 'simulated-wpe',
        location: location.id,
        label: 'Caisse 1',
      });
      const page = await openScreen(context, reader.id);
      await waitForScreen(page, 'splash');
      assert.equal((await page.textContent('#view-title'))?.trim(), 'Caisse 1');

      const pi = await paymentIntent(1000);
      await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pi.id });
      await waitForScreen(page, 'collect');
      assert.match((await page.textContent('[data-testid="amount"]')) ?? '', /^10,00\s€$/);
      assert.equal(await page.locator('[data-action="cancel"]').count(), 0, 'no cancel button unless enabled');
      await page.click('[data-card="visa"]');
      await page.waitForSelector('.view-result.tone-ok');

      const action = await finalAction(reader.id);
      assert.equal(action.status, 'succeeded');
      const paid = await stripe.paymentIntents.retrieve(pi.id);
      assert.equal(paid.status, 'requires_capture');
      const method = await stripe.paymentMethods.retrieve(String(paid.payment_method));
      assert.equal(method.card_present?.last4, '4242');
      assert.equal(method.card_present?.read_method, 'contactless_emv');
      // A tapped card stays with the customer: nothing to take back.
      assert.equal(await page.locator('[data-action="remove-card"]').count(), 0);
      await page.close();
    });

    test('insert a card for an amount ending in 02: PIN pad, 1234, approved; the card can be taken back', async () => {
      const reader = await stripe.terminal.readers.create({
        registration_code: 'simulated-s700',
        location: location.id,
      });
      const page = await openScreen(context, reader.id);
      const pi = await paymentIntent(1002);
      await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pi.id });
      await waitForScreen(page, 'collect');
      await page.click('[data-read-method="contact_emv"]');
      await page.click('[data-card="mastercard"]');
      await waitForScreen(page, 'pin');
      assert.match((await page.textContent('[data-testid="amount"]')) ?? '', /^10,02\s€$/);
      // Too short first: OK stays disabled until 4 digits.
      for (const key of ['1', '2', '3']) await page.click(`[data-key="${key}"]`);
      assert.ok(await page.isDisabled('[data-key="ok"]'));
      await page.click('[data-key="4"]');
      await page.click('[data-key="ok"]');
      await page.waitForSelector('.view-result.tone-ok');

      assert.equal((await finalAction(reader.id)).status, 'succeeded');
      const paid = await stripe.paymentIntents.retrieve(pi.id);
      assert.equal(paid.status, 'requires_capture');
      const method = await stripe.paymentMethods.retrieve(String(paid.payment_method));
      assert.equal(method.card_present?.brand, 'mastercard');
      assert.equal(method.card_present?.read_method, 'contact_emv');
      // The card was inserted: the screen offers to take it back, and the reader returns to its splash screen.
      assert.ok(await page.locator('[data-action="remove-card"]').isVisible());
      await page.click('[data-action="remove-card"]');
      await waitForScreen(page, 'splash');
      await page.close();
    });

    test('a PIN test card (online PIN, SCA retry): approved with online PIN verification', async () => {
      const reader = await stripe.terminal.readers.create({
        registration_code: 'simulated-wpe',
        location: location.id,
      });
      const page = await openScreen(context, reader.id);
      const pi = await paymentIntent(1500);
      await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pi.id });
      await waitForScreen(page, 'collect');
      await page.click('[data-tab="pin"]');
      await page.click('[data-card="online_pin_sca_retry"]');
      // The card asks for a PIN: the device shows its PIN pad and waits for the person paying on the screen.
      await waitForScreen(page, 'pin');
      assert.equal((await readerAction(reader.id)).status, 'in_progress');
      await page.keyboard.type('1234');
      await page.keyboard.press('Enter');
      await page.waitForSelector('.view-result.tone-ok');
      const action = await finalAction(reader.id);
      assert.equal(action.status, 'succeeded', JSON.stringify(action));
      const paid = await stripe.paymentIntents.retrieve(pi.id, { expand: ['latest_charge'] });
      assert.equal(paid.status, 'requires_capture');
      const charge = paid.latest_charge as Stripe.Charge;
      assert.equal(charge.payment_method_details?.card_present?.receipt?.cardholder_verification_method, 'online_pin');
      await page.close();
    });

    test('tip from the Configuration: 15 % added to the PaymentIntent', async () => {
      const configuration = await stripe.terminal.configurations.create({
        tipping: { eur: { percentages: [10, 15, 20] } },
      });
      const tipLocation = await stripe.terminal.locations.create({
        display_name: 'Terrasse',
        address: { line1: '2 rue de la Paix', city: 'Paris', postal_code: '75002', country: 'FR' },
        configuration_overrides: configuration.id,
      });
      const reader = await stripe.terminal.readers.create({
        registration_code: 'simulated-wpe',
        location: tipLocation.id,
      });
      const page = await openScreen(context, reader.id);
      const pi = await paymentIntent(2000);
      await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pi.id });
      await waitForScreen(page, 'collect');
      await page.click('[data-card="visa"]');
      await waitForScreen(page, 'tip');
      assert.deepEqual(await page.locator('.tip-label').allTextContents(), ['10%', '15%', '20%']);
      assert.deepEqual(
        (await page.locator('.tip-amount').allTextContents()).map((t) => t.replace(/\s/g, ' ')),
        ['2,00 €', '3,00 €', '4,00 €'],
      );
      await page.click('[data-tip="300"]');
      await page.waitForSelector('.view-result.tone-ok');
      assert.match((await page.textContent('.view-result .amount')) ?? '', /^23,00\s€$/);

      assert.equal((await finalAction(reader.id)).status, 'succeeded');
      const paid = await stripe.paymentIntents.retrieve(pi.id);
      assert.equal(paid.status, 'requires_capture');
      assert.equal(paid.amount, 2300);
      assert.equal(paid.amount_details?.tip?.amount, 300);
      await page.close();
    });

    test('custom tip amount typed by the customer', async () => {
      const configuration = await stripe.terminal.configurations.create({
        tipping: { eur: { fixed_amounts: [100, 200, 500] } },
      });
      const tipLocation = await stripe.terminal.locations.create({
        display_name: 'Bar',
        address: { line1: '3 rue de la Paix', city: 'Paris', postal_code: '75002', country: 'FR' },
        configuration_overrides: configuration.id,
      });
      const reader = await stripe.terminal.readers.create({
        registration_code: 'simulated-wpe',
        location: tipLocation.id,
      });
      const page = await openScreen(context, reader.id);
      const pi = await paymentIntent(1200);
      await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pi.id });
      await waitForScreen(page, 'collect');
      await page.click('[data-card="amex"]');
      await waitForScreen(page, 'tip');
      // Fixed amounts arrive labelled as money by the server (en-US form, docs/reader-protocol.md), not as raw minor units.
      assert.deepEqual(await page.locator('.tip-label').allTextContents(), ['€1.00', '€2.00', '€5.00']);
      assert.equal(await page.locator('.tip-amount').count(), 0, 'the label already is the amount');
      await page.click('[data-action="custom-tip"]');
      await page.fill('#custom-tip', '1,80');
      await page.click('[data-action="custom-tip-ok"]');
      await page.waitForSelector('.view-result.tone-ok');
      const paid = await stripe.paymentIntents.retrieve(pi.id);
      assert.equal(paid.amount, 1380);
      assert.equal(paid.amount_details?.tip?.amount, 180);
      await page.close();
    });

    test('a tip, then the PIN pad (amount ending in 02): the PaymentIntent includes the tip', async () => {
      const configuration = await stripe.terminal.configurations.create({
        tipping: { eur: { fixed_amounts: [100, 200, 500] } },
      });
      const tipLocation = await stripe.terminal.locations.create({
        display_name: 'Brasserie',
        address: { line1: '4 rue de la Paix', city: 'Paris', postal_code: '75002', country: 'FR' },
        configuration_overrides: configuration.id,
      });
      const reader = await stripe.terminal.readers.create({
        registration_code: 'simulated-wpe',
        location: tipLocation.id,
      });
      const page = await openScreen(context, reader.id);
      const pi = await paymentIntent(1002);
      await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pi.id });
      await waitForScreen(page, 'collect');
      await page.click('[data-card="visa"]');
      await waitForScreen(page, 'tip');
      await page.click('[data-tip="200"]');
      await waitForScreen(page, 'pin');
      assert.match((await page.textContent('[data-testid="amount"]')) ?? '', /^12,02\s€$/);
      await page.keyboard.type('1234');
      await page.keyboard.press('Enter');
      await page.waitForSelector('.view-result.tone-ok');
      assert.equal((await finalAction(reader.id)).status, 'succeeded');
      const paid = await stripe.paymentIntents.retrieve(pi.id);
      assert.equal(paid.status, 'requires_capture');
      assert.equal(paid.amount, 1202);
      assert.equal(paid.amount_details?.tip?.amount, 200);
      await page.close();
    });

    test('customer cancel: the action fails with customer_canceled, the PaymentIntent is reusable', async () => {
      const reader = await stripe.terminal.readers.create({
        registration_code: 'simulated-wpe',
        location: location.id,
      });
      const page = await openScreen(context, reader.id);
      const pi = await paymentIntent(1000);
      await stripe.terminal.readers.processPaymentIntent(reader.id, {
        payment_intent: pi.id,
        process_config: { enable_customer_cancellation: true },
      });
      await waitForScreen(page, 'collect');
      await page.click('[data-action="cancel"]');
      await page.waitForSelector('.view-result.tone-neutral');
      const action = await finalAction(reader.id);
      assert.equal(action.status, 'failed');
      assert.equal(action.failure_code, 'customer_canceled');
      assert.equal((await stripe.paymentIntents.retrieve(pi.id)).status, 'requires_payment_method');
      await page.close();
    });

    test('a declined card shows the decline; a wallet then pays the same PaymentIntent', async () => {
      const reader = await stripe.terminal.readers.create({
        registration_code: 'simulated-wpe',
        location: location.id,
      });
      const page = await openScreen(context, reader.id);
      const pi = await paymentIntent(1000);
      await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pi.id });
      await waitForScreen(page, 'collect');
      await page.click('[data-tab="declines"]');
      await page.click('[data-card="charge_declined_insufficient_funds"]');
      await page.waitForSelector('.view-result.tone-bad');
      assert.match((await page.textContent('[data-testid="result-message"]')) ?? '', /insufficient funds/i);
      const failed = await finalAction(reader.id);
      assert.equal(failed.status, 'failed');
      assert.equal(failed.failure_code, 'card_declined');
      assert.equal((await stripe.paymentIntents.retrieve(pi.id)).status, 'requires_payment_method');

      await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pi.id });
      await waitForScreen(page, 'collect');
      await page.click('[data-tab="wallets"]');
      await page.click('[data-wallet="apple_pay"]');
      await page.waitForSelector('.view-result.tone-ok');
      const paid = await stripe.paymentIntents.retrieve(pi.id);
      assert.equal(paid.status, 'requires_capture');
      const method = await stripe.paymentMethods.retrieve(String(paid.payment_method));
      assert.equal((method.card_present as { wallet?: { type: string } } | undefined)?.wallet?.type, 'apple_pay');
      await page.close();
    });

    test('cart of set_reader_display, then collect_inputs filled on the screen', async () => {
      const reader = await stripe.terminal.readers.create({
        registration_code: 'simulated-wpe',
        location: location.id,
      });
      const page = await openScreen(context, reader.id);
      await stripe.terminal.readers.setReaderDisplay(reader.id, {
        type: 'cart',
        cart: {
          currency: 'eur',
          line_items: [{ description: 'Café crème', amount: 350, quantity: 2 }],
          tax: 70,
          total: 770,
        },
      });
      await waitForScreen(page, 'cart');
      assert.match((await page.textContent('[data-testid="cart-total"]')) ?? '', /^7,70\s€$/);
      assert.match((await page.textContent('.cart-line')) ?? '', /2 ×\s*Café crème\s*7,00\s€/);

      await stripe.terminal.readers.collectInputs(reader.id, {
        inputs: [
          {
            type: 'email',
            custom_text: {
              title: 'Votre e-mail',
              description: 'Pour le reçu',
              skip_button: 'Passer',
              submit_button: 'Envoyer',
            },
            required: false,
          },
          {
            type: 'selection',
            custom_text: { title: 'Satisfait ?' },
            required: true,
            selection: {
              choices: [
                { id: 'yes', text: 'Oui', style: 'primary' },
                { id: 'no', text: 'Non', style: 'secondary' },
              ],
            },
          },
          {
            type: 'signature',
            custom_text: { title: 'Signature', submit_button: 'Valider' },
            required: true,
            toggles: [{ title: 'Newsletter', default_value: 'disabled' }],
          },
        ],
      } as Stripe.Terminal.ReaderCollectInputsParams);
      await waitForScreen(page, 'inputs');
      await page.fill('#input-0', 'client@exemple.fr');
      await page.click('[data-action="submit"]');
      await page.waitForSelector('[data-choice="yes"]:enabled');
      await page.click('[data-choice="yes"]');
      await page.waitForSelector('canvas.signature-pad');
      const box = await page.locator('canvas.signature-pad').boundingBox();
      assert.ok(box);
      await page.mouse.move(box.x + 30, box.y + 100);
      await page.mouse.down();
      await page.mouse.move(box.x + 120, box.y + 40, { steps: 8 });
      await page.mouse.move(box.x + 220, box.y + 120, { steps: 8 });
      await page.mouse.up();
      await page.click('label[for="input-2-toggle-0"]');
      await page.click('[data-action="submit"]');

      const action = await finalAction(reader.id);
      assert.equal(action.status, 'succeeded', JSON.stringify(action));
      const collected = JSON.stringify(action.collect_inputs);
      assert.match(collected, /client@exemple\.fr/);
      assert.match(collected, /"yes"/);
      assert.match(collected, /"enabled"/);
      await page.close();
    });
  });
}

/**
 * `opentill reader --pair …` as a child process, registered at the Location with the code it
 * prints, once it says it is connected. The caller kills it.
 */
async function pairedReaderProcess(
  args: string[],
  label?: string,
): Promise<{ child: ChildProcess; reader: Stripe.Terminal.Reader }> {
  const child = spawn(process.execPath, [opentillMain, 'reader', '--pair', '--api-base', server.baseUrl, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const waitFor = async (pattern: RegExp, what: string) => {
    // Every 25 ms, at most 600 checks (15 s).
    for (let attempt = 0; !pattern.test(output); attempt += 1) {
      if (attempt >= 600 || child.exitCode !== null) {
        child.kill();
        throw new Error(`${what}:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  await waitFor(/Registration code: \S+/, 'no registration code');
  const code = /Registration code: (\S+)/.exec(output)![1]!;
  const reader = await stripe.terminal.readers.create({
    registration_code: code,
    location: location.id,
    ...(label ? { label } : {}),
  });
  await waitFor(/connected as/, 'the reader did not connect');
  return { child, reader };
}

describe('pay on the screen of a reader connected over the reader protocol (opentill reader --pair)', () => {
  test('insert a card: approved (the device types its preset PIN); the customer cancels the next one', async () => {
    const { child, reader } = await pairedReaderProcess(['--personality', 's700'], 'Comptoir S700');
    const context = await newContext(browser, 'desktop');
    try {
      const page = await openScreen(context, reader.id);
      await waitForScreen(page, 'splash');
      assert.match((await page.textContent('.device-name')) ?? '', /S700/);

      // `opentill reader` answers PIN prompts itself (`--pin`, default 1234): no PIN pad on its screen.
      const pi = await paymentIntent(2502);
      await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pi.id });
      await waitForScreen(page, 'collect');
      assert.match((await page.textContent('[data-testid="amount"]')) ?? '', /^25,02\s€$/);
      await page.click('[data-read-method="contact_emv"]');
      await page.click('[data-card="visa_debit"]');
      await page.waitForSelector('.view-result.tone-ok');
      assert.equal((await finalAction(reader.id)).status, 'succeeded');
      const paid = await stripe.paymentIntents.retrieve(pi.id);
      assert.equal(paid.status, 'requires_capture');
      const method = await stripe.paymentMethods.retrieve(String(paid.payment_method));
      assert.equal(method.card_present?.last4, '5556');
      assert.equal(method.card_present?.read_method, 'contact_emv');

      const next = await paymentIntent(1000);
      await stripe.terminal.readers.processPaymentIntent(reader.id, {
        payment_intent: next.id,
        process_config: { enable_customer_cancellation: true },
      });
      await waitForScreen(page, 'collect');
      await page.click('[data-action="cancel"]');
      const canceled = await finalAction(reader.id);
      assert.equal(canceled.status, 'failed');
      assert.equal(canceled.failure_code, 'customer_canceled');
      await page.waitForSelector('.view-result.tone-neutral');
    } finally {
      await context.close();
      child.kill();
    }
  });

  test('`--pin none`: the device shows its PIN pad and the person on the screen types the PIN', async () => {
    const { child, reader } = await pairedReaderProcess(['--pin', 'none', '--quiet']);
    const context = await newContext(browser, 'phone');
    try {
      const page = await openScreen(context, reader.id);
      await waitForScreen(page, 'splash');
      const pi = await paymentIntent(1802);
      await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pi.id });
      await waitForScreen(page, 'collect');
      await page.click('[data-read-method="contact_emv"]');
      await page.click('[data-card="visa"]');
      await waitForScreen(page, 'pin');
      assert.equal((await readerAction(reader.id)).status, 'in_progress');
      for (const key of ['1', '2', '3', '4']) await page.click(`[data-key="${key}"]`);
      await page.click('[data-key="ok"]');
      await page.waitForSelector('.view-result.tone-ok');
      assert.equal((await finalAction(reader.id)).status, 'succeeded');
      const paid = await stripe.paymentIntents.retrieve(pi.id, { expand: ['latest_charge'] });
      assert.equal(paid.status, 'requires_capture');
      const charge = paid.latest_charge as Stripe.Charge;
      assert.equal(charge.payment_method_details?.card_present?.receipt?.cardholder_verification_method, 'offline_pin');
      // The inserted card is taken back: the device returns to its splash screen.
      await page.click('[data-action="remove-card"]');
      await waitForScreen(page, 'splash');
    } finally {
      await context.close();
      child.kill();
    }
  });
});
