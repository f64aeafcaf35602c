// Drives bosh-room.html in Debian's headless Chromium (playwright-core) while the test restarts the server:
//
//   node bosh-restart.mjs <pageUrl> <serviceUrl> <room> <nick>
//
// Prints "JOINED <jid>" once the page is in the room (or "FAILED <why>" and exits 1), then follows commands, one a
// line on stdin: "EXPECT <body>" waits (up to 60 s) for a message with that body and prints "GOT <body>" or
// "MISSING <body>"; "SAY <text>" speaks in the room and prints "SAID"; "END" prints "RESULT <json>" (the page's
// statuses, presences, messages and errors) and exits 0.
import { createInterface } from 'node:readline';
import { launchChromium } from './chromium.mjs';

const [pageUrl, service, room, nick] = process.argv.slice(2);
if (!pageUrl || !service || !room || !nick) {
  console.error('usage: node bosh-restart.mjs <pageUrl> <serviceUrl> <room> <nick>');
  process.exit(2);
}
const browser = await launchChromium();
const page = await browser.newPage();
page.on('console', (m) => console.error(`[page ${m.type()}] ${m.text()}`));
page.on('requestfailed', (r) => console.error(`[request failed] ${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
const url = new URL(pageUrl);
url.searchParams.set('service', service);
url.searchParams.set('room', room);
url.searchParams.set('nick', nick);

async function finish(code) {
  const state = await page.evaluate(() => window.parley).catch((e) => ({ driverError: e.message }));
  const { traffic, ...rest } = state;
  console.log('RESULT ' + JSON.stringify(rest));
  if (code !== 0) for (const line of traffic || []) console.error('  ' + line);
  await browser.close();
  process.exit(code);
}

try {
  await page.goto(url.toString(), { timeout: 20000 });
  await page.waitForFunction(() => window.parley.joined || window.parley.errors.length > 0, null, { timeout: 20000 });
} catch (e) {
  console.log('FAILED ' + e.message);
  await finish(1);
}
const jid = await page.evaluate(() => window.parley.joined && window.parley.jid);
if (!jid) {
  console.log('FAILED ' + JSON.stringify(await page.evaluate(() => window.parley.errors)));
  await finish(1);
}
console.log('JOINED ' + jid);

for await (const line of createInterface({ input: process.stdin })) {
  const [command, ...words] = line.split(' ');
  const text = words.join(' ');
  if (command === 'EXPECT') {
    try {
      await page.waitForFunction((b) => window.parley.received.some((m) => m.body === b), text, { timeout: 60000 });
      console.log('GOT ' + text);
    } catch (e) {
      console.log('MISSING ' + text);
    }
  } else if (command === 'SAY') {
    await page.evaluate((t) => window.parleySay(t), text);
    console.log('SAID');
  } else if (command === 'END') {
    await finish(0);
  }
}
await finish(1);
