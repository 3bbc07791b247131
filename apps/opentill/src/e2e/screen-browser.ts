/**
 * Shared set-up of the browser tests: the headless Chromium that ships inside the
 * `@sparticuz/chromium` devDependency (so `npm ci` brings the browser; no system package), driven by
 * playwright-core, the two viewports the screen must work at, screenshots, and a fake screen
 * channel (a tiny WebSocket server speaking the reader-screen contract) in front of a real server
 * that serves the page, so the rendering can be tested state by state.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import sparticuz from '@sparticuz/chromium';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { WebSocketServer, type WebSocket } from 'ws';
import type { CustomerInput, ScreenReader, ScreenState } from '@opentill/protocol';

/** Another Chromium to use instead of the packaged one (e.g. a system `/usr/bin/chromium`). */
export const chromiumOverride = process.env.OPENTILL_CHROMIUM;

/**
 * The browser binary: OPENTILL_CHROMIUM when set, else the packaged one, inflated on first use
 * into the temporary directory (scripts/test.mjs does that once before it starts the test
 * processes, so parallel files never race to write it).
 */
export async function chromiumPath(): Promise<string> {
  return chromiumOverride ?? (await sparticuz.executablePath());
}

/** Launches Chromium, or fails loudly: these tests are never skipped. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = await chromiumPath();
  assert.ok(
    existsSync(executablePath),
    `Chromium not found at ${executablePath}: run \`npm ci\` (it installs @sparticuz/chromium), ` +
      'or set OPENTILL_CHROMIUM to a Chromium binary.',
  );
  // The packaged build is a headless shell with its own flags (no zygote, no sandbox as root),
  // less `--single-process`, made for one page per Lambda: with it, closing a browser context
  // closes the whole browser, and the tests open many contexts.
  const args = chromiumOverride
    ? [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ]
    : sparticuz.args.filter((arg) => arg !== '--single-process');
  return chromium.launch({ executablePath, args });
}

export const viewports = {
  phone: { viewport: { width: 375, height: 667 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
  desktop: { viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 },
} as const;
export type ViewportName = keyof typeof viewports;

export async function newContext(browser: Browser, name: ViewportName): Promise<BrowserContext> {
  return browser.newContext({ ...viewports[name], locale: 'fr-FR', reducedMotion: 'reduce' });
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
/**
 * Screenshots go to docs/screenshots/reader-screen/ when OPENTILL_SCREENSHOTS=1 (to refresh the
 * committed ones), otherwise to a temporary directory: they are always taken, so a state that
 * cannot be rendered fails the test either way.
 */
export const screenshotDir =
  process.env.OPENTILL_SCREENSHOTS === '1'
    ? join(repoRoot, 'docs/screenshots/reader-screen')
    : mkdtempSync(join(tmpdir(), 'opentill-screens-'));
mkdirSync(screenshotDir, { recursive: true });

/** Phone: the whole viewport. Desktop: the device frame with a margin of the page around it. */
export async function screenshot(page: Page, viewport: ViewportName, name: string): Promise<string> {
  const path = join(screenshotDir, `${name}-${viewport}.png`);
  await page.evaluate('document.fonts.ready.then(() => true)');
  // No hover effect left where the last click was.
  await page.mouse.move(1, 1);
  if (viewport === 'phone') {
    await page.screenshot({ path, animations: 'disabled', caret: 'hide' });
  } else {
    const box = await page.locator('.device').boundingBox();
    assert.ok(box, 'the device frame is on the page');
    const margin = 28;
    await page.screenshot({
      path,
      animations: 'disabled',
      caret: 'hide',
      clip: { x: box.x - margin, y: box.y - margin, width: box.width + 2 * margin, height: box.height + 2 * margin },
    });
  }
  return path;
}

/** Waits until the page shows `screen` (body[data-screen]). */
export async function waitForScreen(page: Page, screen: string, timeout = 10_000): Promise<void> {
  await page.waitForSelector(`body[data-screen="${screen}"]`, { timeout });
}

/** The page must not scroll sideways and its controls must be big enough to touch (≥ 44 px). */
export async function assertUsable(page: Page, label: string): Promise<void> {
  // Runs in the page (a string: this package is compiled without the DOM library).
  const problems = (await page.evaluate(`(() => {
    const found = [];
    const root = document.documentElement;
    if (root.scrollWidth > root.clientWidth + 1) found.push('page scrolls sideways (' + root.scrollWidth + ' > ' + root.clientWidth + ')');
    for (const el of document.querySelectorAll('#screen button, #screen input, #screen canvas')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      const small = el.matches('input[type="checkbox"]') ? r.height < 28 : r.height < 44;
      const name = el.tagName.toLowerCase() + (el.dataset.action ? '[' + el.dataset.action + ']' : '');
      if (small) found.push(name + ' "' + (el.textContent || '').trim().slice(0, 30) + '" is ' + Math.round(r.height) + 'px high');
      if (el.tagName === 'BUTTON' && !(el.textContent || '').trim() && !el.getAttribute('aria-label')) found.push('a button has no accessible name');
    }
    return found;
  })()`)) as string[];
  assert.deepEqual(problems, [], `${label}: ${problems.join('; ')}`);
}

