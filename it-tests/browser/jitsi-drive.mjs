// Drives participants of jitsi.html (lib-jitsi-meet) in one headless Chromium, each page in a browser context of
// its own (its own storage, as separate browsers), with Chromium's fake camera and microphone:
//
//   node jitsi-drive.mjs
//
// Reads one JSON command a line on stdin, runs it (commands for different pages run concurrently) and prints one
// JSON line on stdout for each: {"id", "ok": true, "value"} or {"id", "ok": false, "error"}. Commands:
//   {"id", "page", "op": "open", "url"}                  a new participant page
//   {"id", "page", "op": "call", "fn", "args": [...]}    await window.meet[fn](...args), its value
//   {"id", "page", "op": "eval", "expr"}                 await the JS expression (window.meet is `meet`)
//   {"id", "page", "op": "wait", "expr", "timeoutMs"}    wait until the expression is truthy, its value
//   {"id", "page", "op": "close"}                        close the page and its context
// Page warnings and errors go to stderr, prefixed with the page's name (everything, with lib-jitsi-meet's info log,
// under JITSI_DRIVE_VERBOSE=1). Ends when stdin closes.
import { createInterface } from 'node:readline';
import { launchChromium } from './chromium.mjs';

const browser = await launchChromium([
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required',
]);
const pages = new Map();
// JITSI_DRIVE_VERBOSE=1: every console message of the pages, lib-jitsi-meet logging at info level.
const VERBOSE = process.env.JITSI_DRIVE_VERBOSE === '1';
// What a page without a real bridge logs over and over: its bridge channel (the test SFU's colibri-ws address does
// not resolve), stats of media that never flows.
const NOISE = /colibri-ws|BridgeChannel|plan-b|AvgRTPStatsReporter|E2E ping|Removed track not found/;
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(2)}s`;

function reply(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

async function open(name, url) {
  if (pages.has(name)) throw new Error(`page ${name} is already open`);
  const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
  const page = await context.newPage();
  pages.set(name, page);
  page.on('console', (m) => {
    if (VERBOSE || ((m.type() === 'error' || m.type() === 'warning') && !NOISE.test(m.text()))) console.error(`${elapsed()} [${name} ${m.type()}] ${m.text()}`);
  });
  page.on('pageerror', (e) => console.error(`${elapsed()} [${name} page error] ${e.message}`));
  await page.goto(VERBOSE ? url + '?log=info' : url, { timeout: 15000 });
  await page.waitForFunction(() => window.meet !== undefined, null, { timeout: 15000 });
  return null;
}

function page(name) {
  const p = pages.get(name);
  if (!p) throw new Error(`no page ${name}`);
  return p;
}

/** Wraps an expression so that `meet` means window.meet and a promise is awaited. */
function expression(expr) {
  return `(async () => { const meet = window.meet; return (${expr}); })()`;
}

async function run(cmd) {
  switch (cmd.op) {
    case 'open':
      return open(cmd.page, cmd.url);
    case 'call':
      return page(cmd.page).evaluate(({ fn, args }) => window.meet[fn](...args), { fn: cmd.fn, args: cmd.args || [] });
    case 'eval':
      return page(cmd.page).evaluate(expression(cmd.expr));
    case 'wait': {
      const handle = await page(cmd.page).waitForFunction(`(() => { const meet = window.meet; return (${cmd.expr}); })()`,
        null, { timeout: cmd.timeoutMs || 10000, polling: 100 });
      return handle.jsonValue();
    }
    case 'close': {
      const p = page(cmd.page);
      pages.delete(cmd.page);
      await p.context().close();
      return null;
    }
    default:
      throw new Error(`unknown op ${cmd.op}`);
  }
}

const input = createInterface({ input: process.stdin });
const running = new Set();
input.on('line', (line) => {
  if (!line.trim()) return;
  let cmd;
  try {
    cmd = JSON.parse(line);
  } catch (e) {
    reply({ id: null, ok: false, error: `bad command: ${e.message}` });
    return;
  }
  const job = run(cmd)
    .then((value) => reply({ id: cmd.id, ok: true, value: value === undefined ? null : value }))
    .catch((e) => reply({ id: cmd.id, ok: false, error: String(e && e.message || e) }))
    .finally(() => running.delete(job));
  running.add(job);
});
input.on('close', async () => {
  await Promise.allSettled([...running]);
  await browser.close();
  console.error(`${elapsed()} done`);
  process.exit(0);
});
console.error(`${elapsed()} chromium ${browser.version()} ready`);
reply({ id: 0, ok: true, value: 'ready' });
