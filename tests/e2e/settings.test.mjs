// Browser end to end for the console's settings and the invitation page: the platform admin
// creates a merchant and invites its admin; the invitation link opens /console/setup in another
// browser, which sets a password and lands in the inbox; that merchant admin invites an agent,
// makes a team, creates a site with its origins, destinations (secrets shown as ******** and
// kept when sent back), a FAQ pack and thresholds, with refusals in words; the agent sees only
// the sections that concern agents. The settings pages are lazily loaded chunks: every one must
// load with no CSP report or page error. axe-core WCAG 2.1 A/AA; 1280 and 360 px screenshots.
//
// Run by `cargo xtask test` after console.test.mjs, against the same `wrangler dev`:
// QT_BASE_URL, QT_ADMIN_TOKEN, QT_OUTPUT_DIR.
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
const run = Date.now().toString(36);
const owner = { email: `owner-${run}@settings.test`, name: '赵店长', password: 'owner-Passw0rd-2026' };
const agent = { email: `agent-${run}@settings.test`, name: '钱小二', password: 'agent-Passw0rd-2026' };
const site = `e2e-${run}`;

let context;
const problems = [];

async function assertAccessible(p, what) {
  if (!(await p.evaluate(() => typeof window.axe === 'object'))) await p.evaluate(axeSource);
  const result = await p.evaluate(() => window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  const violations = result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  assert.deepEqual(violations, [], `axe on ${what}`);
}

async function shots(p, name) {
  for (const width of [1280, 360]) {
    await p.setViewportSize({ width, height: 800 });
    await p.screenshot({ path: path.join(outDir, `settings-${name}-${width}.png`), fullPage: true });
  }
  await p.setViewportSize({ width: 1280, height: 800 });
}

async function signIn(p, email, password) {
  await p.goto(`${console_}/sign-in`);
  await p.locator('#email').fill(email);
  await p.locator('#password').fill(password);
  await p.locator('#password').press('Enter');
  await p.locator('.who .name').waitFor({ timeout: 20_000 });
}

/** Opens a settings section from the settings navigation (a lazily loaded chunk). */
async function section(p, name) {
  await p.getByRole('navigation', { name: '设置' }).getByRole('link', { name, exact: true }).click();
  await p.getByRole('heading', { level: 1, name }).waitFor({ timeout: 20_000 });
}

/** Invites someone on the people page; the setup link shown once. */
async function invite(p, who, scopeName, role) {
  await p.locator('#inv-email').fill(who.email);
  await p.locator('#inv-name').fill(who.name);
  if (scopeName) await p.locator('#inv-scope').selectOption({ label: scopeName });
  await p.locator('#inv-role').selectOption({ label: role });
  await p.getByRole('button', { name: '发送邀请' }).click();
  const link = p.locator('#setup-link');
  await link.waitFor({ timeout: 20_000 });
  const url = await link.inputValue();
  assert.match(url, new RegExp(`^${api.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/console/setup#token=[A-Za-z0-9_-]{20,}$`));
  return url;
}

/** Opens an invitation link in a fresh browser, sets the password: signed in, in the inbox. */
async function acceptInvitation(url, who) {
  const other = await launchChromium();
  watchProblems(other, problems);
  try {
    const p = await other.newPage();
    await p.goto(url);
    await p.getByRole('heading', { level: 1, name: '设置密码' }).waitFor({ timeout: 20_000 });
    await assertAccessible(p, 'the setup page');
    await p.locator('#setup-new').fill(who.password);
    await p.locator('#setup-again').fill(`${who.password}x`);
    await p.getByRole('button', { name: '设置密码并登录' }).click();
    await p.getByRole('alert').filter({ hasText: '两次输入的新密码不一致' }).waitFor();
    await p.locator('#setup-again').fill(who.password);
    await p.getByRole('button', { name: '设置密码并登录' }).click();
    await p.locator('.who .name').filter({ hasText: who.name }).waitFor({ timeout: 20_000 });
    assert.match(new URL(p.url()).pathname, /^\/console\/tickets/);
    // The link is single use.
    const again = await other.newPage();
    await again.goto(url);
    await again.locator('#setup-new').fill(who.password);
    await again.locator('#setup-again').fill(who.password);
    await again.getByRole('button', { name: '设置密码并登录' }).click();
    await again.getByRole('alert').filter({ hasText: '已经用过了' }).waitFor({ timeout: 20_000 });
  } finally {
    await other.close();
  }
}

before(async () => {
  const created = await fetch(`${api}/v1/auth/bootstrap`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(admin),
  });
  assert.ok(created.status === 201 || created.status === 409, `bootstrap answered ${created.status}`);
  fs.mkdirSync(outDir, { recursive: true });
  context = await launchChromium();
  watchProblems(context, problems);
});

