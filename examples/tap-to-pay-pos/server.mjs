#!/usr/bin/env node
/**
 * Example Tap to Pay POS backend: the merchant's server behind a phone that is its own reader, an
 * Express app shaped like Stripe's own Terminal samples.
 * - POST /connection_token       → { secret } from POST /v1/terminal/connection_tokens (scoped to the Location)
 * - GET  /config                 → what the app needs: OpenTill's URL, the Location, its country and currency
 * - POST /capture_payment_intent → captures the PaymentIntent the app created and paid with the SDK
 * - GET  /                       → the phone app (public/); /sdk/** and /core/** → the SDK's ES modules
 *
 * The mobile SDK creates the PaymentIntent itself (as Stripe's mobile SDKs do), with manual capture,
 * so the backend keeps the last word: it captures. At startup it finds or creates a Location in
 * OPENTILL_LOCATION_COUNTRY (default FR: EUR, a 50 EUR contactless limit, PIN on the phone).
 *
 *   OPENTILL_URL=http://127.0.0.1:4242 OPENTILL_SECRET_KEY=sk_test_… PORT=3001 node examples/tap-to-pay-pos/server.mjs
 *
 * OPENTILL_OFFLINE=1 turns offline payments on at the Location (a Configuration with
 * offline[enabled]=true, docs/offline.md); OPENTILL_PUBLIC_URL is how the phone reaches OpenTill
 * when that differs from this backend's OPENTILL_URL (another network path, a proxy).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import Stripe from 'stripe';
import { defaultCvmLimits } from '@opentill/core';

const here = dirname(fileURLToPath(import.meta.url));
// The browser loads the SDK's compiled ES modules as they are: every module they import (relative
// files of the SDK, and @opentill/core with its own relative files) must be reachable. Wherever
// npm put them: this clone's packages/*, or node_modules of a copy of this folder.
const require = createRequire(import.meta.url);
const sdkDist = dirname(require.resolve('@opentill/terminal-sdk'));
const coreDist = dirname(createRequire(join(sdkDist, 'index.js')).resolve('@opentill/core'));
// The reader device of Bluetooth/USB readers, which runs beside the SDK (docs/tap-to-pay-sdk.md).
const deviceDist = dirname(createRequire(join(sdkDist, 'index.js')).resolve('@opentill/reader-device'));
// idb-keyval: the SDK's IndexedDB storage of offline payments (docs/offline.md), loaded on first use.
const idbDist = dirname(createRequire(join(sdkDist, 'index.js')).resolve('idb-keyval'));
const opentillUrl = new URL(process.env.OPENTILL_URL ?? 'http://127.0.0.1:4242');
const publicUrl = new URL(process.env.OPENTILL_PUBLIC_URL ?? opentillUrl.href);
const secretKey = process.env.OPENTILL_SECRET_KEY ?? process.env.STRIPE_SECRET_KEY;
if (!secretKey) {
  console.error('Set OPENTILL_SECRET_KEY (the sk_test_… key `opentill serve` printed).');
  process.exit(1);
}
const country = (process.env.OPENTILL_LOCATION_COUNTRY ?? 'FR').toUpperCase();
const merchantDisplayName = process.env.MERCHANT_DISPLAY_NAME ?? 'Café OpenTill';
const stripe = new Stripe(secretKey, {
  host: opentillUrl.hostname,
  port: Number(opentillUrl.port || (opentillUrl.protocol === 'https:' ? 443 : 80)),
  protocol: opentillUrl.protocol === 'https:' ? 'https' : 'http',
});

/** Sample addresses for the Location (any address works; these just look right). */
const addresses = {
  FR: { line1: '1 rue de la Paix', city: 'Paris', postal_code: '75002' },
  DE: { line1: 'Unter den Linden 1', city: 'Berlin', postal_code: '10117' },
  GB: { line1: '10 Downing Street', city: 'London', postal_code: 'SW1A 2AA' },
  IE: { line1: '1 Grafton Street', city: 'Dublin', postal_code: 'D02 XY00' },
  NL: { line1: 'Dam 1', city: 'Amsterdam', postal_code: '1012 JS' },
  IT: { line1: 'Via del Corso 1', city: 'Roma', postal_code: '00186' },
  US: { line1: '510 Townsend Street', city: 'San Francisco', postal_code: '94103', state: 'CA' },
  CA: { line1: '1 Yonge Street', city: 'Toronto', postal_code: 'M5E 1E5', state: 'ON' },
  AU: { line1: '1 George Street', city: 'Sydney', postal_code: '2000', state: 'NSW' },
};

