// Browser end to end: the demo merchant page, served from another origin (with and without
// deliberately hostile CSS, a hostile script, a strict CSP, a transform on <body>), embeds the
// widget from the local worker; the panel runs in a frame on the worker's origin. A customer opens
// it, types a Chinese complaint, sees the live category, submits and gets a ticket that is really
// in D1; then follows it in 我的投诉: staff replies, 补充信息, 催单, the rating and the 预警工单.
//
// Run by `cargo xtask test`, which builds everything, starts `wrangler dev` with local D1 and sets
// QT_BASE_URL (worker), QT_MERCHANT_PORT (this file's page server), QT_PERSIST_TO (local D1),
// QT_ADMIN_TOKEN (the first platform admin), QT_OUTPUT_DIR (screenshots).
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
const adminToken = process.env.QT_ADMIN_TOKEN;
const admin = { email: 'ops-admin@qingting.test', password: 'console-e2e-Passw0rd', display_name: '林晓雯' };
const axeSource = fs.readFileSync(path.join(root, 'node_modules/axe-core/axe.min.js'), 'utf8');

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
  // Variants: ?csp=1 serves the page under the strict policy README documents for merchants
  // (the page's own inline bits are blocked, the widget must still work); ?transform=1 puts a
  // transform on <body>; ?evil=1 runs a script that tries to spy on and forge the panel.
  const evil = fs.readFileSync(path.join(root, 'tests/e2e/hostile-script.js'), 'utf8');
  server = http.createServer((req, res) => {
    const q = new URL(req.url, merchant).searchParams;
    const headers = { 'Content-Type': 'text/html; charset=utf-8' };
    let body = page;
    if (q.has('csp')) headers['Content-Security-Policy'] = `default-src 'self'; script-src ${api}; frame-src ${api}; style-src 'self'; img-src 'self'`;
    if (q.has('transform')) body = body.replace('<body>', '<body style="transform: translateY(-120px) scale(0.9)">');
    if (q.has('evil')) body = body.replace('<head>', `<head><script>${evil}</script>`);
    res.writeHead(200, headers);
    res.end(body);
  });
  await new Promise((resolve) => server.listen(merchantPort, '127.0.0.1', resolve));
  fs.mkdirSync(outDir, { recursive: true });
  context = await launchChromium();
});

after(async () => {
  await context?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve()));
});

/** The panel: a frame on the worker's origin inside the launcher's shadow root. */
const panelOf = (page) => page.frameLocator('#qingting-widget iframe');
/** The panel's frame, for evaluating inside it. */
const frameOf = (page) => page.frames().find((f) => f.url().startsWith(`${api}/widget/panel`));

async function openWidget(page, url) {
  await page.goto(url);
  const launcher = page.locator('#qingting-widget .qt-launcher');
  await launcher.click();
  await panelOf(page).locator('#qt-text').waitFor({ state: 'visible', timeout: 20_000 });
  return launcher;
}

