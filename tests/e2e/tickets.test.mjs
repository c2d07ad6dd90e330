// Browser end to end for the console's inbox and ticket page: a complaint submitted through the
// widget's API appears in the inbox; the platform admin claims, replies and resolves it and the
// customer's view shows the reply; an XSS payload stays text; a keyboard-only path (shortcuts);
// a stale write shows "此工单已被他人更新" with the fresh ticket; bulk actions; axe-core WCAG 2.1
// A/AA on the inbox and the ticket page; 360 and 1280 px screenshots.
//
// Run by `cargo xtask test` after console.test.mjs (which creates the platform admin), against the
// same `wrangler dev`: QT_BASE_URL, QT_ADMIN_TOKEN, QT_MERCHANT_PORT (the demo site's allowed
// origin is http://localhost:PORT), QT_OUTPUT_DIR.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { launchChromium, watchProblems } from './browser.mjs';

const root = path.resolve(import.meta.dirname, '../..');
const api = process.env.QT_BASE_URL;
const adminToken = process.env.QT_ADMIN_TOKEN;
const merchantPort = process.env.QT_MERCHANT_PORT;
const outDir = process.env.QT_OUTPUT_DIR || path.join(root, 'test-output');
if (!api || !adminToken || !merchantPort) throw new Error('run through `cargo xtask test` (QT_BASE_URL, QT_ADMIN_TOKEN, QT_MERCHANT_PORT)');
const console_ = `${api}/console`;
const merchantOrigin = `http://localhost:${merchantPort}`;

// The same platform admin as console.test.mjs (created there, or here when run alone).
const admin = { email: 'ops-admin@qingting.test', password: 'console-e2e-Passw0rd', display_name: '林晓雯' };
const axeSource = fs.readFileSync(path.join(root, 'node_modules/axe-core/axe.min.js'), 'utf8');
const XSS = '<img src=x onerror=window.__pwned=1><script>window.__pwned=2</script>';

let context;
let page;
/** Session cookie of the admin for API calls made from the test itself ("someone else"). */
let cookie;
const problems = [];

/** A complaint as the widget sends it: the demo site's allowed origin, an idempotency key. */
async function submit(text, extra = {}) {
  const r = await fetch(`${api}/v1/complaints`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: merchantOrigin, 'Idempotency-Key': `e2e-${Date.now()}-${Math.random().toString(36).slice(2)}` },
    body: JSON.stringify({ site: 'demo', text, lang: 'zh-CN', ...extra }),
  });
  assert.equal(r.status, 201, await r.clone().text());
  return r.json();
}

/** A staff action through the API, as another person would do it. */
async function actAsSomeoneElse(id, action, body = {}) {
  const current = await (await fetch(`${api}/v1/tickets/${id}`, { headers: { Cookie: cookie } })).json();
  const r = await fetch(`${api}/v1/tickets/${id}/${action}`, {
    method: 'POST',
    headers: { Cookie: cookie, Origin: api, 'Content-Type': 'application/json', 'If-Match': String(current.version) },
    body: JSON.stringify(body),
  });
  assert.equal(r.status, 200, await r.clone().text());
  return r.json();
}