/** Finds this example's Location in `country`, or creates it (idempotent across restarts). */
async function ensureLocation() {
  if (process.env.OPENTILL_LOCATION) return stripe.terminal.locations.retrieve(process.env.OPENTILL_LOCATION);
  for await (const location of stripe.terminal.locations.list({ limit: 100 })) {
    if (location.metadata?.example === 'tap-to-pay-pos' && location.address?.country === country) return location;
  }
  return stripe.terminal.locations.create({
    display_name: merchantDisplayName,
    address: { ...(addresses[country] ?? { line1: '1 Main Street', city: 'City', postal_code: '1000' }), country },
    metadata: { example: 'tap-to-pay-pos' },
  });
}

/** OPENTILL_OFFLINE=1: the Location runs with a Configuration that enables offline payments. */
async function withOfflineMode(location) {
  if (process.env.OPENTILL_OFFLINE !== '1') return location;
  const configuration = await stripe.terminal.configurations.create({ offline: { enabled: true } });
  return stripe.terminal.locations.update(location.id, { configuration_overrides: configuration.id });
}

/** The account's CVM table row for the country (OpenTill settings), else core's default. */
async function cvmRow() {
  try {
    const response = await fetch(new URL('/opentill/v1/tap_to_pay/settings', opentillUrl), {
      headers: { authorization: `Bearer ${secretKey}` },
    });
    if (response.ok) {
      const row = (await response.json()).cvm_limits?.[country];
      if (row) return row;
    }
  } catch {
    /* older server: use the defaults */
  }
  return defaultCvmLimits[country] ?? { currency: 'usd', limit: null, pin: false };
}

/** What the result screen shows, from the captured PaymentIntent and its charge. */
function summary(intent) {
  const charge = typeof intent.latest_charge === 'object' ? intent.latest_charge : null;
  const card = charge?.payment_method_details?.card_present ?? charge?.payment_method_details?.interac_present ?? null;
  return {
    id: intent.id,
    status: intent.status,
    amount: intent.amount,
    amount_received: intent.amount_received,
    currency: intent.currency,
    charge: charge?.id ?? null,
    brand: card?.brand ?? null,
    last4: card?.last4 ?? null,
    wallet: card?.wallet?.type ?? null,
    cvm: card?.receipt?.cardholder_verification_method ?? null,
    read_method: card?.read_method ?? null,
  };
}

const location = await withOfflineMode(await ensureLocation());
const cvm = await cvmRow();
const app = express();
app.use(express.json({ limit: '100kb' }));
const noStore = { setHeaders: (res) => res.set('cache-control', 'no-store') };
app.use(express.static(join(here, 'public'), noStore));
// Only the modules (and their source maps) of the SDK, of core, of the reader device and of idb-keyval.
const modulesOnly = (req, res, next) =>
  /\.(js|map)$/.test(req.path) ? next() : res.status(404).json({ error: 'not found' });
app.use('/sdk', modulesOnly, express.static(sdkDist, noStore));
app.use('/core', modulesOnly, express.static(coreDist, noStore));
app.use('/idb-keyval', modulesOnly, express.static(idbDist, noStore));
app.use('/reader-device', modulesOnly, express.static(deviceDist, noStore));

app.get('/config', (req, res) => {
  res.json({
    opentillUrl: publicUrl.origin,
    locationId: location.id,
    country,
    merchantDisplayName,
    currency: cvm.currency,
    contactlessLimit: cvm.limit,
    pinOnPhone: cvm.pin,
  });
});

app.post('/connection_token', async (req, res) => {
  // Scoped to the Location: the phone can only become a reader there.
  const token = await stripe.terminal.connectionTokens.create({ location: location.id });
  res.json({ secret: token.secret });
});

app.post('/capture_payment_intent', async (req, res) => {
  const id = String(req.body?.payment_intent_id ?? '');
  if (!/^pi_[A-Za-z0-9]+$/.test(id))
    return res.status(400).json({ error: { message: 'payment_intent_id is required' } });
  const intent = await stripe.paymentIntents.capture(id, { expand: ['latest_charge'] });
  res.json(summary(intent));
});

// Express 5 passes a rejected handler here: answer in Stripe's error shape, with its status.
app.use((error, req, res, next) => {
  if (res.headersSent) return next(error); // Express's own handler ends a response already started
  res.status(error.statusCode ?? 500).json({ error: { message: error.message, code: error.code } });
});

const server = app.listen(Number(process.env.PORT ?? 3001), process.env.HOST ?? '127.0.0.1', () => {
  const address = server.address();
  console.log(
    `tap-to-pay-pos listening on http://${address.address}:${address.port} ` +
      `(OpenTill: ${opentillUrl.origin}, Location ${location.id} in ${country})`,
  );
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
