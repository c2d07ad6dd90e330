// Browser end to end for the staff console (/console/): sign-in (errors in words, focus, keyboard
// only), the shell with the user's name and scope, the session across reloads and deep links,
// sign-out, the language switch, the page's CSP, and axe-core's WCAG 2.1 A/AA rules.
//
// Run by `cargo xtask test` after the widget's tests, against the same `wrangler dev`; it sets
// QT_BASE_URL (worker), QT_ADMIN_TOKEN (to create the first platform admin with
// POST /v1/auth/bootstrap) and QT_OUTPUT_DIR (screenshots).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { launchChromium, watchProblems } from './browser.mjs';

const root = path.resolve(import.meta.dirname, '../..');
const api = process.env.QT_BASE_URL;
const adminToken = process.env.QT_ADMIN_TOKEN;
const outDir = process.env.QT_OUTPUT_DIR || path.join(root, 'test-output');
if (!api || !adminToken) throw new Error('run through `cargo xtask test` (QT_BASE_URL, QT_ADMIN_TOKEN)');
const console_ = `${api}/console`;

const admin = { email: 'ops-admin@qingting.test', password: 'console-e2e-Passw0rd', display_name: '林晓雯' };
const axeSource = fs.readFileSync(path.join(root, 'node_modules/axe-core/axe.min.js'), 'utf8');

let context;
/** Content-Security-Policy reports and page errors seen by any page: there must be none. */
const problems = [];

before(async () => {
  const created = await fetch(`${api}/v1/auth/bootstrap`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(admin),
  });
  // 409 already_set_up: a database this file set up before (same credentials).
  assert.ok(created.status === 201 || created.status === 409, `bootstrap answered ${created.status}: ${await created.text()}`);
  fs.mkdirSync(outDir, { recursive: true });
  context = await launchChromium();
  watchProblems(context, problems);
});

after(async () => {
  await context?.close();
});

/** axe-core's WCAG 2.1 A and AA rules on the page as it is now: no violation. */
async function assertAccessible(page, what) {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern.
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
  const result = await page.evaluate(() => window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  const violations = result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  assert.deepEqual(violations, [], `axe on ${what}`);
}

async function signInPage(page, url = `${console_}/`) {
  await page.goto(url);
  await page.locator('#email').waitFor({ timeout: 20_000 });
  assert.match(new URL(page.url()).pathname, /^\/console\/sign-in$/);
}

const activeId = (page) => page.evaluate(() => document.activeElement?.id ?? '');

test('the console page has a strict CSP; deep links get the page, missing files do not', async () => {
  for (const p of ['/console/', '/console/tickets/123', '/console/settings']) {
    const r = await fetch(`${api}${p}`);
    assert.equal(r.status, 200, p);
    assert.match(r.headers.get('content-type'), /^text\/html/, p);
    const csp = r.headers.get('content-security-policy') ?? '';
    assert.match(csp, /frame-ancestors 'none'/, p);
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'(;|$)/, p);
    assert.doesNotMatch(csp, /unsafe-inline/, p);
    const html = await r.text();
    assert.match(html, /<script type="module" src="\/console\/app\/[0-9a-f]{10}\/console\.js"><\/script>/, p);
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, `${p}: no inline script`);
  }
  assert.equal((await fetch(`${api}/console/app/0000000000/console.js`)).status, 404);
  const api404 = await fetch(`${api}/v1/no-such-thing`);
  assert.equal(api404.status, 404);
  assert.equal((await api404.json()).error.code, 'not_found');
});

test('signing in: fields checked first, a wrong password in words, focus stays usable', async () => {
  const page = await context.newPage();
  await signInPage(page);
  assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
  assert.equal(await page.title(), '登录工作台 · 倾听 · 工作台');
  assert.equal(await page.locator('#email').getAttribute('autocomplete'), 'username');
  assert.equal(await page.locator('#password').getAttribute('autocomplete'), 'current-password');
  await assertAccessible(page, 'the sign-in page');
  await page.screenshot({ path: path.join(outDir, 'console-signin-1280.png') });

  // Nothing filled in: the first field to fix gets the focus and says why.
  await page.getByRole('button', { name: '登录' }).click();
  assert.equal(await activeId(page), 'email');
  assert.equal(await page.locator('#email').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.locator('#email-error').innerText(), '请输入邮箱。');
  assert.equal(await page.locator('#email').getAttribute('aria-describedby'), 'email-error');
  await page.locator('#email').fill(admin.email);
  await page.getByRole('button', { name: '登录' }).click();
  assert.equal(await activeId(page), 'password');
  assert.equal(await page.locator('#password-error').innerText(), '请输入密码。');
  await assertAccessible(page, 'the sign-in page with field errors');

  // A wrong password: the server's refusal in words, announced, focus back on the password.
  await page.locator('#password').fill('not-the-password');
  const answered = page.waitForResponse((r) => r.url() === `${api}/v1/auth/login`);
  await page.locator('#password').press('Enter');
  assert.equal((await answered).status(), 401);
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.equal(await alert.innerText(), '邮箱或密码不正确，请重新输入。');
  assert.equal(await activeId(page), 'password');
  assert.equal(await page.locator('#password').inputValue(), '', 'the wrong password is cleared');
  await page.keyboard.type('typing works');
  assert.equal(await page.locator('#password').inputValue(), 'typing works');
  assert.equal(await page.locator('#email').inputValue(), admin.email, 'the address is kept');
  await assertAccessible(page, 'the sign-in page with a refusal');

  await page.setViewportSize({ width: 360, height: 740 });
  await page.screenshot({ path: path.join(outDir, 'console-signin-error-360.png'), fullPage: true });

  // Throttled: the wait from Retry-After, in minutes. No answer at all: the network, in words.
  await page.route(`${api}/v1/auth/login`, (route) => route.fulfill({
    status: 429, headers: { 'Content-Type': 'application/json', 'Retry-After': '540' },
    body: JSON.stringify({ error: { code: 'too_many_attempts', message: 'too many attempts' } }),
  }));
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('alert').filter({ hasText: '尝试次数过多，请 9 分钟后再试。' }).waitFor();
  await page.unroute(`${api}/v1/auth/login`);
  await page.route(`${api}/v1/auth/login`, (route) => route.abort('connectionreset'));
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('alert').filter({ hasText: '网络连接失败' }).waitFor();
  assert.equal(await page.getByRole('button', { name: '登录' }).getAttribute('aria-disabled'), 'false', 'usable again');
  await page.close();
});

