// Browser end to end: the demo merchant page, served from another origin (with and without
// deliberately hostile CSS), embeds the widget from the local worker; a customer opens it, types a
// Chinese complaint, sees the live category, submits and gets a ticket that is really in D1.
//
// Run by `cargo xtask test`, which builds everything, starts `wrangler dev` with local D1 and sets
// QT_BASE_URL (worker), QT_MERCHANT_PORT (this file's page server), QT_PERSIST_TO (local D1),
// QT_OUTPUT_DIR (screenshots).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { launchChromium } from './browser.mjs';

const root = path.resolve(import.meta.dirname, '../..');
const api = process.env.QT_BASE_URL;
const merchantPort = Number(process.env.QT_MERCHANT_PORT);
const persistTo = process.env.QT_PERSIST_TO;
const outDir = process.env.QT_OUTPUT_DIR || path.join(root, 'test-output');
if (!api || !merchantPort || !persistTo) throw new Error('run through `cargo xtask test` (QT_BASE_URL, QT_MERCHANT_PORT, QT_PERSIST_TO)');
const merchant = `http://localhost:${merchantPort}`;

let server;
let context;

/** Rows from the local D1 the worker writes to, read through wrangler (not through the API). */
function d1(sql) {
  for (let attempt = 0; ; attempt++) {
    try {
      const out = execFileSync(path.join(root, 'node_modules/.bin/wrangler'),
        ['d1', 'execute', 'DB', '--local', '--persist-to', persistTo, '-c', 'worker/wrangler.toml', '--json', '--command', sql],
        { cwd: root, env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
      return JSON.parse(out.toString())[0].results;
    } catch (e) {
      if (attempt >= 4 || !String(e.stderr).includes('SQLITE_BUSY')) throw e;
    }
  }
}

before(async () => {
  // The merchant's own server: the real demo page, with the script tag pointing at the worker.
  const page = fs.readFileSync(path.join(root, 'www/demo/index.html'), 'utf8')
    .replace('src="/widget/qingting.js"', `src="${api}/widget/qingting.js"`);
  server = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(page);
  });
  await new Promise((resolve) => server.listen(merchantPort, '127.0.0.1', resolve));
  fs.mkdirSync(outDir, { recursive: true });
  context = await launchChromium();
});

after(async () => {
  await context?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve()));
});

async function openWidget(page, url) {
  await page.goto(url);
  const launcher = page.locator('#qingting-widget .qt-launcher');
  await launcher.click();
  await page.locator('#qt-text').waitFor({ state: 'visible', timeout: 20_000 });
  return launcher;
}

test('hostile page CSS cannot break the widget; a complaint lands in D1', async () => {
  const page = await context.newPage();
  const launcher = await openWidget(page, `${merchant}/?hostile=1`);

  // The page really is hostile: its own elements are red and 40px.
  const pageButton = await page.locator('#merchant-button').evaluate((el) => getComputedStyle(el).fontSize);
  assert.equal(pageButton, '40px');

  // ...but nothing of it reaches into the widget.
  const styles = await page.evaluate(() => {
    const root = document.querySelector('#qingting-widget').shadowRoot;
    const pick = (sel) => { const s = getComputedStyle(root.querySelector(sel)); return { color: s.color, fontSize: s.fontSize, display: s.display }; };
    return { title: pick('#qt-title'), text: pick('#qt-text'), launcher: pick('.qt-launcher'), submit: pick('.qt-submit') };
  });
  assert.equal(styles.title.fontSize, '16px');
  assert.notEqual(styles.title.color, 'rgb(255, 0, 0)');
  assert.equal(styles.text.fontSize, '14px');
  assert.notEqual(styles.text.display, 'none');
  assert.equal(styles.launcher.color, 'rgb(255, 255, 255)');
  assert.equal(styles.submit.fontSize, '14px');

  const text = '骑手送餐太慢了，等了两个小时还没送到，饭全凉了';
  await page.locator('#qt-text').pressSequentially(text, { delay: 5 });
  await assert.doesNotReject(page.locator('#qt-live').filter({ hasText: '配送问题' }).waitFor({ timeout: 5_000 }));
  assert.match(await page.locator('#qt-count').innerText(), new RegExp(`^${text.length}/2000$`));
  assert.equal(await page.locator('#qt-order').inputValue(), 'E202611230001', 'order id pre-filled from data-order');

  const posted = page.waitForResponse((r) => r.url() === `${api}/v1/complaints` && r.request().method() === 'POST');
  await page.locator('.qt-submit').click();
  const response = await posted;
  assert.equal(response.status(), 201);
  assert.match(response.request().headers()['idempotency-key'] ?? '', /^[0-9a-f]{32}$/);
  const receipt = await response.json();
  await page.locator('.qt-ticket').waitFor({ timeout: 10_000 });
  const shownTicket = await page.locator('.qt-ticket').innerText();
  assert.equal(shownTicket, receipt.ticket_no);
  assert.match(shownTicket, /^QT\d{6}-[0-9A-HJKMNP-TV-Z]{6}$/);
  // Nothing in the FAQ settles a late delivery by itself: the ticket is passed on.
  assert.equal(await page.locator('.qt-status').innerText(), '已转交处理');

  // The customer's own view, through the API, and the row itself in D1.
  const view = await (await fetch(`${api}/v1/complaints/${receipt.id}`, { headers: { Authorization: `Bearer ${receipt.access_token}` } })).json();
  assert.equal(view.ticket_no, shownTicket);
  assert.equal(view.text, text);
  assert.equal(view.category, 'delivery');
  const rows = d1(`SELECT ticket_no, site_key, client_category, order_id FROM complaints WHERE id = '${receipt.id}'`);
  assert.deepEqual(rows, [{ ticket_no: shownTicket, site_key: 'demo', client_category: 'delivery', order_id: 'E202611230001' }]);

  // Layout intact: the panel sits above the launcher, inside the viewport, at its designed width.
  const panel = await page.locator('#qt-panel-host').boundingBox();
  const button = await launcher.boundingBox();
  assert.ok(panel.width >= 360 && panel.width <= 384, `panel width ${panel.width}`);
  assert.ok(panel.x + panel.width <= 1280 && panel.y >= 0, 'panel inside the viewport');
  assert.ok(panel.y + panel.height <= button.y + 1, 'panel above the launcher');
  await page.screenshot({ path: path.join(outDir, 'widget-hostile-css.png') });
  await page.close();
});

