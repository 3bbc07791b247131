/**
 * The virtual reader screen speaks the reader's language: from its location's country (English by
 * default, never French on a US reader), `?lang=` overriding it, with the country's tax label and
 * money format; screenshots per language. Also: the layout at 360 px (the contactless halo inside the
 * screen, no card brand over its chip) and, on a real server, the result going back to the splash.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import Stripe from 'stripe';
import { startServer, type RunningServer } from '@opentill/testkit';
import { testCards } from '@opentill/processor-simulated';
import type { ScreenLanguage, ScreenState } from '@opentill/protocol';
import {
  assertUsable,
  fakeChannel,
  fakeReader,
  launchChromium,
  newContext,
  screenshot,
  waitForScreen,
  type FakeChannel,
} from './screen-browser.js';

const cards = testCards
  .filter((card) => card.type !== 'interac_present')
  .map((card) => ({ number: card.number, name: card.testCard, label: card.label, brand: card.brand }));

const cartIn = (currency: string): ScreenState => ({
  screen: 'cart',
  cart: {
    currency,
    line_items: [
      { description: 'Espresso', amount: 350, quantity: 2 },
      { description: 'Croissant', amount: 180, quantity: 1 },
    ],
    tax: 88,
    total: 968,
  },
});
const collectIn = (currency: string): ScreenState => ({
  screen: 'collect',
  amount: 968,
  currency,
  purpose: 'payment',
  cancelable: true,
  cards,
  read_methods: ['contactless_emv', 'contact_emv', 'magnetic_stripe_track2'],
  wallets: ['apple_pay', 'google_pay', 'samsung_pay'],
});

/** Per language: the reader's country and what its cart and card prompt must read. */
const expectations: Array<{
  language: ScreenLanguage;
  country: string;
  currency: string;
  order: string;
  tax: string;
  total: RegExp;
  prompt: string;
  cancel: string;
}> = [
  {
    language: 'en',
    country: 'US',
    currency: 'usd',
    order: 'Your order',
    tax: 'Tax',
    total: /^\$9\.68$/,
    prompt: 'Tap, insert or swipe',
    cancel: 'Cancel',
  },
  {
    language: 'fr',
    country: 'FR',
    currency: 'eur',
    order: 'Votre commande',
    tax: 'TVA',
    total: /^9,68\s€$/,
    prompt: 'Présentez, insérez ou glissez la carte',
    cancel: 'Annuler',
  },
  {
    language: 'de',
    country: 'DE',
    currency: 'eur',
    order: 'Ihre Bestellung',
    tax: 'MwSt.',
    total: /^9,68\s€$/,
    prompt: 'Karte auflegen, einstecken oder durchziehen',
    cancel: 'Abbrechen',
  },
  {
    language: 'es',
    country: 'ES',
    currency: 'eur',
    order: 'Su pedido',
    tax: 'IVA',
    total: /^9,68\s€$/,
    prompt: 'Acerque, inserte o deslice la tarjeta',
    cancel: 'Cancelar',
  },
  {
    language: 'it',
    country: 'IT',
    currency: 'eur',
    order: 'Il tuo ordine',
    tax: 'IVA',
    total: /^9,68\s€$/,
    prompt: 'Avvicina, inserisci o striscia la carta',
    cancel: 'Annulla',
  },
  {
    language: 'nl',
    country: 'NL',
    currency: 'eur',
    order: 'Uw bestelling',
    tax: 'btw',
    total: /^€\s9,68$/,
    prompt: 'Houd de kaart tegen de lezer, steek hem in of haal hem door',
    cancel: 'Annuleren',
  },
];

/** French words the screen uses: none may show on an English screen. */
const frenchWords =
  /Votre|commande|TVA|Annuler|Présentez|Prêt|Bienvenue|Connecté|Cartes de test|Refus\b|Simuler|Sans contact|Insérer|Glisser/;

let server: RunningServer;
let browser: Browser;

