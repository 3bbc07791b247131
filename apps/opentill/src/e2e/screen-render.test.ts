/**
 * The virtual reader screen against a fake screen channel: every ScreenState of the contract is
 * rendered (at phone and desktop sizes, with a screenshot each), and every CustomerInput the page
 * sends is checked. The page itself comes from a real server (`GET /opentill/screen/:readerId`).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startServer, type RunningServer } from '@opentill/testkit';
import { testCards } from '@opentill/processor-simulated';
import type { ScreenCardOption, ScreenInput, ScreenState } from '@opentill/protocol';
import {
  assertUsable,
  fakeChannel,
  fakeReader,
  launchChromium,
  newContext,
  screenshot,
  waitForScreen,
  type FakeChannel,
  type ViewportName,
} from './screen-browser.js';

const cards: ScreenCardOption[] = testCards
  .filter((card) => card.type !== 'interac_present')
  .map((card) => ({ number: card.number, name: card.testCard, label: card.label, brand: card.brand }));

const cart: ScreenState = {
  screen: 'cart',
  cart: {
    currency: 'eur',
    line_items: [
      { description: 'Café crème', amount: 350, quantity: 1 },
      { description: 'Croissant au beurre', amount: 180, quantity: 2 },
      { description: 'Jus d’orange pressé', amount: 450, quantity: 1 },
    ],
    tax: 116,
    total: 1276,
  },
};
const collect: ScreenState = {
  screen: 'collect',
  amount: 1276,
  currency: 'eur',
  purpose: 'payment',
  cancelable: true,
  cards,
  read_methods: ['contactless_emv', 'contact_emv', 'magnetic_stripe_track2'],
  wallets: ['apple_pay', 'google_pay', 'samsung_pay'],
};
const tip: ScreenState = {
  screen: 'tip',
  amount: 1276,
  currency: 'eur',
  custom_allowed: true,
  cancelable: true,
  options: [
    { label: '10 %', amount: 128 },
    { label: '15 %', amount: 191 },
    { label: '20 %', amount: 255 },
  ],
};
const pin: ScreenState = {
  screen: 'pin',
  amount: 1002,
  currency: 'eur',
  digits_entered: 0,
  attempts_left: 3,
  cancelable: true,
};
const inputs: ScreenInput[] = [
  {
    type: 'email',
    title: 'Recevoir le reçu par e-mail',
    description: 'Votre adresse ne sert qu’à envoyer le reçu.',
    required: false,
    skip_button: 'Passer',
    submit_button: 'Envoyer',
  },
  {
    type: 'selection',
    title: 'Comment avez-vous connu la boutique ?',
    description: null,
    required: true,
    skip_button: null,
    submit_button: null,
    choices: [
      { id: 'friends', text: 'Par des amis', style: 'primary' },
      { id: 'web', text: 'Sur internet', style: 'secondary' },
      { id: 'street', text: 'En passant', style: 'secondary' },
    ],
  },
  {
    type: 'signature',
    title: 'Signez ici',
    description: 'J’accepte les conditions de location.',
    required: true,
    skip_button: null,
    submit_button: 'Valider',
  },
  {
    type: 'phone',
    title: 'Votre numéro de téléphone',
    description: null,
    required: false,
    skip_button: 'Passer',
    submit_button: 'Valider',
    toggles: [
      { title: 'Recevoir nos offres par SMS', description: 'Un message par mois au plus.', default_value: 'disabled' },
      { title: 'Me prévenir quand la commande est prête', description: null, default_value: 'enabled' },
    ],
  },
  {
    type: 'numeric',
    title: 'Numéro de table',
    description: null,
    required: true,
    skip_button: null,
    submit_button: 'Valider',
  },
];

let server: RunningServer;
let browser: Browser;

before(async () => {
  server = await startServer({ store: 'sqlite', name: 'screen_render' });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

for (const viewport of ['phone', 'desktop'] as const satisfies readonly ViewportName[]) {
  describe(`virtual reader screen: every state (${viewport})`, () => {
    let fake: FakeChannel;
    let context: BrowserContext;
    let page: Page;
    before(async () => {
      fake = await fakeChannel(server.baseUrl);
      context = await newContext(browser, viewport);
      page = await context.newPage();
    });
    after(async () => {
      await context?.close();
      await fake?.close();
    });

    const shot = (name: string) => screenshot(page, viewport, name);

    test('splash: the reader label, connected', async () => {
      fake.show({ screen: 'splash', message: null });
      await page.goto(`${fake.baseUrl}/opentill/screen/${fakeReader.id}?token=scr_test_token`);
      await waitForScreen(page, 'splash');
      assert.deepEqual(fake.tokens, ['scr_test_token']);
      assert.equal(await page.getAttribute('body', 'data-connection'), 'online');
      assert.equal((await page.textContent('#view-title'))?.trim(), fakeReader.label);
      assert.match((await page.textContent('.device-name')) ?? '', /WisePOS E/);
      assert.equal(await page.textContent('#reader-label'), fakeReader.label);
      await assertUsable(page, 'splash');
      await shot('01-splash');
    });

    test('cart of set_reader_display', async () => {
      fake.show(cart);
      await waitForScreen(page, 'cart');
      const lines = await page.locator('.cart-line').allTextContents();
      assert.equal(lines.length, 3);
      assert.match(lines[1]!, /2 ×\s*Croissant au beurre\s*3,60\s€/);
      assert.match((await page.textContent('[data-testid="cart-total"]')) ?? '', /^12,76\s€$/);
      assert.match((await page.textContent('.cart-totals')) ?? '', /TVA[\s\S]*1,16\s€/);
      await assertUsable(page, 'cart');
      await shot('02-cart');
    });

    test('collect: amount, prompt, card picker tabs, entry modes, cancel', async () => {
      fake.show(collect);
      await waitForScreen(page, 'collect');
      assert.match((await page.textContent('[data-testid="amount"]')) ?? '', /^12,76\s€$/);
      assert.match((await page.textContent('#view-title')) ?? '', /^Présentez, insérez ou glissez la carte$/);
      assert.deepEqual(
        await page.locator('[role="tab"]').evaluateAll((tabs) => tabs.map((t) => t.getAttribute('data-tab'))),
        ['brands', 'wallets', 'declines', 'pin'],
      );
      assert.equal(await page.locator('[data-read-method]').count(), 3);
      assert.equal(await page.getAttribute('[data-read-method="contactless_emv"]', 'aria-pressed'), 'true');
      assert.ok(await page.locator('[data-card="visa"]').isVisible());
      assert.ok(await page.locator('[data-action="cancel"]').isVisible());
      await assertUsable(page, 'collect');
      await shot('03-collect');
      await page.click('[data-tab="wallets"]');
      assert.equal(await page.locator('[data-wallet]').count(), 3);
      await shot('04-collect-wallets');
      await page.click('[data-tab="declines"]');
      assert.ok(await page.locator('[data-card="charge_declined_insufficient_funds"]').isVisible());
      await page.click('[data-tab="pin"]');
      assert.ok(await page.locator('[data-card="offline_pin_cvm"]').isVisible());
      await assertUsable(page, 'collect, PIN cards');
      await shot('05-collect-pin-cards');
      await page.click('[data-tab="brands"]');
    });

    test('tip selection with a custom amount', async () => {
      fake.show(tip);
      await waitForScreen(page, 'tip');
      assert.deepEqual(await page.locator('.tip-label').allTextContents(), ['10 %', '15 %', '20 %']);
      assert.deepEqual(
        (await page.locator('.tip-amount').allTextContents()).map((t) => t.replace(/\s/g, ' ')),
        ['1,28 €', '1,91 €', '2,55 €'],
      );
      assert.ok(await page.locator('[data-action="no-tip"]').isVisible());
      await assertUsable(page, 'tip');
      await shot('06-tip');
      await page.click('[data-action="custom-tip"]');
      await page.fill('#custom-tip', '3,5');
      await shot('07-tip-custom');
    });

    test('PIN pad: digits masked, attempts left', async () => {
      fake.show(pin);
      await waitForScreen(page, 'pin');
      for (const digit of ['1', '2']) await page.click(`[data-key="${digit}"]`);
      assert.equal(await page.locator('.pin-dot.filled').count(), 2);
      assert.equal(await page.textContent('[data-testid="pin-dots"]'), '', 'no digit is ever shown');
      assert.ok(await page.isDisabled('[data-key="ok"]'), 'OK needs 4 digits');
      assert.match((await page.textContent('[data-testid="attempts"]')) ?? '', /Essais restants : 3/);
      await assertUsable(page, 'pin');
      await shot('08-pin');
    });

    test('processing, approved, declined, canceled, error', async () => {
      fake.show({ screen: 'processing', amount: 1276, currency: 'eur' });
      await waitForScreen(page, 'processing');
      assert.equal(await page.locator('[role="progressbar"]').count(), 1);
      await shot('09-processing');
      const results = [
        ['approved', 'Visa •••• 4242', '10-approved', /Accepté/],
        ['declined', 'Your card has insufficient funds.', '11-declined', /Refusé/],
        ['canceled', 'This action could not be completed due to an error on the card reader.', '12-canceled', /Annulé/],
        ['error', 'Could not connect to Stripe.', '13-error', /Erreur/],
      ] as const;
      for (const [outcome, message, name, heading] of results) {
        fake.show({ screen: 'result', outcome, message, amount: 1276, currency: 'eur' });
        await page.waitForSelector(`.view-result [data-testid="result-message"]:text-is("${message}")`);
        assert.match((await page.textContent('#view-title')) ?? '', heading);
        await shot(name);
      }
      assert.match((await page.textContent('#status')) ?? '', /^Erreur — Could not connect to Stripe\.$/);
    });

    test('collect_inputs forms: email, selection, signature, phone with toggles, numeric', async () => {
      fake.show({ screen: 'inputs', inputs, index: 0 });
      await waitForScreen(page, 'inputs');
      assert.equal(await page.getAttribute('#input-0', 'type'), 'email');
      assert.match((await page.textContent('.step')) ?? '', /Étape 1\/5/);
      await page.fill('#input-0', 'client@exemple.fr');
      await assertUsable(page, 'email input');
      await shot('14-input-email');
      fake.show({ screen: 'inputs', inputs, index: 1 });
      await page.waitForSelector('[data-choice="friends"]');
      assert.equal(await page.locator('[data-action="skip"]').count(), 0, 'a required input cannot be skipped');
      await assertUsable(page, 'selection input');
      await shot('15-input-selection');
      fake.show({ screen: 'inputs', inputs, index: 2 });
      await page.waitForSelector('canvas.signature-pad');
      await drawSignature(page);
      await shot('16-input-signature');
      fake.show({ screen: 'inputs', inputs, index: 3 });
      await page.waitForSelector('#input-3[type="tel"]');
      assert.deepEqual(
        await page
          .locator('input[role="switch"]')
          .evaluateAll((s) => s.map((e) => (e as unknown as { checked: boolean }).checked)),
        [false, true],
      );
      await assertUsable(page, 'phone input');
      await shot('17-input-phone-toggles');
    });

    test('offline, and reconnecting when the channel drops', async () => {
      fake.show({ screen: 'offline' });
      await waitForScreen(page, 'offline');
      assert.match((await page.textContent('#view-title')) ?? '', /Lecteur hors ligne/);
      await shot('18-offline');
      fake.show({ screen: 'splash', message: 'Bienvenue chez Café Lumière' });
      await page.waitForSelector('.splash-message');
      const before = fake.connections();
      fake.refuse(true);
      fake.dropAll();
      await page.waitForSelector('body[data-connection="reconnecting"]');
      assert.ok(await page.locator('body.stale').count());
      await shot('19-reconnecting');
      fake.refuse(false);
      await fake.waitForConnections(before + 1);
      await page.waitForSelector('body[data-connection="online"]');
      assert.equal(await page.locator('body.stale').count(), 0);
      assert.match((await page.textContent('.splash-message')) ?? '', /Café Lumière/);
    });
  });
}

describe('virtual reader screen: inputs sent to the device (phone)', () => {
  let fake: FakeChannel;
  let context: BrowserContext;
  let page: Page;
  before(async () => {
    fake = await fakeChannel(server.baseUrl);
    context = await newContext(browser, 'phone');
    page = await context.newPage();
    fake.show({ screen: 'splash', message: null });
    await page.goto(`${fake.baseUrl}/opentill/screen/${fakeReader.id}?token=t1`);
    await waitForScreen(page, 'splash');
  });
  after(async () => {
    await context?.close();
    await fake?.close();
  });

  test('present a card with each entry mode, a wallet, a decline and a PIN card', async () => {
    fake.show(collect);
    await waitForScreen(page, 'collect');
    await page.click('[data-card="visa"]');
    assert.deepEqual(await fake.nextInput(), {
      type: 'present_card',
      number: '4242424242424242',
      read_method: 'contactless_emv',
      wallet: null,
    });
    // Controls are disabled until the device answers (no double presentation).
    assert.ok(await page.isDisabled('[data-card="mastercard"]'));
    fake.show({ ...collect, amount: 1277 });
    await page.waitForSelector('[data-card="mastercard"]:enabled');
    await page.click('[data-read-method="contact_emv"]');
    await page.click('[data-card="mastercard"]');
    assert.deepEqual(await fake.nextInput(), {
      type: 'present_card',
      number: '5555555555554444',
      read_method: 'contact_emv',
      wallet: null,
    });
    fake.show({ ...collect, amount: 1278 });
    await page.click('[data-read-method="magnetic_stripe_track2"]:enabled');
    await page.click('[data-tab="declines"]');
    await page.click('[data-card="charge_declined_insufficient_funds"]');
    assert.deepEqual(await fake.nextInput(), {
      type: 'present_card',
      number: '4000000000009995',
      read_method: 'magnetic_stripe_track2',
      wallet: null,
    });
    fake.show({ ...collect, amount: 1279 });
    await page.click('[data-tab="pin"]:enabled');
    await page.click('[data-card="online_pin_sca_retry"]');
    assert.deepEqual(await fake.nextInput(), {
      type: 'present_card',
      number: '4000002760000008',
      read_method: 'magnetic_stripe_track2',
      wallet: null,
    });
    fake.show({ ...collect, amount: 1280 });
    await page.click('[data-tab="wallets"]:enabled');
    await page.click('[data-wallet="google_pay"]');
    assert.deepEqual(await fake.nextInput(), {
      type: 'present_card',
      number: '4242424242424242',
      read_method: 'contactless_emv',
      wallet: 'google_pay',
    });
  });

  test('entry modes and wallets follow the state; no cancel button unless cancelable', async () => {
    fake.show({ ...collect, cancelable: false, read_methods: ['contact_emv'], wallets: [] });
    await page.waitForSelector('body[data-screen="collect"] [data-read-method="contact_emv"]:enabled');
    assert.equal(await page.locator('[data-read-method]').count(), 1);
    assert.equal(await page.locator('[data-tab="wallets"]').count(), 0);
    assert.equal(await page.locator('[data-action="cancel"]').count(), 0);
    fake.show({ ...collect, amount: 0, purpose: 'setup' });
    await page.waitForSelector('.eyebrow :text("Enregistrer la carte")');
    assert.equal(await page.textContent('[data-testid="amount"]'), '', 'saving a card shows no amount');
  });

  test('customer cancel', async () => {
    fake.show(collect);
    await page.waitForSelector('[data-action="cancel"]:enabled');
    await page.click('[data-action="cancel"]');
    assert.deepEqual(await fake.nextInput(), { type: 'cancel' });
  });

  test('tips: an option, no tip, a custom amount, a bad custom amount', async () => {
    fake.show(tip);
    await page.waitForSelector('[data-tip="191"]:enabled');
    await page.click('[data-tip="191"]');
    assert.deepEqual(await fake.nextInput(), { type: 'choose_tip', amount: 191 });
    fake.show({ ...tip, amount: 1277 });
    await page.click('[data-action="no-tip"]:enabled');
    assert.deepEqual(await fake.nextInput(), { type: 'choose_tip', amount: 0 });
    fake.show({ ...tip, amount: 1278 });
    await page.click('[data-action="custom-tip"]:enabled');
    await page.fill('#custom-tip', 'abc');
    await page.click('[data-action="custom-tip-ok"]');
    await page.waitForSelector('#custom-tip-error:text("Montant invalide")');
    assert.deepEqual(fake.queued(), []);
    await page.fill('#custom-tip', '2,50');
    await page.click('[data-action="custom-tip-ok"]');
    assert.deepEqual(await fake.nextInput(), { type: 'choose_tip', amount: 250 });
    fake.show({ ...tip, currency: 'jpy', amount: 1500, custom_allowed: false, cancelable: false });
    await page.waitForSelector('.tip-amount:has-text("128")');
    assert.equal(await page.locator('[data-action="custom-tip"]').count(), 0);
    assert.equal(await page.locator('[data-action="cancel"]').count(), 0);
  });

  test('PIN: typed on the pad and on a keyboard, corrected, sent once; a new attempt starts afresh', async () => {
    fake.show(pin);
    await page.waitForSelector('[data-key="1"]:enabled');
    for (const key of ['1', '2', '9', 'clear', '3', '4']) await page.click(`[data-key="${key}"]`);
    assert.equal(await page.locator('.pin-dot.filled').count(), 4);
    await page.click('[data-key="ok"]');
    assert.deepEqual(await fake.nextInput(), { type: 'enter_pin', pin: '1234' });
    fake.show({ ...pin, attempts_left: 2 });
    await page.waitForSelector('[data-testid="attempts"]:has-text("Essais restants : 2")');
    await page.waitForSelector('#toast:text("Code incorrect")');
    assert.equal(await page.locator('.pin-dot.filled').count(), 0);
    await page.keyboard.type('4321');
    await page.keyboard.press('Enter');
    assert.deepEqual(await fake.nextInput(), { type: 'enter_pin', pin: '4321' });
    fake.show({ ...pin, attempts_left: 1 });
    await page.waitForSelector('.attempts.last');
    await page.keyboard.press('Escape');
    assert.deepEqual(await fake.nextInput(), { type: 'cancel' });
  });

  test('an inserted card: "do not remove" while processing, then a button to take it back', async () => {
    fake.show({ ...collect, amount: 1281 });
    await page.waitForSelector('[data-read-method="contact_emv"]:enabled');
    await page.click('[data-read-method="contact_emv"]');
    await page.click('[data-card="visa"]');
    assert.equal((await fake.nextInput()).type, 'present_card');
    fake.show({ screen: 'processing', amount: 1281, currency: 'eur' });
    await page.waitForSelector('.view-processing :text("Ne retirez pas la carte")');
    fake.show({ screen: 'result', outcome: 'approved', message: 'Approved', amount: 1281, currency: 'eur' });
    await page.click('[data-action="remove-card"]');
    assert.deepEqual(await fake.nextInput(), { type: 'remove_card' });
    await page.waitForSelector('[data-action="remove-card"]', { state: 'detached' });
  });

  test('input_rejected: the reason is shown and the screen is usable again', async () => {
    fake.show(collect);
    await page.waitForSelector('[data-card="amex"]:enabled');
    await page.click('[data-card="amex"]');
    await fake.nextInput();
    fake.reject('The reader is not waiting for a card.');
    await page.waitForSelector('#toast:text("The reader is not waiting for a card.")');
    await page.waitForSelector('[data-card="amex"]:enabled');
  });

  test('collect_inputs: validation, submit, skip, selection, signature, toggles', async () => {
    fake.show({ screen: 'inputs', inputs, index: 0 });
    await page.waitForSelector('#input-0:enabled');
    await page.fill('#input-0', 'not-an-email');
    await page.click('[data-action="submit"]');
    await page.waitForSelector('#input-0-error:text("Adresse e-mail invalide")');
    assert.equal(await page.getAttribute('#input-0', 'aria-invalid'), 'true');
    assert.deepEqual(fake.queued(), []);
    await page.fill('#input-0', 'client@exemple.fr');
    await page.click('[data-action="submit"]');
    assert.deepEqual(await fake.nextInput(), {
      type: 'submit_input',
      index: 0,
      value: 'client@exemple.fr',
      skipped: false,
    });

    fake.show({ screen: 'inputs', inputs, index: 0 }, { seq: 1000 });
    await page.waitForSelector('[data-action="skip"]:enabled');
    await page.click('[data-action="skip"]');
    assert.deepEqual(await fake.nextInput(), { type: 'submit_input', index: 0, value: null, skipped: true });

    fake.show({ screen: 'inputs', inputs, index: 1 });
    await page.click('[data-choice="web"]');
    assert.deepEqual(await fake.nextInput(), { type: 'submit_input', index: 1, value: 'web', skipped: false });

    fake.show({ screen: 'inputs', inputs, index: 2 });
    await page.waitForSelector('canvas.signature-pad');
    await page.click('[data-action="submit"]');
    await page.waitForSelector('#input-2-error:text("Signez dans le cadre")');
    await drawSignature(page);
    await page.click('[data-action="submit"]');
    const signed = await fake.nextInput();
    assert.equal(signed.type, 'submit_input');
    const url = (signed as { value: string }).value;
    assert.match(url, /^data:image\/svg\+xml;base64,/);
    assert.ok(url.length <= 5000, `a reader takes at most 5,000 characters (${url.length})`);
    const svg = Buffer.from(url.split(',')[1]!, 'base64').toString('utf8');
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*><path d="M\d+ \d+l0 0 -?\d+ -?\d+/);
    assert.ok(svg.split(' ').length > 20, 'the drawing is in the image');

    fake.show({ screen: 'inputs', inputs, index: 3 });
    await page.waitForSelector('#input-3');
    await page.fill('#input-3', '+33 6 12 34 56 78');
    await page.click('label[for="input-3-toggle-0"]');
    await page.click('[data-action="submit"]');
    assert.deepEqual(await fake.nextInput(), {
      type: 'submit_input',
      index: 3,
      value: '+33 6 12 34 56 78',
      skipped: false,
      toggles: ['enabled', 'enabled'],
    });

    fake.show({ screen: 'inputs', inputs, index: 4 });
    await page.waitForSelector('#input-4');
    await page.fill('#input-4', '12a');
    await page.click('[data-action="submit"]');
    await page.waitForSelector('#input-4-error:text("Chiffres uniquement")');
    await page.fill('#input-4', '12');
    await page.click('[data-action="submit"]');
    assert.deepEqual(await fake.nextInput(), { type: 'submit_input', index: 4, value: '12', skipped: false });
  });

  test('an older sequence number is ignored; text from the server is never HTML', async () => {
    fake.show(
      { screen: 'splash', message: 'current' },
      { seq: 5000, reader: { label: '<img src=x onerror="window.pwned=1">' } },
    );
    await page.waitForSelector('.splash-message:text("current")');
    fake.show({ screen: 'splash', message: 'stale' }, { seq: 4999 });
    fake.show(
      { screen: 'splash', message: 'newer' },
      { seq: 5001, reader: { label: '<img src=x onerror="window.pwned=1">' } },
    );
    await page.waitForSelector('.splash-message:text("newer")');
    assert.equal(await page.locator('#screen img').count(), 0);
    assert.equal(await page.textContent('#view-title'), '<img src=x onerror="window.pwned=1">');
    assert.equal(await page.evaluate('window.pwned === undefined'), true);
  });

  test('without a token the page explains where the link comes from; no connection is tried', async () => {
    const other = await context.newPage();
    const before = fake.connections();
    await other.goto(`${fake.baseUrl}/opentill/screen/tmr_X`);
    await waitForScreen(other, 'error');
    assert.match((await other.textContent('#screen')) ?? '', /screen_sessions/);
    assert.equal(fake.connections(), before);
    await other.close();
  });
});

describe('virtual reader screen: the page and its assets', () => {
  test('headers: no referrer (the token is in the URL), a strict CSP, no caching of the page', async () => {
    const response = await fetch(`${server.baseUrl}/opentill/screen/tmr_123?token=abc`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
    assert.match(response.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const html = await response.text();
    assert.match(html, /<script type="module" src="\/opentill\/screen\/assets\/screen\.js">/);
    for (const [name, type] of [
      ['screen.js', /javascript/],
      ['screen.css', /text\/css/],
      ['icon.svg', /svg/],
    ] as const) {
      const asset = await fetch(`${server.baseUrl}/opentill/screen/assets/${name}`);
      assert.equal(asset.status, 200, name);
      assert.match(asset.headers.get('content-type') ?? '', type);
    }
    assert.equal((await fetch(`${server.baseUrl}/opentill/screen/assets/..%2Fscreen-page.ts`)).status, 404);
    assert.equal((await fetch(`${server.baseUrl}/opentill/screen/assets/nope.js`)).status, 404);
  });

  test('the reader id in the URL is escaped in the HTML', async () => {
    const html = await (
      await fetch(`${server.baseUrl}/opentill/screen/${encodeURIComponent('"><script>alert(1)</script>')}`)
    ).text();
    assert.doesNotMatch(html, /<script>alert/);
    assert.match(html, /&quot;&gt;&lt;script&gt;/);
  });
});

async function drawSignature(page: Page): Promise<void> {
  const box = await page.locator('canvas.signature-pad').boundingBox();
  assert.ok(box);
  // A looping, slanted scribble, like a handwritten name.
  const path: Array<readonly [number, number]> = [];
  for (let i = 0; i <= 120; i += 1) {
    const t = i / 120;
    const fx = 0.1 + 0.78 * t + 0.035 * Math.cos(t * 38);
    const fy = 0.52 - 0.2 * Math.sin(t * 38) * (0.6 + 0.4 * Math.sin(t * 5)) - 0.08 * t;
    path.push([box.x + box.width * fx, box.y + box.height * fy]);
  }
  await page.mouse.move(path[0]![0], path[0]![1]);
  await page.mouse.down();
  for (const [x, y] of path.slice(1)) await page.mouse.move(x, y, { steps: 2 });
  await page.mouse.up();
}