test('a lost answer is retried under the same key: one ticket, text never lost', async () => {
  const page = await context.newPage();
  await openWidget(page, `${merchant}/`);
  // The widget's CSS does not leak out: the merchant's button keeps its own look.
  assert.equal(await page.locator('#merchant-button').evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(255, 255, 255)');

  // Every attempt fails at the network: the text stays, the error is in words.
  await page.route(`${api}/v1/complaints`, (route) => route.abort('connectionreset'));
  const text = `少送了一份凉拌黄瓜，也没有筷子 E2E-${Date.now()}`;
  await page.locator('#qt-text').fill(text);
  await page.locator('.qt-submit').click();
  const alert = page.locator('.qt-error[role=alert]');
  await alert.waitFor({ timeout: 15_000 });
  assert.match(await alert.innerText(), /网络连接失败/);
  assert.equal(await page.locator('#qt-text').inputValue(), text, 'text kept after failure');
  assert.equal(d1(`SELECT COUNT(*) AS n FROM complaints WHERE text = '${text}'`)[0].n, 0);

  // Next try: the request reaches the worker and is stored, but the answer is lost on the way back;
  // the widget retries by itself and gets the same ticket.
  await page.unroute(`${api}/v1/complaints`);
  let delivered = 0;
  await page.route(`${api}/v1/complaints`, async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    delivered += 1;
    if (delivered === 1) {
      // Make sure this attempt is really stored (local wrangler dev's proxy answers a rare 503).
      for (let i = 0; i < 3 && (await route.fetch()).status() >= 500; i++);
      return route.abort('connectionreset');
    }
    return route.continue();
  });
  const replayed = page.waitForResponse((r) => r.url() === `${api}/v1/complaints` && r.status() === 201);
  await page.locator('.qt-submit').click();
  const response = await replayed;
  assert.equal(await response.headerValue('idempotent-replayed'), 'true');
  await page.locator('.qt-ticket').waitFor({ timeout: 15_000 });
  assert.equal(delivered, 2);
  const rows = d1(`SELECT ticket_no FROM complaints WHERE text = '${text}'`);
  assert.equal(rows.length, 1, 'exactly one row for the complaint');
  assert.equal(rows[0].ticket_no, await page.locator('.qt-ticket').innerText());
  await page.close();
});

