/**
 * Shared set-up of the dashboard browser tests: a real `opentill serve` (which serves the built
 * dashboard at `/`), headless Chromium (the launcher the reader screen tests use), signing in
 * with the one-time link the server printed, the two viewports, and screenshots.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { RunningServer } from '@opentill/testkit';

export const dashboardViewports = {
  desktop: { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 },
  phone: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true },
} as const;
export type DashboardViewport = keyof typeof dashboardViewports;

export async function dashboardContext(browser: Browser, viewport: DashboardViewport): Promise<BrowserContext> {
  return browser.newContext({
    ...dashboardViewports[viewport],
    locale: 'en-US',
    timezoneId: 'UTC',
    reducedMotion: 'reduce',
  });
}

/** The one-time sign-in link `opentill serve` printed, on the address the test reaches it by. */
export function signInLink(server: RunningServer): string {
  const printed = /dashboard:\s+(\S+)/.exec(server.output());
  assert.ok(printed, `opentill serve printed no dashboard sign-in link:\n${server.output()}`);
  const link = new URL(printed[1]!);
  assert.ok(link.searchParams.get('token'), 'the sign-in link carries a one-time token');
  return `${server.baseUrl}${link.pathname}${link.search}`;
}

/** Opens the printed link: the server starts a session and sends the browser to the dashboard. */
export async function signInWithLink(page: Page, server: RunningServer): Promise<void> {
  await page.goto(signInLink(server));
  await page.waitForSelector('.shell');
  assert.equal(new URL(page.url()).search, '', 'the token does not stay in the address bar');
}

export async function signInWithKey(page: Page, server: RunningServer): Promise<void> {
  await page.goto(`${server.baseUrl}/`);
  await page.waitForSelector('[data-page="sign-in"]');
  await page.fill('input[name="secret_key"]', server.secretKey);
  await page.click('button[type="submit"]');
  await page.waitForSelector('.shell');
}

export async function openRoute(page: Page, route: string): Promise<void> {
  await page.evaluate(`window.location.hash = ${JSON.stringify(`#/${route}`)}`);
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
/**
 * Screenshots go to docs/screenshots/dashboard/ with OPENTILL_SCREENSHOTS=1 (to refresh the
 * committed ones), otherwise to a temporary directory: they are always taken.
 */
export const dashboardScreenshotDir =
  process.env.OPENTILL_SCREENSHOTS === '1'
    ? join(repoRoot, 'docs/screenshots/dashboard')
    : mkdtempSync(join(tmpdir(), 'opentill-dashboard-'));
mkdirSync(dashboardScreenshotDir, { recursive: true });

export async function dashboardScreenshot(page: Page, viewport: DashboardViewport, name: string): Promise<string> {
  const path = join(dashboardScreenshotDir, `${name}-${viewport}.png`);
  await page.mouse.move(1, 1);
  await page.screenshot({ path, animations: 'disabled', caret: 'hide' });
  return path;
}

/** The page never scrolls sideways (tables scroll inside their card; on a phone their secondary columns hide). */
export async function assertNoSidewaysScroll(page: Page, label: string): Promise<void> {
  const widths = (await page.evaluate(
    '[document.documentElement.scrollWidth, document.documentElement.clientWidth]',
  )) as [number, number];
  assert.ok(widths[0] <= widths[1] + 1, `${label}: the page scrolls sideways (${widths[0]} > ${widths[1]})`);
}
