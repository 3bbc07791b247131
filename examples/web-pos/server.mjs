#!/usr/bin/env node
/**
 * Example web POS backend (the seed's JavaScript integration, pointed at OpenTill):
 * - POST /connection_token       → { secret } from POST /v1/terminal/connection_tokens
 * - POST /create_payment_intent  → { client_secret } (card_present, manual capture)
 * - POST /capture_payment_intent → the captured PaymentIntent
 * - GET  /                       → the checkout page; /sdk/*.js → the OpenTill Terminal SDK (ESM)
 *
 * It uses the official `stripe` package, pointed at OpenTill with host/port/protocol. The secret
 * key stays here: the page only ever sees connection tokens and client secrets.
 *
 *   OPENTILL_URL=http://127.0.0.1:4242 OPENTILL_SECRET_KEY=sk_test_… PORT=3000 node examples/web-pos/server.mjs
 */
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Stripe from 'stripe';

const here = dirname(fileURLToPath(import.meta.url));
const sdkDist = join(here, '../../packages/terminal-sdk/dist');
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

const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.map': 'application/json' };

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

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  try {
    if (req.method === 'GET' && (url.pathname === '/' || url.pathname === '/index.html')) {
      return await serveFile(res, join(here, 'public/index.html'));
    }
    if (req.method === 'GET' && url.pathname === '/app.js') return await serveFile(res, join(here, 'public/app.js'));
    if (req.method === 'GET' && url.pathname === '/config.json') return send(res, 200, { opentillUrl: opentillUrl.origin });
    const sdkFile = /^\/sdk\/([a-z-]+\.js)$/.exec(url.pathname);
    if (req.method === 'GET' && sdkFile) return await serveFile(res, join(sdkDist, sdkFile[1]));

    if (req.method === 'POST' && url.pathname === '/connection_token') {
      // Your backend should call /v1/terminal/connection_tokens and return the JSON response from Stripe
      const token = await stripe.terminal.connectionTokens.create(location ? { location } : {});
      return send(res, 200, { secret: token.secret });
    }
    if (req.method === 'POST' && url.pathname === '/create_payment_intent') {
      const body = await readJson(req);
      const intent = await stripe.paymentIntents.create({
        amount: Number(body.amount ?? 1000),
        currency: String(body.currency ?? 'eur'),
        payment_method_types: ['card_present'],
        capture_method: 'manual',
      });
      return send(res, 200, { client_secret: intent.client_secret, id: intent.id });
    }
    if (req.method === 'POST' && url.pathname === '/capture_payment_intent') {
      const body = await readJson(req);
      const intent = await stripe.paymentIntents.capture(String(body.payment_intent_id));
      return send(res, 200, intent);
    }
    return send(res, 404, { error: 'not found' });
  } catch (error) {
    return send(res, error.statusCode ?? 500, { error: { message: error.message, code: error.code } });
  }
});

server.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1', () => {
  const address = server.address();
  console.log(`web-pos listening on http://${address.address}:${address.port} (OpenTill: ${opentillUrl.origin})`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