after(async () => {
  await context?.close();
});

const merchantName = `设置测试店-${run}`;

test('the platform admin creates a merchant and invites its admin; the link sets a password and signs in', async () => {
  const p = await context.newPage();
  await signIn(p, admin.email, admin.password);
  await p.getByRole('link', { name: '设置', exact: true }).click();
  await p.getByRole('heading', { level: 1, name: '设置' }).waitFor({ timeout: 20_000 });
  await assertAccessible(p, 'the settings overview');
  await section(p, '商家');
  await p.getByRole('button', { name: '创建' }).click();
  await p.getByRole('alert').filter({ hasText: '请填写名称' }).waitFor();
  await p.locator('#merchant-name').fill(merchantName);
  await p.getByRole('button', { name: '创建' }).click();
  await p.locator('.row-card .name', { hasText: merchantName }).waitFor({ timeout: 20_000 });
  await assertAccessible(p, 'the merchants page');

  await section(p, '人员与邀请');
  const url = await invite(p, owner, merchantName, '管理员');
  await p.locator('.row-card', { hasText: owner.email }).getByText('待设置密码').waitFor({ timeout: 20_000 });
  await assertAccessible(p, 'the people page with a link');
  // The same e-mail twice: refused in words.
  await p.locator('#inv-email').fill(owner.email);
  await p.locator('#inv-name').fill('重复');
  await p.getByRole('button', { name: '发送邀请' }).click();
  await p.getByRole('alert').filter({ hasText: '这个邮箱已经有账号了' }).waitFor({ timeout: 20_000 });
  await acceptInvitation(url, owner);
  await p.reload();
  await p.locator('.row-card', { hasText: owner.email }).getByText('在职').waitFor({ timeout: 20_000 });
  await p.close();
  assert.deepEqual(problems, []);
});

