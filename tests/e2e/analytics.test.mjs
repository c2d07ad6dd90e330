// Browser end to end for the dashboard (/console/analytics): complaints are submitted through the
// API to a new merchant's site (and another merchant's), one is worked by staff and rated; then the
// dashboard shows the seeded numbers, a category bar drills down (clicked in the chart, and by
// keyboard from its data table) into the inbox showing exactly those tickets with the dashboard's
// filters as chips, the CSV export downloads (BOM, header, one row per ticket, a formula made
// inert), a merchant's staff member sees only their merchant, axe-core WCAG 2.1 A/AA, no CSP
// report, and 1280 / 360 px screenshots.
//
// Run by `cargo xtask test` after the other console suites, against the same `wrangler dev`:
// QT_BASE_URL, QT_ADMIN_TOKEN, QT_MERCHANT_PORT (sites created here allow
// http://localhost:PORT), QT_OUTPUT_DIR.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
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

// The same platform admin as the other console suites (created there, or here when run alone).
const admin = { email: 'ops-admin@qingting.test', password: 'console-e2e-Passw0rd', display_name: '林晓雯' };
const axeSource = fs.readFileSync(path.join(root, 'node_modules/axe-core/axe.min.js'), 'utf8');
const run = Date.now().toString(36);
const owner = { email: `an-owner-${run}@qingting.test`, password: `analytics-e2e-${run}-Pw`, display_name: '看板店长' };

let context;
let page;
/** The platform admin's session cookie, for seeding through the API. */
let cookie;
const problems = [];
/** The merchant whose numbers are checked, its site, and what was submitted there. */
let merchant;
let site;
const seeded = [];
/** Another merchant's tickets: never in the first merchant's numbers. */
const elsewhere = [];

const headers = () => ({ Cookie: cookie, Origin: api, 'Content-Type': 'application/json' });