test('a reload after lost answers retries with the same key: still one ticket', async () => {
  const page = await context.newPage();
  await openWidget(page, `${merchant}/`);
  const text = `送错地址了，骑手还说已送达 RELOAD-${Date.now()}`;
  // Every attempt reaches the worker and is stored, but every answer is lost on the way back.
  let attempts = 0;
  await page.route(`${api}/v1/complaints`, async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    attempts += 1;
    for (let i = 0; i < 3 && (await route.fetch()).status() >= 500; i++);
    return route.abort('connectionreset');
  });
  await page.locator('#qt-text').fill(text);
  await page.locator('.qt-submit').click();
  await page.locator('.qt-error[role=alert]').waitFor({ timeout: 15_000 });
  assert.equal(attempts, 3, 'the widget retried by itself');
  assert.equal(d1(`SELECT COUNT(*) AS n FROM complaints WHERE text = '${text}'`)[0].n, 1, 'stored once, under one key');

  // The customer reloads: the draft and its key come back, and sending again finds the ticket.
  await page.unroute(`${api}/v1/complaints`);
  await page.reload();
  await page.locator('#qingting-widget .qt-launcher').click();
  await page.locator('#qt-text').waitFor({ state: 'visible', timeout: 20_000 });
  assert.equal(await page.locator('#qt-text').inputValue(), text, 'draft restored after reload');
  const answered = page.waitForResponse((r) => r.url() === `${api}/v1/complaints` && r.status() === 201);
  await page.locator('.qt-submit').click();
  assert.equal(await (await answered).headerValue('idempotent-replayed'), 'true');
  await page.locator('.qt-ticket').waitFor({ timeout: 15_000 });
  assert.equal(d1(`SELECT COUNT(*) AS n FROM complaints WHERE text = '${text}'`)[0].n, 1, 'still one row');
  // Focus moved to the receipt, and the draft is gone.
  assert.equal(await page.evaluate(() => document.querySelector('#qingting-widget').shadowRoot.activeElement?.className), 'qt-done');
  assert.equal(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('qingting:draft')).length), 0);
  await page.close();
});

test('keyboard and screen readers on a 360 px wide phone', async () => {
  const page = await context.newPage();
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto(`${merchant}/`);
  const launcher = page.locator('#qingting-widget .qt-launcher');
  await launcher.focus();
  assert.equal(await launcher.getAttribute('aria-expanded'), 'false');
  await page.keyboard.press('Enter');
  await page.locator('#qt-text').waitFor({ state: 'visible', timeout: 20_000 });
  assert.equal(await launcher.getAttribute('aria-expanded'), 'true');
  const focused = () => page.evaluate(() => document.querySelector('#qingting-widget').shadowRoot.activeElement?.id ?? '');
  assert.equal(await focused(), 'qt-text', 'focus moves into the form');

  // Labelled controls and a named dialog.
  await assert.doesNotReject(page.getByRole('dialog', { name: '投诉与反馈' }).waitFor({ timeout: 2_000 }));
  assert.equal(await page.getByLabel('请描述您遇到的问题').count(), 1);
  assert.equal(await page.getByLabel('订单号').count(), 1);

  await page.keyboard.type('外卖有头发，吃完拉肚子了');
  await page.locator('#qt-live').filter({ hasText: '紧急' }).waitFor({ timeout: 5_000 });
  const panel = await page.locator('#qt-panel-host').boundingBox();
  assert.ok(panel.x >= 0 && panel.x + panel.width <= 360, `panel fits: ${JSON.stringify(panel)}`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(overflow <= 360, `no horizontal scroll (${overflow})`);
  await page.screenshot({ path: path.join(outDir, 'widget-360px.png') });

  await page.keyboard.press('Escape');
  assert.equal(await page.locator('#qt-panel-host').isHidden(), true, 'Escape closes');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'qingting-widget', 'focus back on the launcher');
  await page.close();
});

test('the browser build classifies a fixed set exactly like the native build', async () => {
  const fixture = path.join(root, 'tests/fixtures/classify_fixed.jsonl');
  const lines = fs.readFileSync(fixture, 'utf8').trim().split('\n');
  const texts = lines.map((l) => JSON.parse(l).text);
  const native = execFileSync(path.join(root, 'target/release/qingting'), ['classify'], { input: fs.readFileSync(fixture) })
    .toString().trim().split('\n').map((l) => JSON.parse(l));
  const nativeTokens = execFileSync(path.join(root, 'target/release/qingting'), ['explain'], { input: fs.readFileSync(fixture) })
    .toString().trim().split('\n').map((l) => JSON.parse(l).top_tokens);
  const page = await context.newPage();
  await page.goto(`${merchant}/`);
  const browser = await page.evaluate(async ({ api, texts }) => {
    const names = await (await fetch(`${api}/widget/manifest.json`)).json();
    const m = await import(`${api}/widget/${names.app}`);
    await m.default({ module_or_path: `${api}/widget/${names.wasm}` });
    return texts.map((t) => m.classify(t));
  }, { api, texts });
  assert.equal(browser.length, native.length);
  browser.forEach((b, i) => {
    const n = native[i];
    const got = { complaint: b.complaint, complaint_score: Math.round(b.complaint_score * 1e4) / 1e4, categories: b.categories, primary: b.primary, priority: b.priority };
    const want = { complaint: n.complaint, complaint_score: n.complaint_score, categories: n.categories, primary: n.primary, priority: n.priority };
    // The CLI prints scores to 4 decimals; the explanation words must match exactly too.
    assert.deepEqual(b.top_tokens, nativeTokens[i], `top tokens of text ${i}`);
    assert.deepEqual(got, want, `text ${i}: ${texts[i]}`);
  });
  // The set is not degenerate: it has complaints of several categories and non-complaints.
  assert.ok(new Set(native.map((n) => n.primary)).size >= 6);
  assert.ok(native.some((n) => !n.complaint));
  await page.close();
});

