// Debian's Chromium, headless, for the drivers in this directory (playwright-core, no browser download).
import { chromium } from 'playwright-core';

// The machine's network is closed: without the background-networking flags Chromium keeps trying to
// reach Google. Playwright gives every launch a fresh temporary --user-data-dir itself.
const CLOSED_NETWORK = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

// Env CHROMIUM overrides /usr/bin/chromium; extraArgs go after the shared flags.
export function launchChromium(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    timeout: 15000,
    args: [...CLOSED_NETWORK, ...extraArgs],
  });
}
