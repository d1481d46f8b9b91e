import { existsSync } from 'node:fs';
import { chromium, type Browser, type LaunchOptions } from 'playwright-core';

/** Where Debian's chromium lives; CHROMIUM_PATH overrides. */
export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(`Chromium not found at ${path}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`);
  }
  return path;
}

// Without the background-networking flags Chromium keeps dialling out, which this closed
// network refuses; --no-sandbox because tests may run as root.
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export interface LaunchedBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/** Headless Debian Chromium; playwright gives it a fresh, throw-away profile and removes it on close. */
export async function launchChromium(options: { args?: string[] } & Omit<LaunchOptions, 'args'> = {}): Promise<LaunchedBrowser> {
  const { args = [], ...rest } = options;
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    ...rest,
    args: [...FLAGS, ...args],
  });
  return {
    browser,
    async close() {
      await browser.close().catch(() => {});
    },
  };
}
