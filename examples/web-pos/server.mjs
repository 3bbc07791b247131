#!/usr/bin/env node
/**
 * Example web POS backend (the seed's JavaScript integration, pointed at OpenTill), an Express app
 * shaped like Stripe's own Terminal samples:
 * - POST /connection_token       → { secret } from POST /v1/terminal/connection_tokens
 * - POST /create_payment_intent  → { client_secret } (card_present, manual capture)
 * - POST /capture_payment_intent → the captured PaymentIntent
 * - POST /reader_screen          → { url } of a reader's virtual screen (where the card is presented
 *                                  when the reader is not simulated), from OpenTill's screen sessions
 * - GET  /                       → the checkout page; /sdk/*.js → the OpenTill Terminal SDK (ESM),
 *   /core/*.js → @opentill/core, which the SDK imports
 *
 * It uses the official `stripe` package, pointed at OpenTill with host/port/protocol. The secret
 * key stays here: the page only ever sees connection tokens, client secrets and screen links.
 *
 *   OPENTILL_URL=http://127.0.0.1:4242 OPENTILL_SECRET_KEY=sk_test_… PORT=3000 node examples/web-pos/server.mjs
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import Stripe from 'stripe';

const here = dirname(fileURLToPath(import.meta.url));
// Wherever npm put the SDK: this clone's packages/terminal-sdk, or node_modules of a copy.
// The SDK's compiled ES modules import @opentill/core (with its own relative files): serve both,
// wherever npm put them.
const sdkDist = dirname(createRequire(import.meta.url).resolve('@opentill/terminal-sdk'));
const coreDist = dirname(createRequire(join(sdkDist, 'index.js')).resolve('@opentill/core'));
const opentillUrl = new URL(process.env.OPENTILL_URL ?? 'http://127.0.0.1:4242');
const secretKey = process.env.OPENTILL_SECRET_KEY ?? process.env.STRIPE_SECRET_KEY;
if (!secretKey) {
  console.error('Set OPENTILL_SECRET_KEY (the sk_test_… key `opentill serve` printed).');
  process.exit(1);
}
const stripe = new Stripe(secretKey, {
  host: opentillUrl.hostname,
  port: Number(opentillUrl.port || (opentillUrl.protocol === 'https:' ? 443 : 80)),
  protocol: opentillUrl.protocol === 'https:' ? 'https' : 'http',
});
/** Optional: scope connection tokens (and so discovery) to one Location. */
const location = process.env.OPENTILL_LOCATION || undefined;

const app = express();
app.use(express.json({ limit: '100kb' }));
const noStore = { setHeaders: (res) => res.set('cache-control', 'no-store') };
app.use(express.static(join(here, 'public'), noStore));
// The SDK's compiled ES modules, loaded by the page through an import map (no bundler).
app.use('/sdk', express.static(sdkDist, noStore));
app.use('/core', express.static(coreDist, noStore));

app.get('/config.json', (req, res) => {
  res.json({ opentillUrl: opentillUrl.origin });
});

app.post('/connection_token', async (req, res) => {
  // Your backend should call /v1/terminal/connection_tokens and return the JSON response from Stripe
  const token = await stripe.terminal.connectionTokens.create(location ? { location } : {});
  res.json({ secret: token.secret });
});

app.post('/create_payment_intent', async (req, res) => {
  const intent = await stripe.paymentIntents.create({
    amount: Number(req.body?.amount ?? 1000),
    currency: String(req.body?.currency ?? 'eur'),
    payment_method_types: ['card_present'],
    capture_method: 'manual',
  });
  res.json({ client_secret: intent.client_secret, id: intent.id });
});

app.post('/capture_payment_intent', async (req, res) => {
  const intent = await stripe.paymentIntents.capture(String(req.body?.payment_intent_id));
  res.json(intent);
});

app.post('/reader_screen', async (req, res) => {
  const reader = String(req.body?.reader_id ?? '');
  if (!/^tmr_[A-Za-z0-9]+$/.test(reader)) return res.status(400).json({ error: { message: 'reader_id is required' } });
  // An OpenTill endpoint (not Stripe's): stripe-node calls it with the same key and host.
  const session = await stripe.rawRequest('POST', `/opentill/v1/terminal/readers/${reader}/screen_sessions`, {});
  res.json({ url: session.url });
});

// Express 5 passes a rejected handler here: answer in Stripe's error shape, with its status.
app.use((error, req, res, next) => {
  if (res.headersSent) return next(error); // Express's own handler ends a response already started
  res.status(error.statusCode ?? 500).json({ error: { message: error.message, code: error.code } });
});

const server = app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1', () => {
  const address = server.address();
  console.log(`web-pos listening on http://${address.address}:${address.port} (OpenTill: ${opentillUrl.origin})`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
