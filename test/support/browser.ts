/**
 * Chromium for the console's tests and benchmark, driven by playwright-core: Debian's
 * /usr/bin/chromium (CHROMIUM_PATH to use another), never a browser Playwright downloads.
 */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const DESKTOP = { width: 1280, height: 800 } as const;
export const PHONE = { width: 390, height: 844 } as const;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    // Chromium's own sandbox cannot start as root (CI runs as root here: "Chromium sandboxing
    // failed"), so it runs without it; it only ever loads the console from this machine.
    chromiumSandbox: false,
    timeout: 30_000,
  });
}

/** What a page did that a test should know about: errors thrown, CSP violations reported. */
export interface PageWatch {
  errors: string[];
  violations: string[];
}

/**
 * A page in a fresh context (its own sessionStorage, so its own sign-in), recording uncaught
 * errors and Content-Security-Policy violations.
 */
export async function openPage(
  browser: Browser,
  viewport: { width: number; height: number } = DESKTOP,
): Promise<{ context: BrowserContext; page: Page; watch: PageWatch }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const watch: PageWatch = { errors: [], violations: [] };
  page.on('pageerror', (error) => watch.errors.push(error.message));
  page.on('console', (message) => {
    if (/Content.Security.Policy|Trusted Type/i.test(message.text())) {
      watch.violations.push(message.text());
    }
  });
  return { context, page, watch };
}

/** Signs in through the form, as a person would, and waits for the session list. */
export async function signIn(page: Page, base: URL, key: string): Promise<void> {
  await page.goto(new URL('/console', base).toString());
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: /^Sessions/ }).waitFor();
}
