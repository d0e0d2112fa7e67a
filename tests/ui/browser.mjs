// browser.mjs — Debian's Chromium driven by playwright-core for the UI tests:
// launch, log in through the real login page (ID, password, one-time code),
// screenshots into tests/ui/artifacts/ (git-ignored), and page-load timings
// that the tests print (never assert).
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT, DEMO_PASSWORD, DEMO_SECRET, totp } from '../integration/harness.mjs';

export const ARTIFACTS = path.join(ROOT, 'tests/ui/artifacts');

function chromiumPath() {
  const candidates = [process.env.CHROMIUM, '/usr/lib/chromium/chromium', '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  const found = candidates.find((p) => p && existsSync(p));
  if (!found) throw new Error('Chromium not found: install the Debian package "chromium" (scripts/install-deps check)');
  return found;
}

export async function launch() {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/** A new browser context (Japanese locale, Tokyo time) and page; page errors fail the test at the end. */
export async function newPage(browser, { width = 1366, height = 900, storageState, isMobile = false, hasTouch = false } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, locale: 'ja-JP', timezoneId: 'Asia/Tokyo',
    storageState, isMobile, hasTouch });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.setDefaultTimeout(15000);
  return page;
}

export const timings = [];

/** Run fn and record how long it took under label; returns fn's result. */
export async function timed(label, fn) {
  const t0 = performance.now();
  const r = await fn();
  timings.push([label, Math.round(performance.now() - t0)]);
  return r;
}

export function printTimings(title) {
  console.log(`\n${title} (ms, not asserted):`);
  for (const [label, ms] of timings) console.log(`  ${String(ms).padStart(6)}  ${label}`);
}

export async function shot(page, name) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/**
 * Log in as a demo account through the login page, as a person would: the
 * start page sends a stranger to /login.html, which returns to / when done.
 * Returns when the start page is ready.
 */
export async function login(page, origin, account, { password = DEMO_PASSWORD, secret = DEMO_SECRET } = {}) {
  await page.goto(`${origin}/`);
  await page.waitForURL('**/login.html');
  await page.fill('#step-password input[name=account]', account);
  await page.fill('#step-password input[name=password]', password);
  await page.click('#step-password button[type=submit]');
  await page.waitForSelector('#step-totp:not([hidden])');
  await page.fill('#step-totp input[name=code]', totp(secret));
  await page.click('#step-totp button[type=submit]');
  await page.waitForURL(`${origin}/`);
  await page.waitForSelector('body[data-ready=true]');
}

/** All text and markup of the page (attributes included), for "nothing of X is here" checks. */
export async function everythingOnPage(page) {
  return page.evaluate(() => `${document.documentElement.outerHTML}\n${document.body.innerText}\n${document.title}\n${location.href}`);
}
