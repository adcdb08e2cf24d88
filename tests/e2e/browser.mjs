// Shared browser set-up for the e2e scenarios: headless Debian Chromium via
// playwright-core from web/node_modules, a fresh profile, no downloads.
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const require = createRequire(new URL('../../web/package.json', import.meta.url));
const { chromium } = require('playwright-core');

export const baseUrl = process.env.E2E_BASE_URL ?? 'http://127.0.0.1:8080';
export const shots = process.env.E2E_SCREENSHOTS ?? 'build/e2e-screenshots';
export const passwords = {
  admin: process.env.E2E_ADMIN_PASSWORD,
  analyst: process.env.E2E_ANALYST_PASSWORD,
  viewer: process.env.E2E_VIEWER_PASSWORD,
};

export async function launch() {
  const profile = mkdtempSync(join(process.env.E2E_TMP ?? tmpdir(), 'chromium-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.E2E_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1360, height: 860 },
    acceptDownloads: true,
  });
  context.setDefaultTimeout(10_000);
  const errors = [];
  context.on('weberror', (e) => errors.push(String(e.error())));
  return {
    context,
    errors,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Signs `username` in on a new tab. The tabs of one browser share the session
 * cookie (a reload restores the last user who signed in), so the cookie is
 * cleared first to land on the login page; tabs already open keep their
 * in-memory access tokens.
 */
export async function signIn(context, username) {
  await context.clearCookies();
  const page = await context.newPage();
  await page.goto(baseUrl + '/');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(passwords[username] ?? process.env[`E2E_PASSWORD_${username}`]);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('current-user').waitFor();
  return page;
}

export async function screenshot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}