async function call(method, url, body, extra = {}) {
  const r = await fetch(`${api}${url}`, { method, headers: { ...headers(), ...extra }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  assert.ok(r.ok, `${method} ${url} answered ${r.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

/** A complaint as a merchant's page sends it. */
async function submit(siteKey, text, extra = {}) {
  const r = await fetch(`${api}/v1/complaints`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: merchantOrigin, 'Idempotency-Key': `an-${run}-${Math.random().toString(36).slice(2)}` },
    body: JSON.stringify({ site: siteKey, text, lang: 'zh-CN', ...extra }),
  });
  assert.equal(r.status, 201, await r.clone().text());
  return r.json();
}

/** A staff action through the API, at the ticket's current version. */
async function act(id, action, body = {}) {
  const current = await (await fetch(`${api}/v1/tickets/${id}`, { headers: { Cookie: cookie } })).json();
  return call('POST', `/v1/tickets/${id}/${action}`, body, { 'If-Match': String(current.version) });
}

async function assertAccessible(p, what) {
  if (!(await p.evaluate(() => typeof window.axe === 'object'))) await p.evaluate(axeSource);
  const result = await p.evaluate(() => window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  const violations = result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  assert.deepEqual(violations, [], `axe on ${what}`);
}

async function signIn(p, who) {
  await p.goto(`${console_}/sign-in`);
  await p.locator('#email').fill(who.email);
  await p.locator('#password').fill(who.password);
  await p.getByRole('button', { name: '登录' }).click();
  await p.locator('.who .name').waitFor({ timeout: 20_000 });
}

/** The dashboard at `query`, once its numbers and charts are in. */
async function openDashboard(p, query) {
  await p.goto(`${console_}/analytics${query}`);
  await p.locator('.kpis .kpi').first().waitFor({ timeout: 20_000 });
  await p.waitForFunction(() => typeof window.echarts === 'object' && document.querySelectorAll('.chart[_echarts_instance_] svg').length > 0, null, { timeout: 20_000 });
}

/** A tile's value by its label. */
const tile = (p, label) => p.locator('.kpi', { has: p.locator('.kpi-label', { hasText: new RegExp(`^${label}$`) }) }).locator('.kpi-value');
/** A chart card by its heading. */
const card = (p, title) => p.locator('section.chart-card', { has: p.getByRole('heading', { level: 2, name: title, exact: true }) });

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

  // Two merchants with a site each; the numbers checked are the first one's.
  merchant = await call('POST', '/v1/merchants', { name: `看板测试店-${run}` });
  site = `an-${run}`;
  await call('PUT', `/v1/admin/sites/${site}`, { merchant_name: '看板测试店', allowed_origins: [merchantOrigin], merchant: merchant.id });
  const other = await call('POST', '/v1/merchants', { name: `隔壁店-${run}` });
  await call('PUT', `/v1/admin/sites/${site}-b`, { merchant_name: '隔壁店', allowed_origins: [merchantOrigin], merchant: other.id });

  const texts = [
    ['外卖晚到了一个半小时，汤都洒了，骑手也不道歉', '朝阳区'],
    ['配送太慢了，等了一个多小时饭都凉了', '朝阳区'],
    ['骑手送错了地址，打电话也不接', '海淀区'],
    ['菜里吃出了头发，太恶心了', ''],
    ['少送了一份米饭和饮料，要求补发', '海淀区'],
    // A spreadsheet formula: the export must make it inert.
    ['=1+1 外卖送晚了一个小时，饭都凉了', ''],
  ];
  for (const [text, region] of texts) seeded.push(await submit(site, text, region ? { region } : {}));
  for (const text of ['麻婆豆腐太咸了，分量也少', '配送员态度恶劣，还把汤洒了']) elsewhere.push(await submit(`${site}-b`, text));

  // One ticket worked by staff (first response, resolution) and rated by its customer.
  const worked = seeded[0];
  await act(worked.id, 'claim');
  await act(worked.id, 'reply', { text: '非常抱歉，已为您申请补偿。' });
  await act(worked.id, 'resolve');
  const rated = await fetch(`${api}/v1/complaints/${worked.id}/rating`, {
    method: 'POST', headers: { Authorization: `Bearer ${worked.access_token}`, 'Content-Type': 'application/json', Origin: merchantOrigin }, body: JSON.stringify({ score: 5 }),
  });
  assert.equal(rated.status, 200, await rated.clone().text());

  // The merchant's admin, invited by the platform admin, sets a password.
  const invited = await call('POST', '/v1/invitations', { email: owner.email, display_name: owner.display_name, scope: { kind: 'merchant', merchant: merchant.id }, role: 'admin' });
  const setUp = await fetch(`${api}/v1/auth/setup`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: api }, body: JSON.stringify({ token: invited.token, password: owner.password }) });
  assert.equal(setUp.status, 200, await setUp.clone().text());

  fs.mkdirSync(outDir, { recursive: true });
  context = await launchChromium();
  watchProblems(context, problems);
  page = await context.newPage();
  await signIn(page, admin);
});

after(async () => {
  await context?.close();
});

test('the dashboard shows the seeded numbers; a category bar drills down to exactly its tickets', async () => {
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '数据看板' }).click();
  await page.getByRole('heading', { level: 1, name: '数据看板' }).waitFor({ timeout: 20_000 });
  assert.match(await page.title(), /^数据看板 · /);

  await openDashboard(page, `?days=1&merchant=${merchant.id}`);
  assert.equal(await page.locator('#an-merchant').inputValue(), merchant.id, 'the merchant picker shows the filter');
  assert.equal(await page.locator('.presets a[aria-current="page"]').innerText(), '今天');
  assert.equal(await tile(page, '工单量').innerText(), String(seeded.length));
  assert.match(await tile(page, '满意度').innerText(), /^5\.0$/);
  assert.match(await tile(page, '首次响应（工作时间）').innerText(), /^P50\s*\S/);

  // The categories as classified at intake, largest first; the chart has a bar for each.
  const byCategory = new Map();
  for (const t of seeded) byCategory.set(t.category, [...(byCategory.get(t.category) ?? []), t.ticket_no]);
  const [category, tickets] = [...byCategory.entries()].sort((a, b) => b[1].length - a[1].length)[0];
  const categories = card(page, '按分类');
  const bars = await categories.locator('.chart').evaluate((el) => window.echarts.getInstanceByDom(el).getOption().series[0].data);
  assert.equal(bars.reduce((a, b) => a + b, 0), seeded.length, 'the category bars add up to the tickets');
  const rows = categories.locator('.data-table tbody tr');
  assert.equal(await rows.count(), byCategory.size);
  assert.match(await rows.first().innerText(), new RegExp(`\\s${tickets.length}$`));

  // Click the largest bar in the chart itself.
  const at = await categories.locator('.chart').evaluate((el) => {
    el.scrollIntoView({ block: 'center' });
    const chart = window.echarts.getInstanceByDom(el);
    const value = chart.getOption().series[0].data[0];
    const [x, y] = chart.convertToPixel({ gridIndex: 0 }, [value / 2, 0]);
    const r = el.getBoundingClientRect();
    return { x: r.left + x, y: r.top + y };
  });
  await page.mouse.click(at.x, at.y);
  await page.waitForURL(/\/console\/tickets\?/, { timeout: 10_000 });
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('category'), category);
  assert.equal(url.searchParams.get('merchant'), merchant.id);
  assert.equal(url.searchParams.get('view'), 'all');
  assert.match(url.searchParams.get('created_from'), /^\d{4}-\d\d-\d\dT\d\d:00:00\.000Z$/);
  await page.locator('li.ticket').first().waitFor({ timeout: 15_000 });
  const shown = await page.locator('li.ticket .ticket-no').allInnerTexts();
  assert.deepEqual(shown.sort(), [...tickets].sort(), 'exactly the seeded tickets of that category');
  // The dashboard's filters are named, and each can be removed.
  const line = page.getByRole('group', { name: '来自数据看板的筛选：' });
  await line.waitFor();
  assert.match(await line.innerText(), new RegExp(`商家：看板测试店-${run}`));
  assert.match(await line.innerText(), /提交时间：/);
  assert.equal(await page.locator('#filter-category').inputValue(), category);
  await assertAccessible(page, 'the inbox opened from the dashboard');
  await page.screenshot({ path: path.join(outDir, 'analytics-drill-1280.png'), fullPage: true });
  await page.getByRole('button', { name: /^移除筛选：提交时间/ }).click();
  await page.waitForURL((u) => !u.searchParams.has('created_from') && !u.searchParams.has('created_to'));
  assert.equal(new URL(page.url()).searchParams.get('merchant'), merchant.id, 'the other filters stay');

  // The same drill-down by keyboard: the chart's data table shows when its link has the focus.
  await page.goBack();
  await page.goBack();
  await page.waitForURL(/\/console\/analytics\?/);
  const table = card(page, '按分类').locator('.data-table');
  await table.waitFor({ state: 'attached', timeout: 20_000 });
  const width = () => table.evaluate((e) => e.getBoundingClientRect().width);
  assert.ok((await width()) <= 1, 'the data table is visually hidden');
  const link = table.locator('tbody a').first();
  await link.focus();
  assert.ok((await width()) > 100, 'and shown while a link in it has the focus');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/console\/tickets\?/, { timeout: 10_000 });
  assert.equal(new URL(page.url()).searchParams.get('category'), category);
  await page.locator('li.ticket').first().waitFor({ timeout: 15_000 });
  assert.equal(await page.locator('li.ticket').count(), tickets.length);
  assert.deepEqual(problems, [], 'no CSP report or page error');
});

test('the export downloads the view: BOM, header, one row per ticket, formulas made inert', async () => {
  await openDashboard(page, `?days=1&merchant=${merchant.id}`);
  const link = page.getByRole('link', { name: '导出 CSV' });
  const href = new URL(await link.getAttribute('href'), api);
  assert.equal(href.pathname, '/v1/analytics/export.csv');
  assert.equal(href.searchParams.get('merchant'), merchant.id);
  assert.equal(href.searchParams.get('lang'), 'zh-CN');
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  assert.match(download.suggestedFilename(), /^qingting-.*\.csv$/);
  const csv = fs.readFileSync(await download.path(), 'utf8');
  assert.ok(csv.startsWith('\uFEFF'), 'UTF-8 with a byte order mark');
  const lines = csv.slice(1).split('\r\n').filter((l) => l !== '');
  assert.match(lines[0], /^工单号,创建时间,站点,商家,/);
  assert.equal(lines.length - 1, seeded.length, 'one row per ticket');
  for (const t of seeded) assert.ok(lines.some((l) => l.startsWith(`${t.ticket_no},`)), t.ticket_no);
  assert.ok(lines.some((l) => l.includes(",'=1+1 外卖送晚了")), 'a formula gets a leading quote');
  assert.ok(!lines.some((l) => l.includes(',=1+1')), 'no live formula');
  assert.ok(!elsewhere.some((t) => csv.includes(t.ticket_no)), 'another merchant\'s tickets are not in it');
});

test('axe and screenshots at 1280 and 360 px; words in zh-TW and en', async () => {
  await openDashboard(page, `?days=7&merchant=${merchant.id}`);
  await assertAccessible(page, 'the dashboard');
  await page.screenshot({ path: path.join(outDir, 'analytics-1280.png'), fullPage: true });
  // The platform's whole view (every merchant): the merchants' table drills down too.
  await openDashboard(page, '?days=7');
  const row = page.locator('.merchant-table tbody tr', { hasText: `看板测试店-${run}` });
  await row.waitFor();
  assert.match(await row.getByRole('link').getAttribute('href'), new RegExp(`merchant=${merchant.id}`));
  await assertAccessible(page, 'the platform\'s dashboard');
  await page.screenshot({ path: path.join(outDir, 'analytics-platform-1280.png'), fullPage: true });

  await page.setViewportSize({ width: 360, height: 740 });
  await openDashboard(page, `?days=7&merchant=${merchant.id}`);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'no sideways scrolling at 360 px');
  const widths = await page.locator('.chart').evaluateAll((els) => els.map((e) => [e.getBoundingClientRect().width, e.getBoundingClientRect().height]));
  assert.ok(widths.every(([w, h]) => w > 250 && w <= 340 && h === 240), `charts full width, 240 px tall: ${JSON.stringify(widths)}`);
  const tiles = await page.locator('.kpi').evaluateAll((els) => els.slice(0, 2).map((e) => e.getBoundingClientRect().top));
  assert.equal(tiles[0], tiles[1], 'two tiles per row');
  await assertAccessible(page, 'the dashboard at 360 px');
  await page.screenshot({ path: path.join(outDir, 'analytics-360.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });

  await page.getByLabel('语言').selectOption('zh-TW');
  await page.getByRole('heading', { level: 1, name: '數據看板' }).waitFor();
  await card(page, '按分類').waitFor();
  await page.getByLabel('語言').selectOption('en');
  await page.getByRole('heading', { level: 1, name: 'Analytics' }).waitFor();
  assert.equal(await tile(page, 'Tickets').innerText(), String(seeded.length));
  await page.getByLabel('Language').selectOption('zh-CN');
  await page.getByRole('heading', { level: 1, name: '数据看板' }).waitFor();
  assert.deepEqual(problems, [], 'no CSP report or page error');
});

test('a merchant\'s staff member sees only their merchant, without a merchant picker', async () => {
  // A browser of their own (another profile), signed in as the merchant's admin.
  const ctx = await launchChromium();
  watchProblems(ctx, problems);
  try {
    const p = await ctx.newPage();
    await signIn(p, owner);
    await openDashboard(p, '?days=1');
    assert.equal(await tile(p, '工单量').innerText(), String(seeded.length), 'only their merchant\'s tickets');
    assert.equal(await p.locator('#an-merchant').count(), 0, 'no merchant picker');
    assert.equal(await card(p, '商家排行（前 10）').count(), 0);
    assert.equal(await p.locator('.merchant-table').count(), 0);
    const sites = await card(p, '按站点').locator('.data-table tbody th').allInnerTexts();
    assert.deepEqual(sites, [`看板测试店（${site}）`]);
    // Asking for another merchant changes nothing: the server holds them to their own.
    await openDashboard(p, `?days=1&merchant=${encodeURIComponent('m-not-theirs')}`);
    assert.equal(await tile(p, '工单量').innerText(), '0');
    await assertAccessible(p, 'a merchant\'s dashboard');
  } finally {
    await ctx.close();
  }
  assert.deepEqual(problems, [], 'no CSP report or page error');
});
