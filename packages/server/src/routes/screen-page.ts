/**
 * The virtual reader screen (issue 5, item 3): a browser page that looks and behaves like the
 * screen of a smart reader, for the cashier and the customer. It is a plain page (no framework, no
 * bundler): `GET /opentill/screen/:readerId?token=…` answers the HTML shell, and its script and
 * stylesheet are served from `screen-page/` beside this file under `/opentill/screen/assets/…`.
 *
 * The page needs no API key: what it shows and what it may do comes from the screen session token
 * (`POST /opentill/v1/terminal/readers/:id/screen_sessions`), which the script sends to the screen
 * channel `GET /opentill/v1/screen/connect?token=…` (contract: @opentill/protocol reader-screen.ts).
 * The token is in the page URL, so the page asks browsers never to send it on as a Referer.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { App } from '../app.js';

/**
 * The assets are not TypeScript, so `tsc` leaves them in `src/`: this module runs from
 * `dist/routes/`, and finds them at `src/routes/screen-page/` of the same package.
 */
const here = dirname(fileURLToPath(import.meta.url));
const assetDirs = [join(here, 'screen-page'), join(here, '../../src/routes/screen-page')];

interface Asset {
  body: string;
  type: string;
}

const assetTypes: Record<string, string> = {
  'screen.js': 'text/javascript; charset=utf-8',
  'screen.css': 'text/css; charset=utf-8',
  'icon.svg': 'image/svg+xml',
};

function loadAssets(): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const [name, type] of Object.entries(assetTypes)) {
    let body: string | null = null;
    for (const dir of assetDirs) {
      try {
        body = readFileSync(join(dir, name), 'utf8');
        break;
      } catch {
        // try the next location
      }
    }
    if (body === null) throw new Error(`virtual reader screen: asset ${name} not found in ${assetDirs.join(' or ')}`);
    assets.set(name, { body, type });
  }
  return assets;
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Security headers shared by the page and its assets. */
const baseHeaders = {
  // The session token is in the page URL: never leak it to another origin.
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
} as const;

const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/**
 * The HTML shell: the script renders every screen into `#screen`, in the reader's language (it
 * learns it with the first screen; `?lang=` overrides it), so the shell itself is English.
 */
export function screenPageHtml(readerId: string): string {
  const id = escapeHtml(readerId);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="referrer" content="no-referrer">
<meta name="theme-color" content="#14122b">
<title>OpenTill reader ${id}</title>
<link rel="icon" href="/opentill/screen/assets/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/opentill/screen/assets/screen.css">
<script type="module" src="/opentill/screen/assets/screen.js"></script>
</head>
<body>
<main class="stage" data-reader="${id}">
  <div class="device" role="region" aria-label="Reader screen">
    <div class="device-top" aria-hidden="true"><span class="camera"></span></div>
    <div class="statusbar">
      <span class="statusbar-label" id="reader-label">${id}</span>
      <span class="conn" id="conn" data-state="connecting"><span class="dot" aria-hidden="true"></span><span id="conn-text">…</span></span>
    </div>
    <div class="screen" id="screen" aria-busy="true">
      <div class="center"><p class="muted">Loading…</p></div>
    </div>
    <div class="toast" id="toast" role="alert" hidden></div>
    <p class="sr-only" id="status" role="status" aria-live="polite"></p>
    <div class="device-bottom" aria-hidden="true"><span class="nfc-mark"></span></div>
  </div>
</main>
<noscript><p class="noscript">This virtual reader needs JavaScript.</p></noscript>
</body>
</html>
`;
}

export function registerScreenPage(app: App): void {
  const assets = loadAssets();
  app.fastify.get<{ Params: { readerId: string } }>('/opentill/screen/:readerId', async (request, reply) => {
    return reply
      .headers({ ...baseHeaders, 'Content-Security-Policy': contentSecurityPolicy, 'Cache-Control': 'no-store' })
      .type('text/html; charset=utf-8')
      .send(screenPageHtml(request.params.readerId));
  });
  app.fastify.get<{ Params: { name: string } }>('/opentill/screen/assets/:name', async (request, reply) => {
    const asset = assets.get(request.params.name);
    if (!asset) return reply.status(404).type('text/plain; charset=utf-8').send('Not found');
    return reply
      .headers({ ...baseHeaders, 'Cache-Control': 'no-cache' })
      .type(asset.type)
      .send(asset.body);
  });
}
