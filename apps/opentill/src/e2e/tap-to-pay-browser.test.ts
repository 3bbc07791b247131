/**
 * The example Tap to Pay POS (examples/tap-to-pay-pos) end to end in headless Chromium at a phone's
 * size: its backend (official `stripe` package pointed at OpenTill, a Location in FR) and its
 * phone app (the mobile SDK and its DOM tap screen / PIN pad, loaded as ES modules through an
 * import map). A card above the FR contactless limit asks for a PIN; an Apple Pay wallet under it
 * does not. Every payment is checked on the server through the official `stripe` package.
 *
 * OPENTILL_SCREENSHOTS=1 also writes docs/screenshots/tap-to-pay/{tap-screen,pin-pad,result}.png.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { terminalFixture, type TerminalFixture } from './terminal-fixture.js';
import { repoRoot, startExample, type ExampleProcess } from './example-process.js';
import { launchChromium } from './screen-browser.js';

const screenshots = process.env.OPENTILL_SCREENSHOTS === '1' ? join(repoRoot, 'docs/screenshots/tap-to-pay') : null;

/** A computed style of the first element matching `selector`. */
function css(page: Page, selector: string, property: string): Promise<string> {
  return page.evaluate(
    `getComputedStyle(document.querySelector(${JSON.stringify(selector)}))[${JSON.stringify(property)}]`,
  ) as Promise<string>;
}

/** Where an element sits in the free space of its parent, as biases (0 = left/top, 1 = right/bottom). */
async function biasWithinParent(page: Page, selector: string): Promise<{ x: number; y: number }> {
  const box = (await page.locator(selector).boundingBox())!;
  const parent = (await page.locator(selector).locator('xpath=..').boundingBox())!;
  return { x: (box.x - parent.x) / (parent.width - box.width), y: (box.y - parent.y) / (parent.height - box.height) };
}

interface ChargeDetails {
  status: string;
  payment_method_details: {
    card_present: {
      last4: string;
      brand: string;
      reader: string;
      wallet: { type: string } | null;
      receipt: { cardholder_verification_method: string } | null;
    };
  };
}