// ---------------------------------------------------------------------------------------------
// Fake screen channel

export interface FakeChannel {
  /** Where to open the page: the fake serves it (proxied from the real server) and the channel. */
  baseUrl: string;
  /** Tokens the page connected with, in order. */
  tokens: string[];
  connections(): number;
  /** Sends a screen state to every connected viewer (seq increases by itself unless given). */
  show(state: ScreenState, options?: { reader?: Partial<ScreenReader>; seq?: number }): void;
  reject(reason: string): void;
  /** The next input a viewer sends. */
  nextInput(timeoutMs?: number): Promise<CustomerInput>;
  /** Inputs received and not yet taken by nextInput. */
  queued(): CustomerInput[];
  /** Drops every viewer's connection (the page must reconnect). */
  dropAll(): void;
  /** Refuses new connections (the upgrade gets 401) until allowed again. */
  refuse(on: boolean): void;
  waitForConnections(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export const fakeReader: ScreenReader = {
  id: 'tmr_FakeReader0001',
  label: 'Caisse 1 — Comptoir',
  device_type: 'simulated_wisepos_e',
  status: 'online',
  language: 'fr',
  country: 'FR',
};

/** A fake screen channel: page requests go to `pageOrigin` (a real server), the WebSocket stays here. */
export async function fakeChannel(pageOrigin: string): Promise<FakeChannel> {
  const sockets = new Set<WebSocket>();
  const tokens: string[] = [];
  const inbox: CustomerInput[] = [];
  const waiters: Array<(input: CustomerInput) => void> = [];
  let seq = 0;
  let last: string | null = null;
  let count = 0;
  let refusing = false;

  const server: Server = createServer((req, res) => {
    void (async () => {
      try {
        const upstream = await fetch(pageOrigin + (req.url ?? '/'));
        const headers: Record<string, string> = {};
        upstream.headers.forEach((value, key) => {
          if (key !== 'content-encoding' && key !== 'content-length' && key !== 'transfer-encoding')
            headers[key] = value;
        });
        res.writeHead(upstream.status, headers);
        res.end(Buffer.from(await upstream.arrayBuffer()));
      } catch (error) {
        res.writeHead(502).end(String(error));
      }
    })();
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req: IncomingMessage, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (url.pathname !== '/opentill/v1/screen/connect' || refusing) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      tokens.push(url.searchParams.get('token') ?? '');
      count += 1;
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', (data) => {
        const message = JSON.parse(String(data)) as { type: string; input: CustomerInput };
        assert.equal(message.type, 'input');
        const waiter = waiters.shift();
        if (waiter) waiter(message.input);
        else inbox.push(message.input);
      });
      // A new viewer sees the current screen at once, as the hub does.
      if (last) ws.send(last);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;

  const channel: FakeChannel = {
    baseUrl: `http://127.0.0.1:${port}`,
    tokens,
    connections: () => count,
    show(state, options = {}) {
      seq = options.seq ?? seq + 1;
      last = JSON.stringify({ type: 'screen', reader: { ...fakeReader, ...options.reader }, state, seq });
      for (const ws of sockets) ws.send(last);
    },
    reject(reason) {
      for (const ws of sockets) ws.send(JSON.stringify({ type: 'input_rejected', reason }));
    },
    nextInput(timeoutMs = 5000) {
      const queued = inbox.shift();
      if (queued) return Promise.resolve(queued);
      return new Promise((resolvePromise, reject) => {
        const timer = setTimeout(() => {
          const i = waiters.indexOf(take);
          if (i >= 0) waiters.splice(i, 1);
          reject(new Error('no input from the screen in time'));
        }, timeoutMs);
        const take = (input: CustomerInput) => {
          clearTimeout(timer);
          resolvePromise(input);
        };
        waiters.push(take);
      });
    },
    queued: () => inbox.splice(0),
    dropAll() {
      for (const ws of sockets) ws.terminate();
    },
    refuse(on) {
      refusing = on;
    },
    async waitForConnections(n, timeoutMs = 10_000) {
      // Checks every 25 ms, at most timeoutMs / 25 times.
      for (let attempt = 0; count < n || sockets.size === 0; attempt += 1) {
        if (attempt >= timeoutMs / 25) throw new Error(`expected ${n} connections, got ${count}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  return channel;
}
