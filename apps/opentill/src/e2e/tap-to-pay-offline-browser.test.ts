/**
 * The example Tap to Pay POS (examples/tap-to-pay-pos) taking payments while the phone has no
 * network, in headless Chromium at a phone's size (docs/offline.md). The page reaches OpenTill
 * through a TCP proxy the test controls (OPENTILL_PUBLIC_URL); the example's backend reaches it
 * directly. The Location runs with offline mode enabled (OPENTILL_OFFLINE=1).
 *
 * The network is cut, two payments are taken: the page shows the offline state and the payments
 * stored on the phone (IndexedDB). The network is restored: the SDK forwards them, the page captures
 * each and lists it. Through stripe-node, each PaymentIntent exists exactly once, captured, with
 * Stripe's deferred-offline marker on its charge.
 *
 * OPENTILL_SCREENSHOTS=1 also writes docs/screenshots/tap-to-pay/{reader-picker-bluetooth,offline-stored,offline-forwarded}.png.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { listAll } from './helpers.js';
import { terminalFixture, type TerminalFixture } from './terminal-fixture.js';
import { repoRoot, startExample, type ExampleProcess } from './example-process.js';
import { launchChromium } from './screen-browser.js';
import { tcpProxy, type TcpProxy } from './tcp-proxy.js';

const screenshots = process.env.OPENTILL_SCREENSHOTS === '1' ? join(repoRoot, 'docs/screenshots/tap-to-pay') : null;

describe('example Tap to Pay POS offline in headless Chromium (phone viewport, sqlite)', () => {
  let f: TerminalFixture;
  let proxy: TcpProxy;
  let pos: ExampleProcess;
  let browser: Browser;

  before(async () => {
    f = await terminalFixture('sqlite', 'ttp_offline_browser');
    proxy = await tcpProxy(f.server.port);
    pos = await startExample('tap-to-pay-pos', f.server.baseUrl, f.server.secretKey, {
      OPENTILL_LOCATION_COUNTRY: 'FR',
      OPENTILL_OFFLINE: '1',
      OPENTILL_PUBLIC_URL: proxy.url,
    });
    browser = await launchChromium();
    if (screenshots) mkdirSync(screenshots, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await pos?.stop();
    await proxy?.close();
    await f?.stop();
  });

  async function openPhone(query: string): Promise<{ page: Page; errors: string[]; close: () => Promise<void> }> {
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
    await page.goto(`${pos.url}/?outcomeMs=0&${query}`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.waitForSelector('#connection[data-status="connected"]', { timeout: 15_000 });
    return { page, errors, close: () => context.close() };
  }

  async function sale(page: Page, minor: string): Promise<void> {
    for (const key of minor) await page.tap(`#keypad [data-key="${key}"]`);
    assert.equal(await page.getAttribute('#amount-display', 'data-amount'), String(Number(minor)));
    await page.tap('#charge');
    await page.waitForSelector('[data-testid="ttp-tap-screen"]').catch(async (error: unknown) => {
      throw new Error(`no tap screen; the POS log:\n${await page.textContent('#log')}`, { cause: error });
    });
    await page.selectOption('[data-testid="ttp-card-select"]', '4242424242424242');
    await page.tap('[data-testid="ttp-tap-button"]');
  }

  test('the reader picker with a Bluetooth reader whose device runs beside the SDK', async () => {
    const { page, errors, close } = await openPhone('reader=bluetoothScan');
    assert.equal(await page.getAttribute('#reader-info', 'data-device-type'), 'stripeM2');
    const readerId = await page.getAttribute('#connection', 'data-reader-id');
    const reader = (await f.stripe.terminal.readers.retrieve(readerId!)) as { device_type: string };
    assert.equal(reader.device_type, 'stripe_m2', 'the server knows the M2 itself');
    if (screenshots) await page.screenshot({ path: join(screenshots, 'reader-picker-bluetooth.png') });
    for (const key of '1300') await page.tap(`#keypad [data-key="${key}"]`);
    await page.tap('#charge');
    await page.waitForSelector('#result[data-status="succeeded"]', { timeout: 20_000 });
    // The device read the card inserted, then it was taken back.
    await page.waitForFunction(
      `document.getElementById('log').textContent.includes('reader: cardRemoved')`,
      undefined,
      { timeout: 15_000 },
    );
    const id = await page.getAttribute('#result', 'data-payment-intent');
    const intent = await f.stripe.paymentIntents.retrieve(id!, { expand: ['latest_charge'] });
    assert.equal(intent.status, 'succeeded');
    const charge = intent.latest_charge as { payment_method_details: { card_present: { read_method: string } } };
    assert.equal(charge.payment_method_details.card_present.read_method, 'contact_emv');
    assert.deepEqual(errors, []);
    await close();
  });

  test('network cut: two payments stored on the phone; network back: each forwarded once and captured', async () => {
    const { page, errors, close } = await openPhone('probeMs=200');
    await page.waitForSelector('#offline[data-network="online"][data-stored="0"]', { timeout: 15_000 });
    // connectReader has resolved (the reader info is shown after it): the Location's offline settings are on the phone.
    await page.waitForSelector('#reader-info[data-device-type="tapToPay"]');

    proxy.cut();
    await sale(page, '1200');
    await page.waitForSelector('#result[data-status="stored"]', { timeout: 20_000 });
    assert.match((await page.textContent('#result-message')) ?? '', /12\.00/);
    const firstOfflineId = await page.textContent('#result-details [data-field="offline_id"]');
    assert.match(firstOfflineId ?? '', /^offpi_[0-9a-f]{32}$/);
    await page.tap('#new-sale');
    await sale(page, '850');
    await page.waitForSelector('#result[data-status="stored"]', { timeout: 20_000 });
    await page.waitForSelector('#offline[data-network="offline"][data-stored="2"]');
    assert.match(
      (await page.textContent('#offline-stored')) ?? '',
      /2 stored payments \(€20\.50\) waiting to be forwarded/,
    );
    assert.equal(
      await page.getAttribute('#connection', 'data-status'),
      'connected',
      'the phone is its own reader while offline',
    );
    if (screenshots) await page.screenshot({ path: join(screenshots, 'offline-stored.png') });
    // Nothing reached the server while the network was cut.
    const before = await listAll(f.stripe.paymentIntents.list({ limit: 100 }));
    assert.equal(before.filter((pi) => pi.amount === 1200 || pi.amount === 850).length, 0);

    proxy.restore();
    await page.waitForSelector('#forwarded li:nth-child(2)[data-status]', { timeout: 30_000 });
    await page.waitForSelector('#offline[data-network="online"][data-stored="0"]', { timeout: 15_000 });
    if (screenshots) await page.screenshot({ path: join(screenshots, 'offline-forwarded.png') });
    const items = await page.$$eval('#forwarded li', (nodes) =>
      nodes.map((node) => ({
        status: (node as unknown as { dataset: Record<string, string> }).dataset['status'],
        paymentIntent: (node as unknown as { dataset: Record<string, string> }).dataset['paymentIntent'],
        offlineId: (node as unknown as { dataset: Record<string, string> }).dataset['offlineId'],
      })),
    );
    assert.equal(items.length, 2);
    assert.equal(items[0]!.offlineId, firstOfflineId, 'oldest first');
    for (const item of items) assert.equal(item.status, 'succeeded', 'captured after forwarding');

    // Through stripe-node: each payment exists exactly once, captured, marked as collected offline.
    const after = await listAll(f.stripe.paymentIntents.list({ limit: 100 }));
    for (const amount of [1200, 850]) {
      const matching = after.filter((pi) => pi.amount === amount);
      assert.equal(matching.length, 1, `one PaymentIntent of ${amount}`);
      const intent = await f.stripe.paymentIntents.retrieve(matching[0]!.id, { expand: ['latest_charge'] });
      assert.ok(['succeeded', 'requires_capture'].includes(intent.status), intent.status);
      assert.equal(intent.status, 'succeeded');
      assert.ok(items.some((item) => item.paymentIntent === intent.id));
      const charge = intent.latest_charge as {
        payment_method_details: { card_present: { offline: { type: string } | null; last4: string } };
      };
      assert.equal(charge.payment_method_details.card_present.offline?.type, 'deferred');
      assert.equal(charge.payment_method_details.card_present.last4, '4242');
    }
    assert.deepEqual(errors, []);
    await close();
  });
});