let adminCookie;
/** The platform admin's session (created here or by the console's tests). */
async function staffCookie() {
  if (adminCookie) return adminCookie;
  const created = await fetch(`${api}/v1/auth/bootstrap`, {
    method: 'POST', headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' }, body: JSON.stringify(admin),
  });
  assert.ok(created.status === 201 || created.status === 409, `bootstrap answered ${created.status}`);
  const login = await fetch(`${api}/v1/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Origin: api }, body: JSON.stringify({ email: admin.email, password: admin.password }),
  });
  assert.equal(login.status, 200);
  adminCookie = login.headers.get('set-cookie').split(';')[0];
  return adminCookie;
}

/** A staff action through the API. */
async function staffAct(id, action, body = {}) {
  const cookie = await staffCookie();
  const current = await (await fetch(`${api}/v1/tickets/${id}`, { headers: { Cookie: cookie } })).json();
  const r = await fetch(`${api}/v1/tickets/${id}/${action}`, {
    method: 'POST', headers: { Cookie: cookie, Origin: api, 'Content-Type': 'application/json', 'If-Match': String(current.version) }, body: JSON.stringify(body),
  });
  assert.equal(r.status, 200, await r.clone().text());
  return r.json();
}

/** axe-core's WCAG 2.1 A/AA rules on a page or frame: no violation. */
async function assertAccessible(target, what) {
  if (!(await target.evaluate(() => typeof window.axe === 'object'))) await target.evaluate(axeSource);
  const result = await target.evaluate(() => window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  const violations = result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  assert.deepEqual(violations, [], `axe on ${what}`);
}

test('hostile page CSS cannot break the widget; a complaint lands in D1', async () => {
  const page = await context.newPage();
  const panel = panelOf(page);
  const launcher = await openWidget(page, `${merchant}/?hostile=1`);

  // The page really is hostile: its own elements are red and 40px.
  const pageButton = await page.locator('#merchant-button').evaluate((el) => getComputedStyle(el).fontSize);
  assert.equal(pageButton, '40px');

  // ...but nothing of it reaches into the widget.
  const styles = await frameOf(page).evaluate(() => {
    const pick = (sel) => { const s = getComputedStyle(document.querySelector(sel)); return { color: s.color, fontSize: s.fontSize, display: s.display }; };
    return { title: pick('#qt-title'), text: pick('#qt-text'), submit: pick('.qt-submit') };
  });
  const launcherStyle = await page.evaluate(() => getComputedStyle(document.querySelector('#qingting-widget').shadowRoot.querySelector('.qt-launcher')).color);
  assert.equal(styles.title.fontSize, '16px');
  assert.notEqual(styles.title.color, 'rgb(255, 0, 0)');
  assert.equal(styles.text.fontSize, '14px');
  assert.notEqual(styles.text.display, 'none');
  assert.equal(launcherStyle, 'rgb(255, 255, 255)');
  assert.equal(styles.submit.fontSize, '14px');

  const text = '骑手送餐太慢了，等了两个小时还没送到，饭全凉了';
  await panel.locator('#qt-text').pressSequentially(text, { delay: 5 });
  await assert.doesNotReject(panel.locator('#qt-live').filter({ hasText: '配送问题' }).waitFor({ timeout: 5_000 }));
  assert.match(await panel.locator('#qt-count').innerText(), new RegExp(`^${text.length}/2000$`));
  assert.equal(await panel.locator('#qt-order').inputValue(), 'E202611230001', 'order id pre-filled from data-order');

  const posted = page.waitForResponse((r) => r.url() === `${api}/v1/complaints` && r.request().method() === 'POST');
  await panel.locator('.qt-submit').click();
  const response = await posted;
  assert.equal(response.status(), 201);
  assert.match(response.request().headers()['idempotency-key'] ?? '', /^[0-9a-f]{32}$/);
  const receipt = await response.json();
  await panel.locator('.qt-ticket').waitFor({ timeout: 10_000 });
  const shownTicket = await panel.locator('.qt-ticket').innerText();
  assert.equal(shownTicket, receipt.ticket_no);
  assert.match(shownTicket, /^QT\d{6}-[0-9A-HJKMNP-TV-Z]{6}$/);
  // Nothing in the FAQ settles a late delivery by itself: the ticket is passed on.
  assert.equal(await panel.locator('.qt-status').innerText(), '已转交处理');

  // The customer's own view, through the API, and the row itself in D1.
  const view = await (await fetch(`${api}/v1/complaints/${receipt.id}`, { headers: { Authorization: `Bearer ${receipt.access_token}` } })).json();
  assert.equal(view.ticket_no, shownTicket);
  assert.equal(view.text, text);
  assert.equal(view.category, 'delivery');
  const rows = d1(`SELECT ticket_no, site_key, client_category, order_id FROM complaints WHERE id = '${receipt.id}'`);
  assert.deepEqual(rows, [{ ticket_no: shownTicket, site_key: 'demo', client_category: 'delivery', order_id: 'E202611230001' }]);

  // Layout intact: the panel sits above the launcher, inside the viewport, at its designed width.
  const box = await page.locator('#qingting-widget iframe').boundingBox();
  const button = await launcher.boundingBox();
  assert.ok(box.width >= 360 && box.width <= 384, `panel width ${box.width}`);
  assert.ok(box.x + box.width <= 1280 && box.y >= 0, 'panel inside the viewport');
  assert.ok(box.y + box.height <= button.y + 1, 'panel above the launcher');
  await page.screenshot({ path: path.join(outDir, 'widget-hostile-css.png') });
  await page.close();
});

test('a lost answer is retried under the same key: one ticket, text never lost', async () => {
  const page = await context.newPage();
  const panel = panelOf(page);
  await openWidget(page, `${merchant}/`);
  // The widget's CSS does not leak out: the merchant's button keeps its own look.
  assert.equal(await page.locator('#merchant-button').evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(255, 255, 255)');

  // Every attempt fails at the network: the text stays, the error is in words.
  await page.route(`${api}/v1/complaints`, (route) => route.abort('connectionreset'));
  const text = `少送了一份凉拌黄瓜，也没有筷子 E2E-${Date.now()}`;
  await panel.locator('#qt-text').fill(text);
  await panel.locator('.qt-submit').click();
  const alert = panel.locator('.qt-error[role=alert]');
  await alert.waitFor({ timeout: 15_000 });
  assert.match(await alert.innerText(), /网络连接失败/);
  assert.equal(await panel.locator('#qt-text').inputValue(), text, 'text kept after failure');
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
  await panel.locator('.qt-submit').click();
  const response = await replayed;
  assert.equal(await response.headerValue('idempotent-replayed'), 'true');
  await panel.locator('.qt-ticket').waitFor({ timeout: 15_000 });
  assert.equal(delivered, 2);
  const rows = d1(`SELECT ticket_no FROM complaints WHERE text = '${text}'`);
  assert.equal(rows.length, 1, 'exactly one row for the complaint');
  assert.equal(rows[0].ticket_no, await panel.locator('.qt-ticket').innerText());
  await page.close();
});

test('a reload after lost answers retries with the same key: still one ticket', async () => {
  const page = await context.newPage();
  const panel = panelOf(page);
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
  await panel.locator('#qt-text').fill(text);
  await panel.locator('.qt-submit').click();
  await panel.locator('.qt-error[role=alert]').waitFor({ timeout: 15_000 });
  assert.equal(attempts, 3, 'the widget retried by itself');
  assert.equal(d1(`SELECT COUNT(*) AS n FROM complaints WHERE text = '${text}'`)[0].n, 1, 'stored once, under one key');

  // The customer reloads: the draft and its key come back, and sending again finds the ticket.
  await page.unroute(`${api}/v1/complaints`);
  await page.reload();
  await page.locator('#qingting-widget .qt-launcher').click();
  await panel.locator('#qt-text').waitFor({ state: 'visible', timeout: 20_000 });
  assert.equal(await panel.locator('#qt-text').inputValue(), text, 'draft restored after reload');
  const answered = page.waitForResponse((r) => r.url() === `${api}/v1/complaints` && r.status() === 201);
  await panel.locator('.qt-submit').click();
  assert.equal(await (await answered).headerValue('idempotent-replayed'), 'true');
  await panel.locator('.qt-ticket').waitFor({ timeout: 15_000 });
  assert.equal(d1(`SELECT COUNT(*) AS n FROM complaints WHERE text = '${text}'`)[0].n, 1, 'still one row');
  // Focus moved to the receipt, and the draft is gone.
  assert.equal(await frameOf(page).evaluate(() => document.activeElement?.className), 'qt-done');
  assert.equal(await frameOf(page).evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('qingting:draft')).length), 0);
  assert.equal(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('qingting')).length), 0, 'nothing in the page\'s storage');
  await page.close();
});

test('keyboard and screen readers on a 360 px wide phone', async () => {
  const page = await context.newPage();
  const panel = panelOf(page);
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto(`${merchant}/`);
  const launcher = page.locator('#qingting-widget .qt-launcher');
  await launcher.focus();
  assert.equal(await launcher.getAttribute('aria-expanded'), 'false');
  await page.keyboard.press('Enter');
  await panel.locator('#qt-text').waitFor({ state: 'visible', timeout: 20_000 });
  assert.equal(await launcher.getAttribute('aria-expanded'), 'true');
  const focused = () => frameOf(page).evaluate(() => (document.hasFocus() ? document.activeElement?.id : '') ?? '');
  assert.equal(await focused(), 'qt-text', 'focus moves into the form');

  // Labelled controls and a named dialog.
  await assert.doesNotReject(panel.getByRole('dialog', { name: '投诉与反馈' }).waitFor({ timeout: 2_000 }));
  assert.equal(await panel.getByLabel('请描述您遇到的问题').count(), 1);
  assert.equal(await panel.getByLabel('订单号').count(), 1);

  await page.keyboard.type('外卖有头发，吃完拉肚子了');
  await panel.locator('#qt-live').filter({ hasText: '紧急' }).waitFor({ timeout: 5_000 });
  const box = await page.locator('#qingting-widget iframe').boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= 360, `panel fits: ${JSON.stringify(box)}`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(overflow <= 360, `no horizontal scroll (${overflow})`);
  await page.screenshot({ path: path.join(outDir, 'widget-360px.png') });

  await page.keyboard.press('Escape');
  await page.locator('#qingting-widget iframe').waitFor({ state: 'hidden', timeout: 5_000 });
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
  const panel = panelOf(page);
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
  const panel = panelOf(page);
  await openWidget(page, `${merchant}/`);
  const before = d1("SELECT COALESCE(SUM(count), 0) AS n FROM faq_events WHERE site_key = 'demo' AND event = 'deflected'")[0].n;
  await panel.locator('#qt-text').pressSequentially('退款多久能到账', { delay: 20 });
  // Suggestions follow the text as it is typed; once typing stops, the refund answer is shown.
  const item = panel.locator('.qt-faq-item[data-faq="refund-arrival-time"]');
  await panel.locator('.qt-faq-item').first().waitFor({ timeout: 5_000 });
  await page.waitForTimeout(300);
  const shown = await panel.locator('.qt-faq-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-faq')));
  assert.ok(shown.includes('refund-arrival-time'), `suggestions: ${shown.join(', ')}`);
  await item.locator('summary').click();
  assert.match(await item.locator('.qt-faq-answer').innerText(), /退款/);
  // The submit path stays available next to the suggestions.
  assert.equal(await panel.locator('.qt-submit').isVisible(), true);
  const recorded = page.waitForResponse((r) => r.url() === `${api}/v1/events` && r.status() === 202);
  await item.locator('.qt-faq-solved').click();
  await recorded;
  await panel.locator('.qt-faq-thanks').waitFor({ timeout: 5_000 });
  const after = d1("SELECT COALESCE(SUM(count), 0) AS n FROM faq_events WHERE site_key = 'demo' AND event = 'deflected'")[0].n;
  assert.equal(after, before + 1);
  await page.close();
});

test('an FAQ-type complaint is answered at once, and "未解决" passes it on to a person', async () => {
  const page = await context.newPage();
  const panel = panelOf(page);
  await openWidget(page, `${merchant}/`);
  await panel.locator('#qt-text').fill('退款一般几天到账啊');
  const posted = page.waitForResponse((r) => r.url() === `${api}/v1/complaints` && r.request().method() === 'POST');
  await panel.locator('.qt-submit').click();
  const receipt = await (await posted).json();
  assert.equal(receipt.status, 'auto_replied');
  await panel.locator('.qt-reply-text').waitFor({ timeout: 10_000 });
  assert.equal(await panel.locator('.qt-status').innerText(), '已自动答复');
  assert.equal(await panel.locator('.qt-reply-text').innerText(), receipt.reply.text);
  await assert.doesNotReject(panel.getByRole('group', { name: '这个答复解决您的问题了吗？' }).waitFor({ timeout: 2_000 }));
  const reopened = page.waitForResponse((r) => r.url() === `${api}/v1/complaints/${receipt.id}/reopen`);
  await panel.locator('.qt-unsolved').click();
  assert.equal((await reopened).status(), 200);
  await panel.locator('.qt-status', { hasText: '已转交处理' }).waitFor({ timeout: 5_000 });
  assert.match(await panel.locator('.qt-reply .qt-note').innerText(), /已转交人工处理/);
  assert.equal(await panel.locator('.qt-unsolved').count(), 0, 'asked once');
  const focusedClass = await frameOf(page).evaluate(() => document.activeElement?.className ?? '');
  assert.match(focusedClass, /qt-reply-note/, 'focus moves to the news, not to the page');
  const rows = d1(`SELECT status, reopened_at IS NOT NULL AS reopened FROM complaints WHERE id = '${receipt.id}'`);
  assert.deepEqual(rows, [{ status: 'new', reopened: 1 }]);
  await page.screenshot({ path: path.join(outDir, 'widget-auto-reply-reopened.png') });
  await page.close();
});

test('我的投诉: reload, a staff reply lights the badge, 补充信息, 催单 limit, rating 1 opens an alert that reaches its channel', async () => {
  const cookie = await staffCookie();
  // The platform admin answers for the demo site (a platform site): the alert's channel is theirs.
  const hooks = [];
  const hookServer = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => { hooks.push(body); res.writeHead(200); res.end('{}'); });
  });
  await new Promise((resolve) => hookServer.listen(0, '127.0.0.1', resolve));
  hookServer.unref();
  const hookUrl = `http://127.0.0.1:${hookServer.address().port}/alert-hook`;
  const put = await fetch(`${api}/v1/auth/channel`, {
    method: 'PUT', headers: { Cookie: cookie, Origin: api, 'Content-Type': 'application/json' },
    body: JSON.stringify({ channel: { id: 'me', kind: 'webhook', url: hookUrl, secret: 'alert-hook-secret-0123456789' } }),
  });
  assert.equal(put.status, 200, await put.text());

  const page = await context.newPage();
  const panel = panelOf(page);
  await openWidget(page, `${merchant}/`);
  const text = `汤洒了一半，袋子全是油，联系我13812345678 SPACE-${Date.now()}`;
  await panel.locator('#qt-text').fill(text);
  // What will be sent, with the number hidden, before it is sent.
  await panel.locator('.qt-masked-text').filter({ hasText: '138****5678' }).waitFor({ timeout: 5_000 });
  const posted = page.waitForResponse((r) => r.url() === `${api}/v1/complaints` && r.request().method() === 'POST');
  await panel.locator('.qt-submit').click();
  const response = await posted;
  const sent = response.request().postDataJSON();
  assert.ok(sent.text.includes('138****5678') && !sent.text.includes('13812345678'), `masked before it left the device: ${sent.text}`);
  const receipt = await response.json();

  // Reload: the ticket is in 我的投诉.
  await page.reload();
  await page.locator('#qingting-widget .qt-launcher').click();
  await panel.locator('#qt-text').waitFor({ timeout: 20_000 });
  await panel.getByRole('button', { name: '我的投诉' }).click();
  await panel.locator('.qt-mine-item', { hasText: receipt.ticket_no }).waitFor({ timeout: 10_000 });
  assert.match(await panel.locator('.qt-mine-item', { hasText: receipt.ticket_no }).innerText(), /已转交处理|商家处理中|平台介入/);

  // A staff reply in the console: the launcher's badge on the next page load, and the reply.
  await staffAct(receipt.id, 'reply', { text: '非常抱歉，已为您申请全额退款' });
  await page.reload();
  const badge = page.locator('#qingting-widget .qt-badge');
  await badge.waitFor({ state: 'visible', timeout: 15_000 });
  assert.equal(await badge.locator('span').first().innerText(), '1');
  await page.locator('#qingting-widget .qt-launcher').click();
  await panel.locator('#qt-text').waitFor({ timeout: 20_000 });
  await panel.getByRole('button', { name: '我的投诉' }).click();
  await panel.locator('.qt-unread').first().waitFor({ timeout: 10_000 });
  await panel.locator('.qt-mine-open', { hasText: receipt.ticket_no }).click();
  await panel.locator('.qt-msg', { hasText: '已为您申请全额退款' }).waitFor({ timeout: 10_000 });

  // 补充信息 reaches the console (masked).
  await panel.locator('#qt-add-text').fill('补充：订单备注写了不要辣，电话13912345678');
  await panel.locator('.qt-add button[type=submit]').click();
  await panel.locator('.qt-said', { hasText: '已补充' }).waitFor({ timeout: 10_000 });
  const staffView = await (await fetch(`${api}/v1/tickets/${receipt.id}`, { headers: { Cookie: cookie } })).json();
  const added = staffView.events.find((e) => e.kind === 'customer_messaged');
  assert.ok(added && added.payload.includes('139****5678') && !added.payload.includes('13912345678'), `staff see it, masked: ${added?.payload}`);

  // 催单: once; a second one too soon is refused politely.
  await panel.locator('.qt-urge').click();
  await panel.locator('.qt-said', { hasText: '已催促' }).waitFor({ timeout: 10_000 });
  await panel.locator('.qt-urge').click();
  await panel.locator('.qt-error', { hasText: '请稍后再催' }).waitFor({ timeout: 10_000 });
  await page.setViewportSize({ width: 360, height: 740 });
  await page.screenshot({ path: path.join(outDir, 'widget-360px-ticket.png') });
  await page.setViewportSize({ width: 1280, height: 800 });

  // Resolved → rate 1 with a reason → the alert ticket for the supervisor, pushed to their channel.
  await staffAct(receipt.id, 'resolve');
  await panel.locator('.qt-back').click();
  await panel.locator('.qt-mine-open', { hasText: receipt.ticket_no }).click();
  try {
    await panel.locator('.qt-rate').waitFor({ timeout: 15_000 });
  } catch (e) {
    await page.screenshot({ path: path.join(outDir, 'widget-rate-missing.png') });
    const view = await (await fetch(`${api}/v1/complaints/${receipt.id}`, { headers: { Authorization: `Bearer ${receipt.access_token}` } })).json();
    throw new Error(`no rating form; the panel shows: ${await panel.locator('body').innerText()} | the view: ${JSON.stringify({ status: view.status, survey: view.survey })}`);
  }
  await panel.getByRole('button', { name: /^1/ }).click();
  await panel.locator('#qt-rate-reason').selectOption('attitude');
  await panel.locator('#qt-rate-comment').fill('退款承诺了三天还没到');
  const rated = page.waitForResponse((r) => r.url() === `${api}/v1/complaints/${receipt.id}/rating`);
  await panel.locator('.qt-rate .qt-submit').click();
  assert.equal((await rated).status(), 200);
  await panel.locator('.qt-said', { hasText: '感谢您的评价' }).waitFor({ timeout: 10_000 });
  await page.screenshot({ path: path.join(outDir, 'widget-rated.png') });
  const alerts = d1(`SELECT id, ticket_no, assignee_id FROM complaints WHERE kind = 'alert' AND linked_id = '${receipt.id}'`);
  assert.equal(alerts.length, 1, 'one alert ticket');
  const me = await (await fetch(`${api}/v1/auth/me`, { headers: { Cookie: cookie } })).json();
  assert.equal(alerts[0].assignee_id, me.user?.id ?? me.id, 'for the supervisor (the platform admin: the demo site has no supervisor)');
  const alertView = await (await fetch(`${api}/v1/tickets/${alerts[0].id}`, { headers: { Cookie: cookie } })).json();
  assert.equal(alertView.kind, 'alert');
  assert.equal(alertView.linked.ticket_no, receipt.ticket_no);
  // In the supervisor's console: the alert, marked, linked to the original.
  const staffPage = await context.newPage();
  await staffPage.goto(`${api}/console/sign-in`);
  await staffPage.locator('#email').fill(admin.email);
  await staffPage.locator('#password').fill(admin.password);
  await staffPage.locator('#password').press('Enter');
  await staffPage.locator('.who .name').waitFor({ timeout: 20_000 });
  await staffPage.goto(`${api}/console/tickets/${alerts[0].id}`);
  await staffPage.locator('.alert-ticket', { hasText: '预警工单' }).waitFor({ timeout: 20_000 });
  assert.equal(await staffPage.locator('.alert-ticket a').innerText(), receipt.ticket_no, 'linked to the original');
  await staffPage.screenshot({ path: path.join(outDir, 'console-alert-ticket.png') });
  await staffPage.close();
  // The cron sends the notice to the supervisor's channel.
  for (let i = 0; i < 20 && !hooks.some((h) => h.includes(alerts[0].ticket_no)); i++) {
    await fetch(`${api}/__dev/scheduled?time=${Date.now()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.ok(hooks.some((h) => h.includes(alerts[0].ticket_no)), `the alert reached its channel: ${hooks.join(' | ')}`);
  await fetch(`${api}/v1/auth/channel`, { method: 'PUT', headers: { Cookie: cookie, Origin: api, 'Content-Type': 'application/json' }, body: JSON.stringify({ channel: null }) });
  hookServer.close();
  await page.close();
});

test('a hostile page script can read nothing of the panel and cannot forge through it', async () => {
  const page = await context.newPage();
  const panel = panelOf(page);
  await openWidget(page, `${merchant}/?evil=1`);
  const text = `菜里有头发，电话13812345678，我要投诉 EVIL-${Date.now()}`;
  await panel.locator('#qt-text').fill(text);
  const posted = page.waitForResponse((r) => r.url() === `${api}/v1/complaints` && r.request().method() === 'POST');
  await panel.locator('.qt-submit').click();
  const receipt = await (await posted).json();
  await panel.locator('.qt-done .qt-ticket').waitFor({ timeout: 10_000 });
  // The page's spy (tests/e2e/hostile-script.js) tried everything it could.
  const loot = await page.evaluate(() => window.__loot);
  const all = JSON.stringify(loot);
  assert.ok(!all.includes('13812345678') && !all.includes('菜里有头发') && !all.includes(receipt.access_token), `nothing leaked: ${all.slice(0, 400)}`);
  assert.equal(loot.frameDocument, 'blocked', 'the frame\'s document is out of reach');
  assert.deepEqual(loot.storage, [], 'no draft, ids or tokens in the page\'s storage');
  assert.deepEqual(loot.fetched, [], 'the page\'s fetch never saw the submission');
  assert.ok(loot.messages.every((m) => ['ready', 'size', 'unread', 'ticket'].includes(m.type)), `the page hears only these: ${JSON.stringify(loot.messages)}`);
  // Forged messages into the frame did nothing.
  const rows = d1("SELECT COUNT(*) AS n FROM complaints WHERE text LIKE '%FORGED-BY-PAGE%'");
  assert.equal(rows[0].n, 0, 'no forged submission');
  await page.close();
});

test('a strict page CSP and a transform on <body> leave the widget working and in place', async () => {
  for (const variant of ['csp=1', 'transform=1']) {
    const page = await context.newPage();
    const panel = panelOf(page);
    const violations = [];
    page.on('console', (m) => { if (/Content Security Policy/i.test(m.text()) && /qingting|widget|panel/i.test(m.text())) violations.push(m.text()); });
    await page.setViewportSize({ width: 360, height: 740 });
    await openWidget(page, `${merchant}/?${variant}`);
    await panel.locator('#qt-text').fill(`等了一个半小时才送到 ${variant}-${Date.now()}`);
    const box = await page.locator('#qingting-widget iframe').boundingBox();
    assert.ok(box.y >= 0 && box.x >= 0 && box.x + box.width <= 360 && box.y + box.height <= 740, `${variant}: the panel is on screen: ${JSON.stringify(box)}`);
    const launcher = await page.locator('#qingting-widget .qt-launcher').boundingBox();
    assert.ok(launcher.y + launcher.height <= 740 && launcher.y + launcher.height >= 740 - 40, `${variant}: the launcher stays at the bottom: ${JSON.stringify(launcher)}`);
    const posted = page.waitForResponse((r) => r.url() === `${api}/v1/complaints` && r.request().method() === 'POST');
    await panel.locator('.qt-submit').click();
    assert.equal((await posted).status(), 201, `${variant}: submitted`);
    assert.deepEqual(violations, [], `${variant}: no CSP violation of the widget`);
    await page.screenshot({ path: path.join(outDir, `widget-360px-${variant.replace('=1', '')}.png`) });
    await page.close();
  }
});

test('axe-core: no WCAG 2.1 A/AA violation with the panel closed and open', async () => {
  const page = await context.newPage();
  const panel = panelOf(page);
  await page.goto(`${merchant}/`);
  await page.locator('#qingting-widget .qt-launcher').waitFor();
  await assertAccessible(page, 'the demo page, panel closed');
  await page.locator('#qingting-widget .qt-launcher').click();
  await panel.locator('#qt-text').waitFor({ timeout: 20_000 });
  await assertAccessible(page, 'the demo page, panel open');
  await assertAccessible(frameOf(page), 'the panel');
  await panel.getByRole('button', { name: '我的投诉' }).click();
  await panel.locator('.qt-mine-list, .qt-mine .qt-note').first().waitFor({ timeout: 10_000 });
  await assertAccessible(frameOf(page), '我的投诉');
  await page.close();
});

test('where the browser blocks third-party storage, the panel still works and says what it cannot keep', async () => {
  const page = await context.newPage();
  // What Chromium does in a third-party frame when the customer blocks third-party cookies.
  await page.addInitScript(() => {
    if (location.pathname === '/widget/panel') {
      Object.defineProperty(window, 'localStorage', { get() { throw new DOMException('Access is denied for this document.', 'SecurityError'); } });
    }
  });
  const panel = panelOf(page);
  await openWidget(page, `${merchant}/`);
  await panel.locator('#qt-text').fill(`打包袋破了，汤全洒了 BLOCKED-${Date.now()}`);
  const posted = page.waitForResponse((r) => r.url() === `${api}/v1/complaints` && r.request().method() === 'POST');
  await panel.locator('.qt-submit').click();
  const receipt = await (await posted).json();
  await panel.locator('.qt-done .qt-no-storage').waitFor({ timeout: 10_000 });
  await panel.getByRole('button', { name: '我的投诉' }).click();
  await panel.locator('.qt-mine-item', { hasText: receipt.ticket_no }).waitFor({ timeout: 10_000 });
  assert.equal(await panel.locator('.qt-mine .qt-no-storage').count(), 1, 'the customer is told');
  await page.close();
});

test('offline, a complaint waits with its key and is sent once the connection returns', async () => {
  const page = await context.newPage();
  const panel = panelOf(page);
  await openWidget(page, `${merchant}/`);
  const text = `骑手态度很差，还把餐放在门口不打电话 OFFLINE-${Date.now()}`;
  await panel.locator('#qt-text').fill(text);
  await page.context().setOffline(true);
  try {
    await panel.locator('.qt-submit').click();
    await panel.locator('.qt-waiting').waitFor({ timeout: 15_000 });
    assert.match(await panel.locator('.qt-waiting').innerText(), /联网后会自动发送/);
    assert.equal(d1(`SELECT COUNT(*) AS n FROM complaints WHERE text = '${text}'`)[0].n, 0, 'nothing sent yet');
  } finally {
    await page.context().setOffline(false);
  }
  await panel.locator('.qt-done .qt-ticket').waitFor({ timeout: 20_000 });
  assert.equal(d1(`SELECT COUNT(*) AS n FROM complaints WHERE text = '${text}'`)[0].n, 1, 'sent once, when back online');
  await page.close();
});

test('over the rate limit, a complaint waits for Retry-After and is sent by itself, once', async () => {
  const page = await context.newPage();
  const panel = panelOf(page);
  await openWidget(page, `${merchant}/`);
  const text = `催了三次还没送到，电话也打不通 BUSY-${Date.now()}`;
  // The first attempt is answered as the worker answers a burst; the next goes through.
  let calls = 0;
  await page.route(`${api}/v1/complaints`, async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    calls += 1;
    if (calls === 1) {
      return route.fulfill({
        status: 429,
        headers: { 'Content-Type': 'application/json', 'Retry-After': '2', 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': 'Retry-After' },
        body: JSON.stringify({ error: { code: 'rate_limited', message: 'too many requests from here for this site; try again in 2 s' } }),
      });
    }
    return route.continue();
  });
  await panel.locator('#qt-text').fill(text);
  await panel.locator('.qt-submit').click();
  await panel.locator('.qt-waiting').waitFor({ timeout: 15_000 });
  assert.match(await panel.locator('.qt-waiting').innerText(), /提交太频繁了/);
  assert.equal(await panel.locator('#qt-text').inputValue(), text, 'the draft stays while waiting');
  assert.equal(d1(`SELECT COUNT(*) AS n FROM complaints WHERE text = '${text}'`)[0].n, 0, 'nothing stored yet');
  await panel.locator('.qt-done .qt-ticket').waitFor({ timeout: 20_000 });
  assert.equal(calls, 2, 'one wait, one more attempt');
  assert.equal(d1(`SELECT COUNT(*) AS n FROM complaints WHERE text = '${text}'`)[0].n, 1, 'sent once after the wait');
  await page.close();
});
