// Drives page.html in Debian's headless Chromium (playwright-core, no browser download):
//
//   node drive.mjs <pageUrl> <serviceUrl> <peerJid> [screenshot.png]
//
// The page logs in anonymously over <serviceUrl> (ws://.../xmpp-websocket or http://.../http-bind), sends
// "hello from browser <transport>" to <peerJid> and waits for "hello browser" back from the peer, then
// disconnects. Prints "CONNECTED <jid>" once logged in, "UNQUALIFIED <stanza>" for each stanza the server sent
// outside jabber:client, and at the end one line "RESULT <json>".
// Exit code 0 when the reply arrived and the connection closed, 1 otherwise, 2 on bad arguments.
// Env: CHROMIUM (default /usr/bin/chromium), DRIVE_TIMEOUT_MS (default 20000, for the whole exchange).
import { launchChromium } from './chromium.mjs';

const [pageUrl, service, peer, screenshot] = process.argv.slice(2);
if (!pageUrl || !service || !peer) {
  console.error('usage: node drive.mjs <pageUrl> <serviceUrl> <peerJid> [screenshot.png]');
  process.exit(2);
}
const timeout = Number(process.env.DRIVE_TIMEOUT_MS || 20000);
const deadline = Date.now() + timeout;
const left = () => Math.max(1, deadline - Date.now());
const REPLY = 'hello browser';
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(2)}s`;

const browser = await launchChromium();

let result = { ok: false, service, peer };
let page;
try {
  page = await browser.newPage();
  page.on('console', (m) => console.error(`[page ${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  page.on('requestfailed', (r) => console.error(`[request failed] ${r.method()} ${r.url()}: ${r.failure()?.errorText}`));

  const url = new URL(pageUrl);
  url.searchParams.set('service', service);
  url.searchParams.set('peer', peer);
  await page.goto(url.toString(), { timeout: left() });
  console.error(`${elapsed()} page loaded`);

  // Logged in (or failed).
  await page.waitForFunction(() => window.parley && (window.parley.connected || window.parley.errors.length > 0),
    null, { timeout: left() });
  const jid = await page.evaluate(() => window.parley.jid);
  if (jid) console.log(`CONNECTED ${jid}`);
  console.error(`${elapsed()} ${jid ? 'connected as ' + jid : 'failed to connect'}`);

  // The peer's answer (or a failure).
  if (jid) {
    await page.waitForFunction((reply) => window.parley.received.some((m) => m.body === reply)
        || window.parley.errors.length > 0 || window.parley.disconnected,
      REPLY, { timeout: left() });
    console.error(`${elapsed()} reply ${await page.evaluate((r) => window.parley.received.some((m) => m.body === r), REPLY) ? 'received' : 'missing'}`);
    await page.evaluate(() => window.parleyDisconnect());
    await page.waitForFunction(() => window.parley.disconnected, null, { timeout: Math.min(left(), 5000) });
    console.error(`${elapsed()} disconnected`);
  }
} catch (e) {
  console.error(`${elapsed()} driver: ${e.message}`);
  result.driverError = e.message;
} finally {
  if (page) {
    try {
      const state = await page.evaluate(() => window.parley);
      Object.assign(result, state);
      result.ok = !result.driverError && state.connected && state.disconnected && state.errors.length === 0
        && state.received.some((m) => m.body === REPLY);
    } catch (e) {
      result.driverError = result.driverError || e.message;
    }
    if (screenshot) {
      try {
        await page.screenshot({ path: screenshot, fullPage: true });
      } catch (e) {
        console.error(`screenshot failed: ${e.message}`);
      }
    }
  }
  await browser.close();
}
if (!result.ok) {
  console.error('traffic:');
  for (const line of result.traffic || []) console.error('  ' + line);
}
for (const u of result.unqualified || []) console.log('UNQUALIFIED ' + u);
console.log('RESULT ' + JSON.stringify(result));
console.error(`${elapsed()} done, ok=${result.ok}`);
process.exit(result.ok ? 0 : 1);
