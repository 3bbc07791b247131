/**
 * The mobile SDK's IndexedDB storage of offline payments (docs/offline.md) in headless Chromium:
 * the SDK's compiled modules and idb-keyval served as ES modules through an import map (as the
 * phone POS loads them), values written by one page read back after a reload and by another page
 * (an app restart), then removed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import type { Browser } from 'playwright-core';
import { repoRoot } from './example-process.js';
import { launchChromium } from './screen-browser.js';

const page = `<!doctype html><html><head><meta charset="utf-8">
<script type="importmap">{ "imports": { "idb-keyval": "/idb/index.js" } }</script></head><body>storage</body></html>`;

const roots: Record<string, string> = {
  '/sdk/': join(repoRoot, 'packages/terminal-sdk/dist/'),
  '/idb/': join(repoRoot, 'node_modules/idb-keyval/dist/'),
};

describe('IndexedDbOfflineStorage in headless Chromium', () => {
  let server: http.Server;
  let base: string;
  let browser: Browser;

  before(async () => {
    server = http.createServer((request, response) => {
      void (async () => {
        const url = new URL(request.url ?? '/', 'http://x');
        if (url.pathname === '/') {
          response.writeHead(200, { 'content-type': 'text/html' }).end(page);
          return;
        }
        const prefix = Object.keys(roots).find((p) => url.pathname.startsWith(p));
        const file = prefix ? normalize(join(roots[prefix]!, url.pathname.slice(prefix.length))) : null;
        if (!prefix || !file || !file.startsWith(roots[prefix]!) || !file.endsWith('.js')) {
          response.writeHead(404).end();
          return;
        }
        try {
          response.writeHead(200, { 'content-type': 'text/javascript' }).end(await readFile(file));
        } catch {
          response.writeHead(404).end();
        }
      })();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  test('values survive a reload and a new page of the same origin; keys, get, del', async () => {
    const context = await browser.newContext();
    try {
      const first = await context.newPage();
      const errors: string[] = [];
      first.on('pageerror', (error) => errors.push(error.message));
      await first.goto(base);
      const written = await first.evaluate(async () => {
        const { IndexedDbOfflineStorage } = (await import(
          '/sdk/mobile/offline/storage.js' as string
        )) as typeof import('@opentill/terminal-sdk/mobile');
        const storage = new IndexedDbOfflineStorage();
        await storage.set('payment:offpi_1', '{"amount":1500}');
        await storage.set('settings:tml_1', '{"enabled":true}');
        return (await storage.keys()).sort();
      });
      assert.deepEqual(written, ['payment:offpi_1', 'settings:tml_1']);

      await first.reload();
      const read = await first.evaluate(async () => {
        const { IndexedDbOfflineStorage } = (await import(
          '/sdk/mobile/offline/storage.js' as string
        )) as typeof import('@opentill/terminal-sdk/mobile');
        const storage = new IndexedDbOfflineStorage();
        return { payment: await storage.get('payment:offpi_1'), missing: (await storage.get('payment:none')) ?? null };
      });
      assert.deepEqual(read, { payment: '{"amount":1500}', missing: null });

      const second = await context.newPage();
      await second.goto(base);
      const after = await second.evaluate(async () => {
        const { IndexedDbOfflineStorage } = (await import(
          '/sdk/mobile/offline/storage.js' as string
        )) as typeof import('@opentill/terminal-sdk/mobile');
        const storage = new IndexedDbOfflineStorage();
        await storage.del('payment:offpi_1');
        return { keys: await storage.keys(), settings: await storage.get('settings:tml_1') };
      });
      assert.deepEqual(after, { keys: ['settings:tml_1'], settings: '{"enabled":true}' });
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
});