describe('example Tap to Pay POS in headless Chromium (phone viewport, sqlite)', () => {
  let f: TerminalFixture;
  let pos: ExampleProcess;
  let browser: Browser;

  before(async () => {
    f = await terminalFixture('sqlite', 'ttp_browser');
    pos = await startExample('tap-to-pay-pos', f.server.baseUrl, f.server.secretKey, {
      OPENTILL_LOCATION_COUNTRY: 'FR',
    });
    browser = await launchChromium();
    if (screenshots) mkdirSync(screenshots, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await pos?.stop();
    await f?.stop();
  });

  /** A fresh phone (its own storage: its own installation id, so its own reader), connected. */
  async function openPhone(query = ''): Promise<{ page: Page; errors: string[]; close: () => Promise<void> }> {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      deviceScaleFactor: 2,
      locale: 'en-US',
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    // outcomeMs=0: the SDK's success indication does not hold the test up.
    await page.goto(`${pos.url}/?outcomeMs=0${query ? `&${query}` : ''}`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.waitForSelector('#connection[data-status="connected"]', { timeout: 15_000 });
    // Records whether the PIN pad ever showed (it is removed again before the result). The browser-side
    // code is a string: this package compiles without the DOM lib.
    await page.evaluate(`window.seenPin = 0; new MutationObserver(() => {
      if (document.querySelector('[data-testid="ttp-pin-pad"]')) window.seenPin++;
    }).observe(document.body, { childList: true, subtree: true });`);
    return { page, errors, close: () => context.close() };
  }

  async function typeAmount(page: Page, minor: string): Promise<void> {
    for (const key of minor) await page.tap(`#keypad [data-key="${key}"]`);
    assert.equal(await page.getAttribute('#amount-display', 'data-amount'), String(Number(minor)));
  }

  /** The tap screen, or a failure that says what the POS did instead: its result screen and its log. */
  async function tapScreen(page: Page) {
    return page.waitForSelector('[data-testid="ttp-tap-screen"]').catch(async (error: unknown) => {
      const result = await page.getAttribute('#result', 'data-status');
      throw new Error(`no tap screen (result: ${result}); the POS log:\n${await page.textContent('#log')}`, {
        cause: error,
      });
    });
  }

  async function serverPayment(
    page: Page,
  ): Promise<{ id: string; amount: number; received: number; status: string; charge: ChargeDetails }> {
    const id = await page.getAttribute('#result', 'data-payment-intent');
    assert.match(id ?? '', /^pi_/);
    const intent = await f.stripe.paymentIntents.retrieve(id!, { expand: ['latest_charge'] });
    return {
      id: intent.id,
      amount: intent.amount,
      received: intent.amount_received,
      status: intent.status,
      charge: intent.latest_charge as unknown as ChargeDetails,
    };
  }

  test('75.00 EUR by card: tap screen (with the UX configuration), PIN pad, capture; online PIN on the charge', async () => {
    const { page, errors, close } = await openPhone();

    // The merchant configures the tap screen: on-screen zone, orange primary, dark mode.
    await page.tap('#open-settings');
    await page.selectOption('#ux-indicator', 'front');
    await page.fill('#ux-x', '0.3');
    await page.fill('#ux-y', '0.25');
    await page.check('#ux-primary-on');
    await page.fill('#ux-primary', '#ff9800');
    await page.selectOption('#ux-dark-mode', 'dark');
    await page.click('#settings-apply');
    await page.waitForSelector('#settings', { state: 'hidden' });

    await typeAmount(page, '7500');
    assert.match((await page.textContent('#charge')) ?? '', /75\.00/);
    assert.match((await page.textContent('#limit-hint')) ?? '', /PIN/);
    await page.tap('#charge');

    const screen = await tapScreen(page);
    assert.equal(await page.textContent('[data-testid="ttp-amount"]'), '€75.00');
    assert.equal(await page.textContent('[data-testid="ttp-merchant"]'), 'Café OpenTill');
    assert.equal(await page.textContent('[data-testid="ttp-prompt"]'), 'Hold card here');
    assert.equal(await screen.getAttribute('data-theme'), 'dark');
    assert.equal(await page.getAttribute('[data-testid="ttp-tap-zone"]', 'data-indicator'), 'front');
    assert.equal(
      await css(page, '[data-testid="ttp-prompt"]', 'color'),
      'rgb(255, 152, 0)',
      'the prompt takes the configured primary colour',
    );
    // The zone sits at (0.3, 0.25) of the free space of the stage.
    const zone = await biasWithinParent(page, '[data-testid="ttp-tap-zone"]');
    assert.ok(Math.abs(zone.x - 0.3) < 0.02 && Math.abs(zone.y - 0.25) < 0.02, JSON.stringify(zone));
    await page.selectOption('[data-testid="ttp-card-select"]', '4242424242424242');
    await page.selectOption('[data-testid="ttp-wallet-select"]', '');
    if (screenshots) await page.screenshot({ path: join(screenshots, 'tap-screen.png') });
    await page.tap('[data-testid="ttp-tap-zone"]');

    // Above the 50 EUR limit: the PIN pad, in its own neutral theme wherever the layout put it.
    const pad = await page.waitForSelector('[data-testid="ttp-pin-pad"]');
    const overlay = '[data-testid="ttp-pin-screen"]';
    assert.equal(await page.getAttribute(overlay, 'data-theme'), 'pin');
    assert.equal(
      await page.evaluate(`document.querySelector('${overlay}').style.getPropertyValue('--ttp-primary')`),
      '',
      'the PIN screen ignores the UX configuration',
    );
    assert.equal(await css(page, overlay, 'backgroundColor'), 'rgb(0, 0, 0)');
    const colors =
      (await page.evaluate(`[...document.querySelectorAll('[data-testid="ttp-pin-pad"], [data-testid="ttp-pin-pad"] *')]
      .flatMap((node) => [getComputedStyle(node).color, getComputedStyle(node).backgroundColor])`)) as string[];
    assert.ok(colors.length > 10 && !colors.includes('rgb(255, 152, 0)'), 'no UX colour on the PIN pad');
    const bias = { x: Number(await pad.getAttribute('data-x-bias')), y: Number(await pad.getAttribute('data-y-bias')) };
    const placed = await biasWithinParent(page, '[data-testid="ttp-pin-pad"]');
    assert.ok(
      Math.abs(placed.x - bias.x) < 0.02 && Math.abs(placed.y - bias.y) < 0.02,
      `the pad sits at its layout position: ${JSON.stringify({ bias, placed })}`,
    );
    assert.ok(bias.x !== 0.5 || bias.y !== 0.5, 'never exactly centred');
    const keys = await page.locator('[data-testid^="ttp-pin-key-"]').allTextContents();
    assert.deepEqual(keys, ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0']);
    assert.equal(await page.isDisabled('[data-testid="ttp-pin-ok"]'), true);
    for (const digit of '1234') await page.tap(`[data-testid="ttp-pin-key-${digit}"]`);
    assert.equal(await page.getAttribute('[data-testid="ttp-pin-dots"]', 'data-length'), '4');
    assert.equal(await page.textContent('[data-testid="ttp-pin-dots"]'), '', 'the PIN is never shown');
    if (screenshots) await page.screenshot({ path: join(screenshots, 'pin-pad.png') });
    await page.tap('[data-testid="ttp-pin-ok"]');

    await page.waitForSelector('#result[data-status="succeeded"]', { timeout: 20_000 });
    assert.equal(
      await page.$('[data-testid="ttp-tap-screen"], [data-testid="ttp-pin-screen"]'),
      null,
      'the SDK gave the screen back',
    );
    assert.equal(await page.textContent('#result dd[data-field="cvm"]'), 'online_pin');
    assert.equal(await page.textContent('#result dd[data-field="status"]'), 'succeeded');
    assert.match((await page.textContent('#result dd[data-field="card"]')) ?? '', /visa •••• 4242/);
    if (screenshots) await page.screenshot({ path: join(screenshots, 'result.png') });

    const paid = await serverPayment(page);
    assert.equal(paid.status, 'succeeded');
    assert.equal(paid.amount, 7500);
    assert.equal(paid.received, 7500);
    const card = paid.charge.payment_method_details.card_present;
    assert.equal(card.receipt?.cardholder_verification_method, 'online_pin');
    assert.equal(card.last4, '4242');
    assert.equal(card.wallet ?? null, null);
    const reader = (await f.stripe.terminal.readers.retrieve(card.reader)) as unknown as { device_type: string };
    assert.equal(reader.device_type, 'mobile_phone_reader');
    assert.deepEqual(errors, []);
    await close();
  });

  test('12.00 EUR with Apple Pay: no PIN under the limit', async () => {
    const { page, errors, close } = await openPhone();
    await typeAmount(page, '1200');
    await page.tap('#charge');
    await tapScreen(page);
    await page.selectOption('[data-testid="ttp-card-select"]', '5555555555554444');
    await page.selectOption('[data-testid="ttp-wallet-select"]', 'apple_pay');
    await page.tap('[data-testid="ttp-tap-button"]');
    await page.waitForSelector('#result[data-status="succeeded"]', { timeout: 20_000 });
    assert.equal(await page.evaluate('window.seenPin'), 0, 'no PIN pad');
    assert.equal(await page.textContent('#result dd[data-field="wallet"]'), 'apple_pay');

    const paid = await serverPayment(page);
    assert.equal(paid.status, 'succeeded');
    assert.equal(paid.amount, 1200);
    const card = paid.charge.payment_method_details.card_present;
    assert.equal(card.wallet?.type, 'apple_pay');
    assert.equal(card.brand, 'mastercard');
    assert.notEqual(card.receipt?.cardholder_verification_method, 'online_pin');
    assert.deepEqual(errors, []);
    await close();
  });

  test('lost in the background, connected again when the app comes back to the foreground', async () => {
    // One quick automatic reconnection attempt, so that it is exhausted while the reader is offline.
    const { page, errors, close } = await openPhone('reconnectAttempts=1&reconnectIntervalMs=100');
    const readerId = await page.getAttribute('#connection', 'data-reader-id');
    assert.match(readerId ?? '', /^tmr_/);
    // Headless pages are always "visible": the test plays the OS switching apps.
    const setVisibility = (state: 'hidden' | 'visible') =>
      page.evaluate(`(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => '${state}' });
      document.dispatchEvent(new Event('visibilitychange'));
    })()`);
    await setVisibility('hidden');
    // Meanwhile the phone loses its reader: the SDK's automatic reconnection fails, the app waits.
    await f.opentill(`/opentill/v1/test/terminal/readers/${readerId}/offline`);
    await page.waitForSelector('#connection[data-status="notConnected"]', { timeout: 15_000 });
    // The markers that every reconnection path has run its course: the SDK gave its automatic
    // attempts up, and the app heard of the loss while hidden (so it waits for the foreground).
    // Nothing else reconnects by itself, so the reader coming back changes nothing.
    await page.waitForFunction(
      `(document.querySelector('#log')?.textContent ?? '').includes('automatic reconnection failed') &&
      document.querySelector('#log').textContent.includes('disconnected (')`,
      undefined,
      { timeout: 15_000 },
    );
    await f.opentill(`/opentill/v1/test/terminal/readers/${readerId}/online`);
    assert.equal(
      await page.getAttribute('#connection', 'data-status'),
      'notConnected',
      'no reconnection in the background',
    );
    await setVisibility('visible');
    await page
      .waitForSelector('#connection[data-status="connected"]', { timeout: 15_000 })
      .catch(async (error: Error) => {
        throw new Error(
          `${error.message}\n${await page.textContent('#connection')}\n${await page.textContent('#log')}`,
        );
      });
    assert.equal(await page.getAttribute('#connection', 'data-reader-id'), readerId, 'the same phone, the same reader');
    // The failed reconnection attempt is an HTTP error the browser logs; nothing else may be.
    assert.deepEqual(
      errors.filter((e) => !/^Failed to load resource: the server responded with a status of 4\d\d/.test(e)),
      [],
    );
    await close();
  });

  test('a screenshot during PIN entry: insecure environment, then a retry with the same PaymentIntent succeeds', async () => {
    const { page, errors, close } = await openPhone();
    await typeAmount(page, '6000');
    await page.tap('#charge');
    await tapScreen(page);
    await page.tap('[data-testid="ttp-tap-zone"]');
    await page.waitForSelector('[data-testid="ttp-pin-pad"]');
    await page.tap('[data-testid="ttp-pin-screenshot"]');
    await page.waitForSelector('#result[data-status="error"]', { timeout: 20_000 });
    assert.equal(await page.textContent('#result dd[data-field="code"]'), 'TAP_TO_PAY_INSECURE_ENVIRONMENT');
    assert.match((await page.textContent('#result-message')) ?? '', /screenshot/i);
    const first = await page.getAttribute('#result', 'data-payment-intent');

    await page.tap('#retry');
    await tapScreen(page);
    await page.tap('[data-testid="ttp-tap-zone"]');
    await page.waitForSelector('[data-testid="ttp-pin-pad"]');
    for (const digit of '9876') await page.keyboard.press(digit); // a hardware keyboard works too
    await page.keyboard.press('Enter');
    await page.waitForSelector('#result[data-status="succeeded"]', { timeout: 20_000 });
    const paid = await serverPayment(page);
    assert.equal(paid.id, first, 'the retry reused the PaymentIntent');
    assert.equal(paid.status, 'succeeded');
    assert.equal(paid.charge.payment_method_details.card_present.receipt?.cardholder_verification_method, 'online_pin');
    assert.deepEqual(
      errors.filter((e) => !/^Failed to load resource: the server responded with a status of 4\d\d/.test(e)),
      [],
    );
    await close();
  });

  test('a failed read (long press) shows the retry prompt; closing the tap screen cancels; a decline keeps the PaymentIntent', async () => {
    const { page, errors, close } = await openPhone();
    await typeAmount(page, '2000');
    await page.tap('#charge');
    await tapScreen(page);
    // Long press: pointer down on the zone for longer than 600 ms.
    const box = (await (await page.$('[data-testid="ttp-tap-zone"]'))!.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.waitForTimeout(800);
    await page.mouse.up();
    await page.waitForSelector('[data-testid="ttp-retry-message"]');
    await page.tap('[data-testid="ttp-cancel"]');
    await page.waitForSelector('#result[data-status="canceled"]');
    assert.equal(await page.$('[data-testid="ttp-tap-screen"]'), null);

    // Try again with a card the issuer declines: the result says so, the PaymentIntent stays open.
    await page.tap('#retry');
    await tapScreen(page);
    await page.selectOption('[data-testid="ttp-card-select"]', '4000000000000002');
    await page.tap('[data-testid="ttp-tap-zone"]');
    await page.waitForSelector('#result[data-status="declined"]', { timeout: 20_000 });
    const declined = await serverPayment(page);
    assert.equal(declined.status, 'requires_payment_method');
    assert.equal(declined.amount, 2000);
    // Errors the app logged on purpose are not page errors.
    assert.deepEqual(
      errors.filter((e) => !/declined|canceled/i.test(e)),
      [],
    );
    await close();
  });

  test('the reader picker: a simulated Bluetooth reader, then an internet reader, take payments; back to Tap to Pay', async () => {
    const { page, errors, close } = await openPhone('reader=bluetoothScan');
    assert.equal(await page.getAttribute('#reader-info', 'data-device-type'), 'stripeM2');
    assert.match((await page.textContent('#reader-info')) ?? '', /stripeM2 · STRM2[\w-]+ · [\d.]+.* · battery 80%/);
    if (screenshots) await page.screenshot({ path: join(screenshots, 'reader-picker.png') });
    await typeAmount(page, '1200');
    await page.tap('#charge');
    await page.waitForSelector('#result[data-status="succeeded"]', { timeout: 20_000 });
    const bluetooth = await serverPayment(page);
    assert.equal(bluetooth.status, 'succeeded');
    assert.equal(bluetooth.received, 1200);
    assert.ok(bluetooth.charge.payment_method_details.card_present.last4);
    await page.tap('#new-sale');

    await page.selectOption('#reader-kind', 'internet');
    await page.waitForSelector('#reader-info[data-device-type="wisePosE"]', { timeout: 15_000 });
    await page.waitForSelector('#connection[data-status="connected"]', { timeout: 15_000 });
    await typeAmount(page, '900');
    await page.tap('#charge');
    await page.waitForSelector('#result[data-status="succeeded"]', { timeout: 20_000 });
    const internet = await serverPayment(page);
    assert.equal(internet.received, 900);
    assert.notEqual(internet.id, bluetooth.id);
    await page.tap('#new-sale');

    await page.selectOption('#reader-kind', 'tapToPay');
    await page.waitForSelector('#reader-info[data-device-type="tapToPay"]', { timeout: 15_000 });
    assert.deepEqual(errors, []);
    await close();
  });
});
