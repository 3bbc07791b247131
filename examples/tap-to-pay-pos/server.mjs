#!/usr/bin/env node
/**
 * Example Tap to Pay POS backend: the merchant's server behind a phone that is its own reader.
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
 */
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { dirname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import Stripe from 'stripe';
import { defaultCvmLimits } from '@opentill/core';

const here = dirname(fileURLToPath(import.meta.url));
// The browser loads the SDK's compiled ES modules as they are: every module they import (relative
// files of the SDK, and @opentill/core with its own relative files) must be reachable.
const served = {
  '/sdk/': join(here, '../../packages/terminal-sdk/dist/'),
  '/core/': join(here, '../../packages/core/dist/'),
};
const opentillUrl = new URL(process.env.OPENTILL_URL ?? 'http://127.0.0.1:4242');
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
  } catch { /* older server: use the defaults */ }
  return defaultCvmLimits[country] ?? { currency: 'usd', limit: null, pin: false };
}

// Plain HTTP helpers, as in examples/web-pos: each example stands alone (copy one folder to start
// a POS), so they are repeated rather than shared.
const types = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.map': 'application/json', '.svg': 'image/svg+xml',
};

function send(res, status, body, type = 'application/json') {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body));
}

async function readJson(req) {
  let raw = '';
  for await (const chunk of req) {
    raw += chunk;
    if (raw.length > 100_000) throw new Error('body too large');
  }
  return raw ? JSON.parse(raw) : {};
}

async function serveFile(res, path) {
  try {
    const ext = path.slice(path.lastIndexOf('.'));
    send(res, 200, await readFile(path), types[ext] ?? 'application/octet-stream');
  } catch {
    send(res, 404, { error: 'not found' });
  }
}

/** `/sdk/mobile/index.js` → the file under the SDK's dist, refusing anything that climbs out of it. */
function staticModule(pathname) {
  for (const [prefix, dir] of Object.entries(served)) {
    if (!pathname.startsWith(prefix)) continue;
    const file = normalize(join(dir, decodeURIComponent(pathname.slice(prefix.length))));
    if (!file.startsWith(dir) || !/\.(js|map)$/.test(file) || file.includes(`${sep}node_modules${sep}`)) return null;
    return file;
  }
  return null;
}

/** What the result screen shows, from the captured PaymentIntent and its charge. */
function summary(intent) {
  const charge = typeof intent.latest_charge === 'object' ? intent.latest_charge : null;
  const card = charge?.payment_method_details?.card_present ?? charge?.payment_method_details?.interac_present ?? null;
  return {
    id: intent.id, status: intent.status, amount: intent.amount, amount_received: intent.amount_received,
    currency: intent.currency, charge: charge?.id ?? null,
    brand: card?.brand ?? null, last4: card?.last4 ?? null, wallet: card?.wallet?.type ?? null,
    cvm: card?.receipt?.cardholder_verification_method ?? null, read_method: card?.read_method ?? null,
  };
}

const location = await ensureLocation();
const cvm = await cvmRow();
const statics = { '/': 'index.html', '/index.html': 'index.html', '/app.js': 'app.js', '/style.css': 'style.css' };

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  try {
    if (req.method === 'GET' && statics[url.pathname]) return await serveFile(res, join(here, 'public', statics[url.pathname]));
    if (req.method === 'GET' && url.pathname === '/config') {
      return send(res, 200, {
        opentillUrl: opentillUrl.origin, locationId: location.id, country, merchantDisplayName,
        currency: cvm.currency, contactlessLimit: cvm.limit, pinOnPhone: cvm.pin,
      });
    }
    const moduleFile = req.method === 'GET' ? staticModule(url.pathname) : null;
    if (moduleFile) return await serveFile(res, moduleFile);

    if (req.method === 'POST' && url.pathname === '/connection_token') {
      // Scoped to the Location: the phone can only become a reader there.
      const token = await stripe.terminal.connectionTokens.create({ location: location.id });
      return send(res, 200, { secret: token.secret });
    }
    if (req.method === 'POST' && url.pathname === '/capture_payment_intent') {
      const body = await readJson(req);
      const id = String(body.payment_intent_id ?? '');
      if (!/^pi_[A-Za-z0-9]+$/.test(id)) return send(res, 400, { error: { message: 'payment_intent_id is required' } });
      const intent = await stripe.paymentIntents.capture(id, { expand: ['latest_charge'] });
      return send(res, 200, summary(intent));
    }
    return send(res, 404, { error: 'not found' });
  } catch (error) {
    return send(res, error.statusCode ?? 500, { error: { message: error.message, code: error.code } });
  }
});

server.listen(Number(process.env.PORT ?? 3001), process.env.HOST ?? '127.0.0.1', () => {
  const address = server.address();
  console.log(`tap-to-pay-pos listening on http://${address.address}:${address.port} ` +
    `(OpenTill: ${opentillUrl.origin}, Location ${location.id} in ${country})`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