before(async () => {
  server = await startServer({ store: 'sqlite', name: 'screen_language' });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

describe('virtual reader screen: language', () => {
  let fake: FakeChannel;
  let context: BrowserContext;
  before(async () => {
    fake = await fakeChannel(server.baseUrl);
    context = await newContext(browser, 'phone');
  });
  after(async () => {
    await context?.close();
    await fake?.close();
  });

  async function open(query = ''): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${fake.baseUrl}/opentill/screen/${fakeReader.id}?token=scr_lang${query}`);
    return page;
  }

  for (const expected of expectations) {
    test(`a reader in ${expected.country} speaks ${expected.language}: cart, tax label, money, card prompt`, async () => {
      const reader = { language: expected.language, country: expected.country, label: `Till ${expected.country}` };
      fake.show(cartIn(expected.currency), { reader });
      const page = await open();
      try {
        await waitForScreen(page, 'cart');
        assert.equal(await page.getAttribute('html', 'lang'), expected.language);
        assert.equal((await page.textContent('.eyebrow'))?.trim(), expected.order);
        assert.equal((await page.textContent('.cart-totals dt'))?.trim(), expected.tax);
        assert.match((await page.textContent('[data-testid="cart-total"]'))?.trim() ?? '', expected.total);
        await assertUsable(page, `cart ${expected.language}`);
        await screenshot(page, 'phone', `lang-${expected.language}-cart`);
        fake.show(collectIn(expected.currency), { reader });
        await waitForScreen(page, 'collect');
        assert.equal((await page.textContent('#view-title'))?.trim(), expected.prompt);
        assert.equal((await page.textContent('[data-action="cancel"]'))?.trim(), expected.cancel);
        await assertUsable(page, `collect ${expected.language}`);
        await screenshot(page, 'phone', `lang-${expected.language}-collect`);
        if (expected.language === 'en') assert.doesNotMatch((await page.textContent('body')) ?? '', frenchWords);
      } finally {
        await page.close();
      }
    });
  }

  test('English countries name their tax: VAT in the UK, GST in Australia; Quebec is French (server side)', async () => {
    for (const [country, tax] of [
      ['GB', 'VAT'],
      ['AU', 'GST'],
      ['CA', 'Tax'],
    ] as const) {
      fake.show(cartIn('gbp'), { reader: { language: 'en', country } });
      const page = await open();
      try {
        await waitForScreen(page, 'cart');
        assert.equal((await page.textContent('.cart-totals dt'))?.trim(), tax, country);
      } finally {
        await page.close();
      }
    }
  });

  test("?lang= overrides the reader's language; an unknown ?lang= is ignored", async () => {
    fake.show(cartIn('usd'), { reader: { language: 'en', country: 'US' } });
    let page = await open('&lang=fr');
    try {
      await waitForScreen(page, 'cart');
      assert.equal((await page.textContent('.eyebrow'))?.trim(), 'Votre commande');
      assert.equal((await page.textContent('.cart-totals dt'))?.trim(), 'TVA');
    } finally {
      await page.close();
    }
    page = await open('&lang=pt');
    try {
      await waitForScreen(page, 'cart');
      assert.equal((await page.textContent('.eyebrow'))?.trim(), 'Your order');
    } finally {
      await page.close();
    }
  });
});

describe('virtual reader screen: layout at 360 px', () => {
  let fake: FakeChannel;
  let context: BrowserContext;
  before(async () => {
    fake = await fakeChannel(server.baseUrl);
    context = await browser.newContext({
      viewport: { width: 360, height: 640 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
  });
  after(async () => {
    await context?.close();
    await fake?.close();
  });

  test('the contactless halo stays inside the screen; no card brand covers its chip', async () => {
    fake.show(collectIn('eur'), { reader: { language: 'de', country: 'DE' } });
    const page = await context.newPage();
    await page.goto(`${fake.baseUrl}/opentill/screen/${fakeReader.id}?token=scr_narrow`);
    await waitForScreen(page, 'collect');
    // The halo's largest size: the ripple animation's last keyframe scale applied to the tap zone.
    const halo = (await page.evaluate(`(() => {
      const zone = document.querySelector('.tap-zone').getBoundingClientRect();
      let scale = 1;
      for (const sheet of document.styleSheets) for (const rule of sheet.cssRules) {
        if (rule.name === 'ripple') for (const frame of rule.cssRules) {
          const m = /scale\\(([\\d.]+)\\)/.exec(frame.style.transform);
          if (m) scale = Math.max(scale, Number(m[1]));
        }
      }
      const grow = zone.width * (scale - 1) / 2;
      const screen = document.getElementById('screen').getBoundingClientRect();
      return { left: zone.left - grow, right: zone.right + grow, screenLeft: screen.left, screenRight: screen.right };
    })()`)) as { left: number; right: number; screenLeft: number; screenRight: number };
    assert.ok(halo.left >= halo.screenLeft, `halo left ${halo.left} < screen ${halo.screenLeft}`);
    assert.ok(halo.right <= halo.screenRight, `halo right ${halo.right} > screen ${halo.screenRight}`);
    for (const tab of ['brands', 'declines', 'pin']) {
      await page.click(`[data-tab="${tab}"]`);
      // Measure the settled layout: fonts loaded and the tab's finite transitions over (on a loaded
      // machine the measurement otherwise lands mid-transition). The halo's ripple runs forever.
      await page.evaluate(`Promise.all([document.fonts.ready, ...document.getAnimations()
        .filter((animation) => animation.effect?.getTiming().iterations !== Infinity).map((animation) => animation.finished)])`);
      const overlaps = (await page.evaluate(`(() => [...document.querySelectorAll('.card-art')].flatMap((art) => {
        const chip = art.querySelector('.card-chip').getBoundingClientRect();
        const mark = art.querySelector('.card-mark');
        const range = document.createRange();
        range.selectNodeContents(mark);
        const text = range.getBoundingClientRect();
        const clipped = mark.scrollWidth > mark.clientWidth + 1;
        const over = text.left < chip.right && text.right > chip.left && text.top < chip.bottom && text.bottom > chip.top;
        return over || clipped ? [art.parentElement.dataset.card + (clipped ? ' (clipped)' : '')] : [];
      }))()`)) as string[];
      assert.deepEqual(overlaps, [], `${tab}: brand text over the chip or cut`);
    }
    await assertUsable(page, 'collect at 360 px');
    await screenshot(page, 'phone', 'narrow-360-collect');
    await page.close();
  });
});

describe('virtual reader screen on a real server: back to the splash after a result', () => {
  test('a US reader shows English, then its splash again after the result', async () => {
    const stripe = new Stripe(server.secretKey, {
      host: '127.0.0.1',
      port: server.port,
      protocol: 'http',
      maxNetworkRetries: 0,
    });
    const location = await stripe.terminal.locations.create({
      display_name: 'Diner',
      address: { line1: '1 Main Street', city: 'San Francisco', state: 'CA', postal_code: '94111', country: 'US' },
    });
    const reader = await stripe.terminal.readers.create({
      registration_code: 'simulated-wpe',
      location: location.id,
      label: 'Counter',
    });
    const session = (await (
      await fetch(`${server.baseUrl}/opentill/v1/terminal/readers/${reader.id}/screen_sessions`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${server.secretKey}` },
      })
    ).json()) as { url: string };
    const context = await newContext(browser, 'phone');
    try {
      const page = await context.newPage();
      await page.goto(session.url);
      await waitForScreen(page, 'splash');
      assert.equal(await page.getAttribute('html', 'lang'), 'en');
      await stripe.terminal.readers.setReaderDisplay(reader.id, {
        type: 'cart',
        cart: {
          currency: 'usd',
          line_items: [{ description: 'Coffee', amount: 300, quantity: 1 }],
          tax: 27,
          total: 327,
        },
      });
      await waitForScreen(page, 'cart');
      assert.equal((await page.textContent('.eyebrow'))?.trim(), 'Your order');
      assert.equal((await page.textContent('.cart-totals dt'))?.trim(), 'Tax');
      assert.doesNotMatch((await page.textContent('body')) ?? '', frenchWords);
      const pi = await stripe.paymentIntents.create({
        amount: 327,
        currency: 'usd',
        payment_method_types: ['card_present'],
      } as Stripe.PaymentIntentCreateParams);
      await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pi.id });
      await waitForScreen(page, 'collect');
      await page.click('[data-card="visa"]');
      await waitForScreen(page, 'result');
      assert.equal((await page.textContent('.result-title'))?.trim(), 'Approved');
      // Then the reader is ready for the next customer (its splash), with no one touching it.
      await waitForScreen(page, 'splash', 15_000);
      assert.equal(
        ((await stripe.terminal.readers.retrieve(reader.id)) as Stripe.Terminal.Reader).action?.status,
        'succeeded',
        'the API still shows the last action, as Stripe does',
      );
    } finally {
      await context.close();
    }
  });
});