test('the user failing to load shows words and a retry, not a blank page', async () => {
  const page = await context.newPage();
  await page.route(`${api}/v1/auth/me`, (route) => route.fulfill({
    status: 500, headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ error: { code: 'internal', message: 'internal error' } }),
  }));
  await page.goto(`${console_}/tickets`);
  const alert = page.getByRole('alert');
  await alert.waitFor({ timeout: 20_000 });
  assert.match(await alert.innerText(), /^无法加载您的账号信息。\s+服务器出错，请稍后再试。$/);
  await page.unroute(`${api}/v1/auth/me`);
  await page.getByRole('button', { name: '重试' }).click();
  await page.locator('#email').waitFor({ timeout: 10_000 });
  assert.equal(new URL(page.url()).pathname, '/console/sign-in');
  await page.close();
});

test('the right password reaches the shell; reloads and deep links keep the session; sign-out', async () => {
  const page = await context.newPage();
  await signInPage(page);
  await page.locator('#email').fill(admin.email);
  await page.locator('#password').fill(admin.password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.locator('.who .name').waitFor({ timeout: 10_000 });
  assert.equal(new URL(page.url()).pathname, '/console/tickets');
  assert.equal(await page.locator('.who .name').innerText(), admin.display_name);
  assert.equal(await page.locator('.who .scope').innerText(), '平台 · 管理员');
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), '工单');
  await page.getByRole('navigation', { name: '视图' }).waitFor();
  assert.equal(await page.getByRole('link', { name: '工单' }).last().getAttribute('aria-current'), 'page');
  await assertAccessible(page, 'the shell');
  await page.screenshot({ path: path.join(outDir, 'console-shell-1280.png') });
  await page.setViewportSize({ width: 360, height: 740 });
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'no sideways scrolling at 360 px');
  await page.screenshot({ path: path.join(outDir, 'console-shell-360.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });

  // Reload: the cookie carries the session.
  await page.reload();
  await page.locator('.who .name').waitFor({ timeout: 10_000 });
  assert.equal(await page.locator('.who .name').innerText(), admin.display_name);

  // A deep link, loaded and reloaded, opens its page (the worker serves index.html for it).
  await page.goto(`${console_}/tickets/123`);
  await page.getByRole('heading', { level: 1, name: '工单 123' }).waitFor({ timeout: 10_000 });
  await page.reload();
  await page.getByRole('heading', { level: 1, name: '工单 123' }).waitFor({ timeout: 10_000 });
  assert.equal(await page.title(), '工单 · 倾听 · 工作台');

  // The navigation, then the language switch (remembered across a reload).
  await page.getByRole('link', { name: '设置' }).click();
  await page.getByRole('heading', { level: 1, name: '设置' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/console/settings');
  await page.getByLabel('语言').selectOption('en');
  await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor({ timeout: 10_000 });
  assert.equal(await page.locator('.who .scope').innerText(), 'Platform · Admin');
  await page.getByLabel('Language').selectOption('zh-TW');
  await page.getByRole('heading', { level: 1, name: '設定' }).waitFor();
  await page.getByLabel('語言').selectOption('zh-CN');
  await page.getByRole('heading', { level: 1, name: '设置' }).waitFor();

  // Sign-out: back to sign-in, and the session is over for the server too.
  await page.getByRole('button', { name: '退出登录' }).click();
  await page.locator('#email').waitFor({ timeout: 10_000 });
  assert.equal(new URL(page.url()).pathname, '/console/sign-in');
  assert.equal(await page.evaluate(async () => (await fetch('/v1/auth/me')).status), 401);
  await page.goto(`${console_}/settings`);
  await page.locator('#email').waitFor({ timeout: 10_000 });
  assert.equal(new URL(page.url()).searchParams.get('next'), '/console/settings');
  await page.close();
});

test('keyboard only: Tab to the fields, Enter signs in and returns to the page asked for', async () => {
  const page = await context.newPage();
  await signInPage(page, `${console_}/tickets/77`);
  // The language switch comes first, then the address, the password and the button.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.tagName), 'SELECT');
  await page.keyboard.press('Tab');
  assert.equal(await activeId(page), 'email');
  const ring = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.equal(ring, 'solid', 'a visible focus ring');
  await page.keyboard.type(admin.email);
  await page.keyboard.press('Tab');
  assert.equal(await activeId(page), 'password');
  await page.keyboard.type(admin.password);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: '工单 77' }).waitFor({ timeout: 10_000 });
  assert.equal(new URL(page.url()).pathname, '/console/tickets/77');
  assert.equal(await activeId(page), 'main', 'the focus moves to the page content, not to the document start');
  // Through the shell by keyboard: the sign-out button is reachable and works with Enter.
  for (let i = 0; i < 20 && (await page.evaluate(() => document.activeElement?.textContent)) !== '退出登录'; i++) await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.locator('#email').waitFor({ timeout: 10_000 });
  await page.close();
  assert.deepEqual(problems, [], 'no CSP report or page error');
});