test('a how-to question shows an answer while typing, and "solved" records a deflection', async () => {
  const page = await context.newPage();
  await openWidget(page, `${merchant}/`);
  const before = d1("SELECT COALESCE(SUM(count), 0) AS n FROM faq_events WHERE site_key = 'demo' AND event = 'deflected'")[0].n;
  await page.locator('#qt-text').pressSequentially('退款多久能到账', { delay: 20 });
  // Suggestions follow the text as it is typed; once typing stops, the refund answer is shown.
  const item = page.locator('.qt-faq-item[data-faq="refund-arrival-time"]');
  await page.locator('.qt-faq-item').first().waitFor({ timeout: 5_000 });
  await page.waitForTimeout(300);
  const shown = await page.locator('.qt-faq-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-faq')));
  assert.ok(shown.includes('refund-arrival-time'), `suggestions: ${shown.join(', ')}`);
  await item.locator('summary').click();
  assert.match(await item.locator('.qt-faq-answer').innerText(), /退款/);
  // The submit path stays available next to the suggestions.
  assert.equal(await page.locator('.qt-submit').isVisible(), true);
  const recorded = page.waitForResponse((r) => r.url() === `${api}/v1/events` && r.status() === 202);
  await item.locator('.qt-faq-solved').click();
  await recorded;
  await page.locator('.qt-faq-thanks').waitFor({ timeout: 5_000 });
  const after = d1("SELECT COALESCE(SUM(count), 0) AS n FROM faq_events WHERE site_key = 'demo' AND event = 'deflected'")[0].n;
  assert.equal(after, before + 1);
  await page.close();
});

test('an FAQ-type complaint is answered at once, and "未解决" passes it on to a person', async () => {
  const page = await context.newPage();
  await openWidget(page, `${merchant}/`);
  await page.locator('#qt-text').fill('退款一般几天到账啊');
  const posted = page.waitForResponse((r) => r.url() === `${api}/v1/complaints` && r.request().method() === 'POST');
  await page.locator('.qt-submit').click();
  const receipt = await (await posted).json();
  assert.equal(receipt.status, 'auto_replied');
  await page.locator('.qt-reply-text').waitFor({ timeout: 10_000 });
  assert.equal(await page.locator('.qt-status').innerText(), '已自动答复');
  assert.equal(await page.locator('.qt-reply-text').innerText(), receipt.reply.text);
  await assert.doesNotReject(page.getByRole('group', { name: '这个答复解决您的问题了吗？' }).waitFor({ timeout: 2_000 }));
  const reopened = page.waitForResponse((r) => r.url() === `${api}/v1/complaints/${receipt.id}/reopen`);
  await page.locator('.qt-unsolved').click();
  assert.equal((await reopened).status(), 200);
  await page.locator('.qt-status', { hasText: '已转交处理' }).waitFor({ timeout: 5_000 });
  assert.match(await page.locator('.qt-reply .qt-note').innerText(), /已转交人工处理/);
  assert.equal(await page.locator('.qt-unsolved').count(), 0, 'asked once');
  const focusedClass = await page.evaluate(() => document.querySelector('#qingting-widget').shadowRoot.activeElement?.className ?? '');
  assert.match(focusedClass, /qt-reply-note/, 'focus moves to the news, not to the page');
  const rows = d1(`SELECT status, reopened_at IS NOT NULL AS reopened FROM complaints WHERE id = '${receipt.id}'`);
  assert.deepEqual(rows, [{ status: 'new', reopened: 1 }]);
  await page.screenshot({ path: path.join(outDir, 'widget-auto-reply-reopened.png') });
  await page.close();
});