async function assertAccessible(p, what) {
  if (!(await p.evaluate(() => typeof window.axe === 'object'))) await p.evaluate(axeSource);
  const result = await p.evaluate(() => window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  const violations = result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  assert.deepEqual(violations, [], `axe on ${what}`);
}

before(async () => {
  const created = await fetch(`${api}/v1/auth/bootstrap`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(admin),
  });
  assert.ok(created.status === 201 || created.status === 409, `bootstrap answered ${created.status}`);
  const login = await fetch(`${api}/v1/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Origin: api }, body: JSON.stringify({ email: admin.email, password: admin.password }),
  });
  assert.equal(login.status, 200);
  cookie = login.headers.get('set-cookie').split(';')[0];
  fs.mkdirSync(outDir, { recursive: true });
  context = await launchChromium();
  watchProblems(context, problems);
  page = await context.newPage();
  await page.goto(`${console_}/sign-in`);
  await page.locator('#email').fill(admin.email);
  await page.locator('#password').fill(admin.password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.locator('.who .name').waitFor({ timeout: 20_000 });
});

after(async () => {
  await context?.close();
});

/** The inbox row of a ticket number. */
const row = (p, ticketNo) => p.locator('li.ticket', { has: p.getByRole('link', { name: ticketNo, exact: true }) });

test('a submitted complaint appears in the inbox; claim, reply, resolve; the customer reads the reply', async () => {
  const text = `外卖晚到了一个半小时，汤都洒了 E2E-${Date.now()}`;
  const receipt = await submit(text, { order_id: 'E202611230042' });
  assert.equal(receipt.status, 'new');

  await page.goto(`${console_}/tickets`);
  await row(page, receipt.ticket_no).waitFor({ timeout: 15_000 });
  const r = row(page, receipt.ticket_no);
  assert.match(await r.innerText(), /待处理/);
  assert.match(await r.locator('.preview').innerText(), /外卖晚到了一个半小时/);
  assert.match(await r.innerText(), /未分配/);
  assert.equal(await page.getByRole('link', { name: /全部未解决/ }).getAttribute('aria-current'), 'page');
  // Search finds it by its number.
  await page.getByLabel('搜索工单').fill(receipt.ticket_no);
  await page.getByRole('button', { name: '搜索', exact: true }).click();
  await page.waitForURL(/q=QT/);
  await row(page, receipt.ticket_no).waitFor();
  assert.equal(await page.locator('li.ticket').count(), 1);
  await assertAccessible(page, 'the inbox');
  await page.getByLabel('搜索工单').fill('');
  await page.getByRole('button', { name: '搜索', exact: true }).click();
  await page.waitForURL((u) => !u.searchParams.has('q'));

  // A platform canned reply, to insert on the ticket page.
  const canned = await fetch(`${api}/v1/canned-replies`, {
    method: 'POST', headers: { Cookie: cookie, Origin: api, 'Content-Type': 'application/json' },
    body: JSON.stringify({ title: '晚到致歉', text: '非常抱歉，已为您申请晚到补偿，预计 24 小时内到账。' }),
  });
  assert.equal(canned.status, 201, await canned.clone().text());

  await row(page, receipt.ticket_no).getByRole('link', { name: receipt.ticket_no }).click();
  await page.getByRole('heading', { level: 1, name: `工单 ${receipt.ticket_no}` }).waitFor({ timeout: 10_000 });
  assert.equal(await page.locator('.complaint-text').innerText(), text);
  assert.match(await page.locator('.complaint').innerText(), /E202611230042/);
  assert.match(await page.locator('.complaint').innerText(), /网页投诉组件/);
  await assertAccessible(page, 'the ticket page');

  // Claim: the If-Match header carries the version on screen.
  const claimed = page.waitForRequest((q) => q.url().endsWith('/claim'));
  await page.getByRole('button', { name: '认领' }).click();
  assert.match((await claimed).headers()['if-match'], /^\d+$/);
  await page.locator('.ticket-summary .status', { hasText: '处理中' }).waitFor();
  assert.match(await page.locator('.ticket-summary').innerText(), new RegExp(admin.display_name));

  // An internal note, then a public reply.
  await page.locator('#mode-note').check();
  await page.locator('#compose').fill('已联系骑手核实，先别告诉客户');
  await page.getByRole('button', { name: '添加备注' }).click();
  await page.locator('.msg.note', { hasText: '已联系骑手核实' }).waitFor();
  await page.locator('#mode-reply').check();
  const reply = '非常抱歉，已为您申请晚到补偿，预计 24 小时内到账。';
  await page.getByLabel('常用回复').selectOption({ label: '晚到致歉' });
  assert.equal(await page.locator('#compose').inputValue(), reply, 'the canned reply is inserted');
  await page.getByRole('button', { name: '发送回复' }).click();
  await page.locator('.msg:not(.note)', { hasText: reply }).waitFor();
  assert.equal(await page.locator('#compose').inputValue(), '', 'the composer is cleared after sending');
  assert.match(await page.locator('.msg.note').innerText(), /内部备注/);
  await page.screenshot({ path: path.join(outDir, 'console-ticket-1280.png'), fullPage: true });

  await page.getByRole('button', { name: '标记已解决' }).click();
  await page.locator('.ticket-summary .status', { hasText: '已解决' }).waitFor();
  assert.match(await page.locator('.timeline').innerText(), /认领[\s\S]*内部备注[\s\S]*公开回复[\s\S]*标记已解决/);
  await assertAccessible(page, 'the ticket page after the actions');

  // The customer's own view shows the public reply, not the note.
  const view = await (await fetch(`${api}/v1/complaints/${receipt.id}`, { headers: { Authorization: `Bearer ${receipt.access_token}` } })).json();
  assert.ok(view.replies.some((x) => x.text === reply), JSON.stringify(view.replies));
  assert.ok(!view.replies.some((x) => /骑手核实/.test(x.text)), 'internal notes stay internal');

  await page.setViewportSize({ width: 360, height: 740 });
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'no sideways scrolling on the ticket at 360 px');
  await page.screenshot({ path: path.join(outDir, 'console-ticket-360.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
});

test('an XSS payload is shown as text in the inbox and on the ticket page', async () => {
  const receipt = await submit(`菜里有头发 ${XSS}`);
  await page.goto(`${console_}/tickets?view=all`);
  const r = row(page, receipt.ticket_no);
  await r.waitFor({ timeout: 15_000 });
  assert.match(await r.locator('.preview').innerText(), /<img src=x onerror=window.__pwned=1><script>/);
  assert.equal(await page.locator('.tickets img, .tickets script').count(), 0);
  await page.screenshot({ path: path.join(outDir, 'console-inbox-1280.png'), fullPage: true });
  await page.setViewportSize({ width: 360, height: 740 });
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'no sideways scrolling on the inbox at 360 px');
  await assertAccessible(page, 'the inbox at 360 px');
  await page.screenshot({ path: path.join(outDir, 'console-inbox-360.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });

  await r.getByRole('link', { name: receipt.ticket_no }).click();
  await page.locator('.complaint-text').waitFor({ timeout: 10_000 });
  assert.equal(await page.locator('.complaint-text').innerText(), `菜里有头发 ${XSS}`);
  assert.equal(await page.locator('main img, main script').count(), 0);
  // A reply with the payload is text too.
  await page.locator('#compose').fill(XSS);
  await page.getByRole('button', { name: '发送回复' }).click();
  await page.locator('.msg-text', { hasText: '<script>window.__pwned=2</script>' }).waitFor();
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
});

test('keyboard only: Tab to a ticket, c claims, r writes a reply, ? lists the shortcuts', async () => {
  const receipt = await submit(`键盘测试：送错了餐，要的是牛肉面 E2E-${Date.now()}`);
  await page.goto(`${console_}/tickets?view=team_unassigned`);
  await row(page, receipt.ticket_no).waitFor({ timeout: 15_000 });
  // Tab from the page start to the ticket's link.
  await page.locator('body').focus();
  let found = false;
  for (let i = 0; i < 60 && !found; i++) {
    await page.keyboard.press('Tab');
    found = (await page.evaluate(() => document.activeElement?.textContent ?? '')) === receipt.ticket_no;
  }
  assert.ok(found, 'the ticket link is reachable by Tab');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: `工单 ${receipt.ticket_no}` }).waitFor({ timeout: 10_000 });
  await page.locator('.complaint-text').waitFor();

  await page.keyboard.press('?');
  await page.getByRole('dialog', { name: '键盘快捷键' }).waitFor();
  await page.keyboard.press('Escape');
  await page.getByRole('dialog').waitFor({ state: 'detached' });

  await page.keyboard.press('c');
  await page.locator('.ticket-summary .status', { hasText: '处理中' }).waitFor();
  await page.keyboard.press('r');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'compose');
  // Typing "e" or "c" in the field is text, not a shortcut.
  await page.keyboard.type('您好，已为您重新安排配送，请稍候。');
  await page.keyboard.type(' ec');
  assert.match(await page.locator('#compose').inputValue(), / ec$/);
  await page.keyboard.press('Tab'); // 等待客户回复
  await page.keyboard.press('Space');
  await page.keyboard.press('Tab'); // 发送回复
  await page.keyboard.press('Enter');
  await page.locator('.msg-text', { hasText: '已为您重新安排配送' }).waitFor();
  await page.locator('.ticket-summary .status', { hasText: '等待客户' }).waitFor();
  assert.ok(await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle !== 'none' || document.activeElement === document.body));
});

test('a stale write shows 此工单已被他人更新 with the fresh ticket and keeps the text', async () => {
  const receipt = await submit(`过期写入测试：饮料少送了 E2E-${Date.now()}`);
  await page.goto(`${console_}/tickets/${receipt.id}`);
  await page.locator('.complaint-text').waitFor({ timeout: 15_000 });
  // Someone else answers meanwhile.
  await actAsSomeoneElse(receipt.id, 'note', { text: '另一位同事的备注' });
  await page.locator('#compose').fill('我的回复草稿');
  await page.getByRole('button', { name: '发送回复' }).click();
  const alert = page.locator('.alert.stale');
  await alert.waitFor();
  assert.match(await alert.innerText(), /此工单已被他人更新/);
  await page.locator('.msg.note', { hasText: '另一位同事的备注' }).waitFor();
  assert.equal(await page.locator('#compose').inputValue(), '我的回复草稿', 'nothing typed is lost');
  assert.equal(await page.locator('.msg-text', { hasText: '我的回复草稿' }).count(), 0, 'never a silent overwrite');
  await assertAccessible(page, 'the ticket page with a stale write');
  // Sending again, now at the fresh version, works.
  await page.getByRole('button', { name: '发送回复' }).click();
  await page.locator('.msg-text', { hasText: '我的回复草稿' }).waitFor();
  assert.equal(await page.locator('.alert.stale').count(), 0);
});

test('bulk: select rows, assign to me, resolve; counts per view', async () => {
  const a = await submit(`批量一：包装破损 E2E-${Date.now()}`);
  const b = await submit(`批量二：餐具没给 E2E-${Date.now()}`);
  await page.goto(`${console_}/tickets?view=team_unassigned`);
  await row(page, b.ticket_no).waitFor({ timeout: 15_000 });
  await page.getByLabel(`选择工单 ${a.ticket_no}`).check();
  await page.getByLabel(`选择工单 ${b.ticket_no}`).check();
  assert.match(await page.locator('.selected-n').innerText(), /已选 2 条/);
  await page.getByRole('button', { name: '分配给我' }).click();
  await page.locator('.notice', { hasText: '已处理 2 条' }).waitFor({ timeout: 10_000 });
  await page.getByRole('link', { name: /我的待办/ }).click();
  await row(page, a.ticket_no).waitFor({ timeout: 10_000 });
  const mineCount = page.locator('.views a', { hasText: '我的待办' }).locator('.count');
  await mineCount.waitFor({ timeout: 10_000 });
  assert.match(await mineCount.innerText(), /^\d+/, 'the view shows its count');
  assert.equal(await page.locator('.views a[aria-current="page"]').count(), 1, 'one view is current');
  await page.getByLabel(`选择工单 ${a.ticket_no}`).check();
  await page.getByRole('button', { name: '标记已解决' }).click();
  await page.locator('.notice', { hasText: '已处理 1 条' }).waitFor({ timeout: 10_000 });
  await row(page, a.ticket_no).waitFor({ state: 'detached' });

  // The same page in Traditional Chinese and English, then back.
  await page.getByLabel('语言').selectOption('zh-TW');
  await page.getByRole('link', { name: /我的待辦/ }).waitFor();
  await page.getByLabel('語言').selectOption('en');
  await page.getByRole('button', { name: 'Assign to me' }).waitFor();
  assert.match(await row(page, b.ticket_no).innerText(), /Open/);
  await page.getByLabel('Language').selectOption('zh-CN');
  await page.getByRole('link', { name: /我的待办/ }).waitFor();
  assert.deepEqual(problems, [], 'no CSP report or page error');
});

test('sorting: newest first by default, P1 first on request, kept in the address', async () => {
  await page.goto(`${console_}/tickets?view=unresolved`);
  await page.locator('li.ticket').first().waitFor({ timeout: 15_000 });
  assert.equal(await page.locator('#sort').inputValue(), 'newest', 'the select shows the order in use');
  await page.locator('#sort').selectOption({ label: '优先级（P1 在前）' });
  await page.waitForURL(/sort=priority/);
  await page.locator('li.ticket').first().waitFor({ timeout: 15_000 });
  assert.equal(await page.locator('#sort').inputValue(), 'priority');
  // The XSS test's complaint is a P1 still unresolved: P1 rows come first.
  assert.match(await page.locator('li.ticket').first().innerText(), /P1/);
  assert.deepEqual(problems, [], 'no CSP report or page error');
});

test('SLA: a breached ticket is red in the inbox and in 已超时; 平台介入 with its reason in the timeline', async () => {
  // A merchant and its site, made by the platform admin through the API.
  const headers = { Cookie: cookie, Origin: api, 'Content-Type': 'application/json' };
  const merchant = await (await fetch(`${api}/v1/merchants`, { method: 'POST', headers, body: JSON.stringify({ name: '慢回复小馆' }) })).json();
  assert.ok(merchant.id, JSON.stringify(merchant));
  const site = await fetch(`${api}/v1/admin/sites/slow-e2e`, {
    method: 'PUT', headers, body: JSON.stringify({ merchant_name: '慢回复小馆', allowed_origins: [merchantOrigin], merchant: merchant.id }),
  });
  assert.equal(site.status, 200, await site.clone().text());
  const receipt = await submit('菜的分量太少了，和图片差别很大 E2E-SLA', { site: 'slow-e2e' });
  // The admin takes it (taking is not answering), so the sweep's news reaches them.
  await actAsSomeoneElse(receipt.id, 'claim');
  await fetch(`${api}/v1/notifications/read`, { method: 'POST', headers, body: '{}' });
  // Five hours on (the dev server's clock override for the cron): the merchant's window and the
  // first-response target of a P3 (4 h) have passed. Earlier tickets may be swept first.
  let t;
  for (let i = 0; i < 15; i += 1) {
    const swept = await fetch(`${api}/__dev/scheduled?time=${Date.now() + 5 * 3600_000}`);
    assert.equal(swept.status, 200, await swept.clone().text());
    t = await (await fetch(`${api}/v1/tickets/${receipt.id}`, { headers: { Cookie: cookie } })).json();
    if (t.holder === 'platform' && t.sla.first_response.breached) break;
  }
  assert.equal(t.holder, 'platform', JSON.stringify(t.sla));
  assert.ok(t.sla.first_response.breached, JSON.stringify(t.sla));

  await page.goto(`${console_}/tickets?view=breached`);
  const r = row(page, receipt.ticket_no);
  await r.waitFor({ timeout: 15_000 });
  const badge = r.locator('.sla.breached');
  assert.match(await badge.innerText(), /超时/);
  assert.equal(await badge.evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(180, 35, 24)', 'red');
  await assertAccessible(page, 'the 已超时 view');
  await page.screenshot({ path: path.join(outDir, 'console-breached-1280.png'), fullPage: true });
  await page.setViewportSize({ width: 360, height: 740 });
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'no sideways scrolling at 360 px');
  await page.screenshot({ path: path.join(outDir, 'console-breached-360.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });

  await r.getByRole('link', { name: receipt.ticket_no }).click();
  await page.locator('.timeline').waitFor();
  assert.match(await page.locator('.timeline').innerText(), /平台介入[\s\S]*商家未在时限内首次回复/);
  assert.match(await page.locator('section[aria-labelledby="sla-h"]').innerText(), /首次响应[\s\S]*已超时/);
  assert.match(await page.locator('.ticket-summary .holder').innerText(), /平台/);
  await page.screenshot({ path: path.join(outDir, 'console-ticket-breached-1280.png'), fullPage: true });

  // The bell: the breach and the escalation, once each; read, the count goes.
  const bell = page.locator('a.bell');
  await page.reload();
  await bell.locator('.count').waitFor({ timeout: 15_000 });
  assert.match(await bell.getAttribute('aria-label'), /通知，\d+ 条未读/);
  await bell.click();
  await page.getByRole('heading', { level: 1, name: '通知' }).waitFor();
  const mine = page.locator('.notifications li', { has: page.getByRole('link', { name: receipt.ticket_no }) });
  await mine.first().waitFor({ timeout: 15_000 });
  assert.deepEqual((await mine.locator('.what').allInnerTexts()).sort(), ['已超时（首次响应）', '平台介入：商家未在时限内首次回复'].sort());
  await assertAccessible(page, 'the notifications');
  await page.screenshot({ path: path.join(outDir, 'console-notifications-1280.png'), fullPage: true });
  await page.setViewportSize({ width: 360, height: 740 });
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'no sideways scrolling at 360 px');
  await page.screenshot({ path: path.join(outDir, 'console-notifications-360.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.getByRole('button', { name: '全部标为已读' }).click();
  await bell.locator('.count').waitFor({ state: 'detached', timeout: 15_000 });
  assert.deepEqual(problems, [], 'no CSP report or page error');
});

/** Runs SQL on the local D1 the worker writes to (through wrangler, not the API). */
function d1(sql) {
  const persistTo = process.env.QT_PERSIST_TO;
  if (!persistTo) throw new Error('QT_PERSIST_TO is not set');
  const out = execFileSync(path.join(root, 'node_modules/.bin/wrangler'),
    ['d1', 'execute', 'DB', '--local', '--persist-to', persistTo, '-c', 'worker/wrangler.toml', '--json', '--command', sql],
    { cwd: root, env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out.toString())[0].results;
}

test('a dead letter shows 转发失败 on its ticket page; 重新投递 sends it again', async () => {
  const receipt = await submit('骑手把汤洒了一半，还说是我的问题 E2E-DLQ');
  // As if every retry to the merchant's receiver had failed: the dead-letter consumer's mark.
  d1(`UPDATE complaints SET delivery = 'dead_letter' WHERE id = '${receipt.id}'`);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`${console_}/tickets/${receipt.id}`);
  const banner = page.locator('.delivery-failed[role=alert]');
  await banner.waitFor({ timeout: 15_000 });
  assert.match(await banner.innerText(), /转发失败/);
  await assertAccessible(page, 'the ticket page of a dead letter');
  await page.screenshot({ path: path.join(outDir, 'console-dead-letter-1280.png'), fullPage: true });
  await page.setViewportSize({ width: 360, height: 740 });
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'no sideways scrolling at 360 px');
  await page.screenshot({ path: path.join(outDir, 'console-dead-letter-360.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
  await banner.getByRole('button', { name: '重新投递' }).click();
  await page.locator('.delivery-said', { hasText: '已重新投递' }).waitFor({ timeout: 15_000 });
  await banner.waitFor({ state: 'detached', timeout: 15_000 });
  const audit = d1(`SELECT from_state, actor_kind, why FROM delivery_redrives WHERE complaint_id = '${receipt.id}'`);
  assert.deepEqual(audit, [{ from_state: 'dead_letter', actor_kind: 'staff', why: 'by_hand' }]);
  const state = d1(`SELECT delivery FROM complaints WHERE id = '${receipt.id}'`)[0].delivery;
  assert.ok(['queued', 'no_destination', 'delivered'].includes(state), state);
});
