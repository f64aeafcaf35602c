// Opens the admin dashboard in Debian's headless Chromium (playwright-core) and watches it update live:
//
//   node dashboard.mjs <dashboardUrl#token=...> <roomJid> <occupants,occupants,...> <screenshot.png> [conferenceRoomJid]
//
// For each number in the list, waits (without reloading) until the page's room table shows <roomJid> with that
// many occupants and prints "SEEN <n> sessions=<shown>"; the test changes the room between the steps. With a
// conference room, then waits until the conference table lists it. Then takes the screenshot and prints
// "RESULT <json>" (what the page shows, the conference table's rows as cell texts). Exit code 0 when every step was
// seen.
// Env: CHROMIUM (default /usr/bin/chromium), DRIVE_TIMEOUT_MS (default 30000, for each step).
import { launchChromium } from './chromium.mjs';

const [url, room, steps, screenshot, conference] = process.argv.slice(2);
if (!url || !room || !steps || !screenshot) {
  console.error('usage: node dashboard.mjs <url> <roomJid> <n,n,...> <screenshot.png>');
  process.exit(2);
}
const timeout = Number(process.env.DRIVE_TIMEOUT_MS || 30000);
const browser = await launchChromium();
let ok = true;
const result = { steps: [] };
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('console', (m) => console.error(`[page ${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  let navigations = 0;
  page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigations++; });
  await page.goto(url, { timeout });
  for (const n of steps.split(',').map(Number)) {
    await page.waitForFunction(([jid, want]) => {
      for (const tr of document.querySelectorAll('#room-list tr')) {
        if (tr.cells[0]?.textContent === jid && Number(tr.cells[1]?.textContent) === want) return true;
      }
      return false;
    }, [room, n], { timeout, polling: 200 });
    const sessions = await page.textContent('#sessions');
    result.steps.push({ occupants: n, sessions: Number(sessions) });
    console.log(`SEEN ${n} sessions=${sessions}`);
  }
  if (conference) {
    await page.waitForFunction((jid) => [...document.querySelectorAll('#conference-list tr')]
      .some((tr) => tr.cells[0]?.textContent === jid), conference, { timeout, polling: 200 });
    console.log(`SEEN conference ${conference}`);
  }
  // Let the chart get a few points.
  await page.waitForFunction(() => window.parleyDashboard.polls >= 3, null, { timeout });
  Object.assign(result, await page.evaluate(() => ({
    sessions: Number(document.getElementById('sessions').textContent),
    rooms: Number(document.getElementById('rooms').textContent),
    occupants: Number(document.getElementById('occupants').textContent),
    polls: window.parleyDashboard.polls,
    errors: window.parleyDashboard.errors,
    status: document.getElementById('status').textContent,
    conferences: document.getElementById('conferences').textContent,
    sfuLegend: document.getElementById('sfu-legend').textContent,
    sfuShown: document.getElementById('sfu-card').style.display !== 'none',
    conferenceRows: [...document.querySelectorAll('#conference-list tr')].slice(1)
      .map((tr) => [...tr.cells].map((c) => c.textContent)),
  })));
  result.navigations = navigations;
  await page.screenshot({ path: screenshot, fullPage: true });
} catch (e) {
  ok = false;
  result.driverError = e.message;
  console.error(`driver: ${e.message}`);
} finally {
  await browser.close();
}
// Exit only once the line is written: process.exit() may drop stdout still queued for the pipe.
process.stdout.write('RESULT ' + JSON.stringify(result) + '\n', () => process.exit(ok ? 0 : 1));