test('a merchant admin invites an agent, makes a team and configures a site', async () => {
  const p = await context.newPage();
  await signIn(p, owner.email, owner.password);
  assert.equal(await p.locator('.who .scope').innerText(), `${merchantName} · 管理员`, 'the header names the merchant');
  await p.goto(`${console_}/settings`);
  const nav = p.getByRole('navigation', { name: '设置' });
  await nav.getByRole('link', { name: '站点' }).waitFor({ timeout: 20_000 });
  assert.equal(await nav.getByRole('link', { name: '商家' }).count(), 0, 'merchants are the platform\'s');

  await section(p, '人员与邀请');
  assert.deepEqual(await p.locator('#inv-scope option').allTextContents(), [merchantName], 'a merchant admin invites into their merchant only');
  await acceptInvitation(await invite(p, agent, null, '客服'), agent);
  await shots(p, 'people');

  await section(p, '团队');
  await p.locator('#team-name').fill('工程部');
  await p.getByRole('button', { name: '创建' }).click();
  const team = p.locator('section.team', { has: p.getByRole('heading', { name: '工程部' }) });
  await team.waitFor({ timeout: 20_000 });
  await team.getByLabel('添加成员').selectOption({ label: agent.name });
  await team.getByRole('button', { name: '添加' }).click();
  await team.getByRole('button', { name: `从团队移除 ${agent.name}` }).waitFor({ timeout: 20_000 });
  // The team's group: a webhook needs its secret (refused in words), then saved.
  await team.getByText('通知渠道', { exact: true }).click();
  const kindSelect = team.locator('select[id$="-kind"]');
  await kindSelect.selectOption('webhook');
  await team.locator('input[id$="-url"]').fill('https://hooks.settings.test/team');
  await team.getByRole('button', { name: '保存' }).click();
  await team.getByRole('alert').waitFor({ timeout: 20_000 });
  await team.locator('input[id$="-secret"]').fill('team-secret-0123456789');
  await team.getByRole('button', { name: '保存' }).click();
  await team.getByRole('status').filter({ hasText: '已保存' }).waitFor({ timeout: 20_000 });
  assert.equal(await team.locator('input[id$="-secret"]').inputValue(), '********', 'the secret is not shown back');
  await assertAccessible(p, 'the teams page');
  await shots(p, 'teams');

  await section(p, '站点');
  await p.getByText('新建站点').click();
  await p.locator('#site-key').fill(site);
  await p.locator('#site-name').fill('设置测试店');
  await p.locator('#site-origins').fill('https://shop.settings.test/');
  await p.getByRole('button', { name: '创建' }).click();
  await p.locator('#b-origins').waitFor({ timeout: 20_000 });
  assert.equal(await p.locator('#b-origins').inputValue(), 'https://shop.settings.test');
  assert.match(await p.locator('#embed').inputValue(), new RegExp(`data-site="${site}"`));

  // Destinations: a webhook with a secret; the secret comes back as stars and is kept.
  await p.getByRole('button', { name: '添加目的地' }).click();
  await p.locator('#d0-url').fill('https://hooks.settings.test/qingting');
  await p.getByRole('button', { name: '保存' }).nth(1).click();
  await p.getByRole('alert').filter({ hasText: '设置未保存' }).waitFor({ timeout: 20_000 });
  await p.locator('#d0-secret').fill('a-secret-of-twenty-chars');
  await p.getByRole('button', { name: '保存' }).nth(1).click();
  await p.getByRole('status').filter({ hasText: '已保存' }).first().waitFor({ timeout: 20_000 });
  await p.reload();
  await p.locator('#d0-secret').waitFor({ timeout: 20_000 });
  assert.equal(await p.locator('#d0-secret').inputValue(), '********');
  // A new URL with the secret left as shown: the stored secret is kept.
  await p.locator('#d0-url').fill('https://hooks.settings.test/qingting-v2');
  await p.getByRole('button', { name: '保存' }).nth(1).click();
  await p.getByRole('status').filter({ hasText: '已保存' }).first().waitFor({ timeout: 20_000 });

  // FAQ pack: not JSON, then a real one; thresholds: out of range, then saved.
  await p.locator('#faq-json').fill('{"id": ');
  await p.getByRole('button', { name: '保存' }).nth(2).click();
  await p.getByRole('alert').filter({ hasText: '不是有效的 JSON' }).waitFor({ timeout: 20_000 });
  const pack = { id: 'settings-pack', version: 1, entries: [{ id: 'shop-hours', kind: 'resolves', categories: ['other'], questions: { 'zh-CN': ['你们几点开门', '营业时间是什么时候', '晚上几点关门'] }, answer: { 'zh-CN': '本店每天 10:00–22:00 营业。（项目撰写的示例）' } }] };
  await p.locator('#faq-json').fill(JSON.stringify(pack));
  await p.getByRole('button', { name: '保存' }).nth(2).click();
  await p.getByText('正在使用本店答案包（1 条）').waitFor({ timeout: 20_000 });
  await p.locator('#thr-resolve').fill('0.3');
  await p.getByRole('button', { name: '保存' }).nth(3).click();
  await p.getByRole('alert').filter({ hasText: '阈值需在 0.5 到 1.0 之间' }).waitFor();
  await p.locator('#thr-resolve').fill('0.9');
  await p.getByRole('button', { name: '保存' }).nth(3).click();
  await p.locator('section', { has: p.getByRole('heading', { name: '自动回复阈值' }) }).getByRole('status').filter({ hasText: '已保存' }).waitFor({ timeout: 20_000 });
  await assertAccessible(p, 'a site\'s settings');
  await shots(p, 'site');

  // What the server stored.
  const login = await fetch(`${api}/v1/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Origin: api }, body: JSON.stringify({ email: owner.email, password: owner.password }),
  });
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const cfg = await (await fetch(`${api}/v1/admin/sites/${site}`, { headers: { Cookie: cookie } })).json();
  assert.deepEqual(cfg.destinations.map((d) => [d.id, d.kind, d.url, d.secret]), [['dest-1', 'webhook', 'https://hooks.settings.test/********', '********']], 'the path shown redacted');
  const stored = await (await fetch(`${api}/v1/admin/sites/${site}`, { headers: { Cookie: cookie } })).text();
  assert.ok(!stored.includes('qingting-v2'), 'a webhook path never comes back');
  assert.equal(cfg.thresholds.resolve, 0.9);
  assert.equal(cfg.faq_pack.entries[0].id, 'shop-hours');
  await p.close();
  assert.deepEqual(problems, []);
});

test('a merchant admin sets SLA hours and a routing rule (tried on a complaint first); the 接单 switch', async () => {
  const p = await context.newPage();
  await signIn(p, owner.email, owner.password);
  // The 接单 switch: off and on again, saved each time.
  const avail = p.getByRole('switch', { name: '接单' });
  await avail.waitFor({ timeout: 20_000 });
  assert.equal(await avail.isChecked(), true, 'available by default');
  for (const want of [false, true]) {
    const saved = p.waitForResponse((r) => r.url().endsWith('/v1/auth/availability') && r.request().method() === 'PUT');
    await avail.click();
    assert.equal((await (await saved).json()).available, want);
    assert.equal(await avail.isChecked(), want);
  }

  await p.goto(`${console_}/settings`);
  await section(p, '时效与营业时间');
  await p.getByText('尚未单独设置').waitFor({ timeout: 20_000 });
  assert.equal(await p.locator('#sla-first-1').inputValue(), '60', 'P2 answers within an hour by default');
  await p.locator('#sla-first-1').fill('0');
  await p.getByRole('button', { name: '保存', exact: true }).click();
  await p.getByRole('alert').filter({ hasText: '正整数' }).waitFor();
  await p.locator('#sla-first-1').fill('30');
  assert.equal(await p.locator('#sla-always').isChecked(), true, 'around the clock by default');
  await p.locator('#sla-always').uncheck();
  assert.equal(await p.locator('#sla-day-0').inputValue(), '09:00-18:00', 'office hours to start from');
  assert.equal(await p.locator('#sla-day-6').inputValue(), '', 'closed on Sunday');
  for (const day of [0, 1, 2, 3, 4]) await p.locator(`#sla-day-${day}`).fill('09:00-18:00');
  await p.locator('#sla-day-5').fill('10:00-26:00');
  await p.getByRole('button', { name: '保存', exact: true }).click();
  await p.getByRole('alert').filter({ hasText: '09:00-18:00' }).waitFor({ timeout: 20_000 });
  await p.locator('#sla-day-5').fill('10:00-16:00');
  await p.locator('#sla-holidays').fill('2026-10-01\n2026-10-02');
  await p.locator('#sla-workdays').fill('2026-10-10');
  await p.getByRole('button', { name: '保存', exact: true }).click();
  await p.getByRole('status').filter({ hasText: '已保存' }).waitFor({ timeout: 20_000 });
  await p.reload();
  await p.locator('#sla-first-1').waitFor({ timeout: 20_000 });
  assert.equal(await p.locator('#sla-first-1').inputValue(), '30', 'kept');
  assert.equal(await p.locator('#sla-day-5').inputValue(), '10:00-16:00');
  assert.equal(await p.locator('#sla-workdays').inputValue(), '2026-10-10', '调休 kept');
  assert.equal(await p.getByText('尚未单独设置').count(), 0, 'now the merchant\'s own');
  await assertAccessible(p, 'the SLA page');
  await shots(p, 'sla');

  await section(p, '分配规则');
  await p.getByRole('button', { name: '新建规则' }).click();
  await p.locator('#rule-name').fill('退款进工程部');
  await p.locator('#cond-value-0').fill('退款, 退钱');
  await p.locator('#act-kind-0').selectOption('team');
  await p.locator('#act-value-0').selectOption({ label: '工程部' });
  await p.locator('#rule-try').fill('我要退款，收到的东西是坏的');
  await p.getByRole('button', { name: '试一试' }).click();
  await p.locator('.verdict', { hasText: '会触发' }).waitFor({ timeout: 20_000 });
  await p.locator('#rule-try').fill('送餐太慢了，饭都凉了');
  await p.getByRole('button', { name: '试一试' }).click();
  await p.locator('.verdict', { hasText: '不会触发' }).waitFor({ timeout: 20_000 });
  await assertAccessible(p, 'the rule editor');
  await shots(p, 'rule-editor');
  await p.getByRole('button', { name: '完成编辑' }).click();
  await p.getByRole('button', { name: '保存规则' }).click();
  await p.getByRole('status').filter({ hasText: '已保存' }).waitFor({ timeout: 20_000 });
  await p.reload();
  const rule = p.locator('li.rule', { hasText: '退款进工程部' });
  await rule.waitFor({ timeout: 20_000 });
  assert.match(await rule.innerText(), /投诉内容包含 退款, 退钱[\s\S]*分给团队 工程部/);
  await assertAccessible(p, 'the rules page');
  await shots(p, 'rules');
  await p.close();
  assert.deepEqual(problems, []);
});

test('an agent sees only their account and the teams; a password change checks its fields; sign out everywhere', async () => {
  const p = await context.newPage();
  await signIn(p, agent.email, agent.password);
  await p.goto(`${console_}/settings`);
  const nav = p.getByRole('navigation', { name: '设置' });
  await nav.getByRole('link', { name: '我的账号' }).waitFor({ timeout: 20_000 });
  assert.deepEqual(await nav.getByRole('link').allTextContents(), ['我的账号', '团队']);
  await section(p, '我的账号');
  // Their own notification channel: a WeCom bot; its key is never shown back.
  await p.locator('#my-channel-kind').selectOption('wecom');
  await p.locator('#my-channel-url').fill('https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=e2e-secret-key');
  await p.locator('#my-channel-url').press('Enter');
  await p.getByRole('status').filter({ hasText: '已保存' }).waitFor({ timeout: 20_000 });
  await p.reload();
  await p.locator('#my-channel-url').waitFor({ timeout: 20_000 });
  assert.equal(await p.locator('#my-channel-kind').inputValue(), 'wecom');
  assert.equal(await p.locator('#my-channel-url').inputValue(), 'https://qyapi.weixin.qq.com/cgi-bin/webhook/********?key=********', 'the key hidden');
  await p.locator('#pw-current').fill('not-my-password');
  await p.locator('#pw-new').fill('short');
  await p.locator('#pw-new').press('Enter');
  await p.getByRole('alert').filter({ hasText: '10 到 128 个字符' }).waitFor();
  await p.locator('#pw-new').fill('agent-New-Passw0rd');
  await p.locator('#pw-again').fill('agent-New-Passw0rd');
  await p.locator('#pw-again').press('Enter');
  await p.getByRole('alert').filter({ hasText: '当前密码不正确' }).waitFor({ timeout: 20_000 });
  await p.locator('#pw-current').fill(agent.password);
  await p.locator('#pw-again').press('Enter');
  await p.getByRole('status').filter({ hasText: '密码已修改' }).waitFor({ timeout: 20_000 });
  await assertAccessible(p, 'the account page');
  await shots(p, 'account');
  // Signing out everywhere ends this session too: back to sign-in, and the old cookie is dead.
  await p.getByRole('button', { name: '退出所有设备' }).click();
  await p.locator('#email').waitFor({ timeout: 20_000 });
  assert.match(new URL(p.url()).pathname, /^\/console\/sign-in$/);
  await p.goto(`${console_}/settings/account`);
  await p.locator('#email').waitFor({ timeout: 20_000 });
  await p.close();
  assert.deepEqual(problems, []);
});
