// Debian's Chromium driven by playwright-core (no browser download), fresh profile per run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Launches Chromium with a fresh --user-data-dir; returns { context, page, close, consoleErrors, requests }. */
export async function launch({ width = 1200, height = 900 } = {}) {
  const { chromium } = require('playwright-core');
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'inboxlens-e2e-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width, height },
  });
  const page = context.pages()[0] || await context.newPage();
  const consoleErrors = [];
  const requests = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  page.on('request', (r) => {
    requests.push({ url: r.url(), method: r.method(), headers: r.headers(), post: r.postDataBuffer(), req: r });
  });
  return {
    context, page, consoleErrors, requests,
    close: async () => { await context.close(); fs.rmSync(userDataDir, { recursive: true, force: true }); },
  };
}

export const ARTIFACTS = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', 'artifacts');

/** Screenshots into tests/e2e/artifacts/: NAME.png (full page) and NAME-top.png (first screen). */
export async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}-top.png`) });
  return file;
}
