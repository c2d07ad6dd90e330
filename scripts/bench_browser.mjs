// In-browser classification benchmark: the widget's WebAssembly build in Debian Chromium, timed
// with performance.now() over 1,000 real texts (waimai_10k dev). Prints a table.
//
//   cargo xtask bench-browser     (starts the local worker, sets QT_BASE_URL)
//
// Chromium coarsens performance.now() (100 µs without cross-origin isolation), so each text is
// classified REPEAT times in a loop and the loop's time divided: per-text means, then p50/p95.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const root = path.resolve(import.meta.dirname, '..');
const api = process.env.QT_BASE_URL;
if (!api) throw new Error('run through `cargo xtask bench-browser`');
const REPEAT = 50;
const texts = fs.readFileSync(path.join(root, 'target/data/complaint_dev.jsonl'), 'utf8')
  .trim().split('\n').slice(0, 1000).map((l) => JSON.parse(l).text);

const context = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(os.tmpdir(), 'qt-bench-')), {
  executablePath: '/usr/bin/chromium', headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await context.newPage();
  await page.goto(`${api}/demo/`);
  const r = await page.evaluate(async ({ api, texts, REPEAT }) => {
    const t0 = performance.now();
    const names = await (await fetch(`${api}/widget/manifest.json`)).json();
    const m = await import(`${api}/widget/${names.app}`);
    await m.default({ module_or_path: `${api}/widget/${names.wasm}` });
    const t1 = performance.now();
    m.classify('预热');
    const t2 = performance.now();
    const per = [];
    for (const t of texts) {
      const s = performance.now();
      for (let i = 0; i < REPEAT; i++) m.classify(t);
      per.push(((performance.now() - s) * 1000) / REPEAT);
    }
    per.sort((a, b) => a - b);
    const q = (p) => per[Math.min(per.length - 1, Math.floor(p * per.length))];
    // Suggestions for one keystroke (after the debounce): classify + FAQ search over the site pack.
    const pack = await (await fetch(`${api}/v1/faq?site=demo&lang=zh-CN`)).text();
    const bench = m.SuggestBench.load(pack);
    const sug = [];
    for (const t of texts) {
      const s = performance.now();
      for (let i = 0; i < 10; i++) bench.run(t);
      sug.push(((performance.now() - s) * 1000) / 10);
    }
    sug.sort((a, b) => a - b);
    const qs = (p) => sug[Math.min(sug.length - 1, Math.floor(p * sug.length))];
    return { load: t1 - t0, first: t2 - t1, p50: q(0.5), p95: q(0.95), max: per[per.length - 1], n: per.length, s50: qs(0.5), s95: qs(0.95) };
  }, { api, texts, REPEAT });
  const chars = texts.reduce((a, t) => a + t.length, 0) / texts.length;
  console.log(`\n## Classification in Chromium (widget WebAssembly build, ${r.n} waimai_10k dev texts, mean ${chars.toFixed(0)} characters)\n`);
  console.log('| measure | value |');
  console.log('|---|---:|');
  console.log(`| module fetch + instantiate (localhost) | ${r.load.toFixed(1)} ms |`);
  console.log(`| first classify (builds dictionary and model) | ${r.first.toFixed(1)} ms |`);
  console.log(`| classify p50 | ${r.p50.toFixed(1)} µs |`);
  console.log(`| classify p95 | ${r.p95.toFixed(1)} µs |`);
  console.log(`| classify max | ${r.max.toFixed(1)} µs |`);
  console.log(`| suggestions for a keystroke (classify + FAQ search), p50 | ${(r.s50 / 1000).toFixed(2)} ms |`);
  console.log(`| suggestions for a keystroke, p95 | ${(r.s95 / 1000).toFixed(2)} ms |`);

  // Open to interactive: the panel's document (the frame the loader shows; opened on its own it
  // mounts at once, the same code path as the loader's "open") until the form's text field is
  // focusable — cold (nothing cached) and warm (the app cached, as after the loader's hover
  // prefetch or an earlier visit). Then the launcher's update check: the one status request the
  // frame makes on page load for three kept tickets.
  const panelUrl = `${api}/widget/panel?site=demo&lang=zh-CN`;
  const openTimes = [];
  const launch = () => chromium.launchPersistentContext(fs.mkdtempSync(path.join(os.tmpdir(), 'qt-bench-open-')), {
    executablePath: '/usr/bin/chromium', headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  const opener = await launch();
  try {
    for (let i = 0; i < 6; i++) {
      const p = await opener.newPage();
      const t0 = Date.now();
      await p.goto(panelUrl);
      await p.locator('#qt-text').waitFor({ state: 'visible', timeout: 30_000 });
      openTimes.push(Date.now() - t0);
      await p.close();
    }
  } finally {
    await opener.close();
  }
  const warm = openTimes.slice(1).sort((a, b) => a - b);
  const p = await context.newPage();
  await p.goto(panelUrl);
  await p.locator('#qt-text').waitFor();
  const badge = await p.evaluate(async (api) => {
    const kept = [];
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${api}/v1/complaints`, {
        method: 'POST', headers: { 'Content-Type': 'application/json', 'Idempotency-Key': `bench-badge-${Date.now()}-${i}` },
        body: JSON.stringify({ site: 'demo', text: `外卖送晚了一个小时 BENCH-${i}` }),
      });
      const j = await r.json();
      kept.push({ id: j.id, token: j.access_token });
    }
    const times = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const r = await fetch(`${api}/v1/complaints/status`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ tickets: kept }) });
      await r.json();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return { p50: times[10], p95: times[19] };
  }, api);
  await p.close();
  console.log(`\n## Opening the panel in Chromium (localhost)\n`);
  console.log('| measure | value |');
  console.log('|---|---:|');
  console.log(`| open to interactive, cold (document + script + CSS + app, nothing cached) | ${openTimes[0]} ms |`);
  console.log(`| open to interactive, warm (app cached), median of 5 | ${warm[2]} ms |`);
  console.log(`| launcher's update check (POST /v1/complaints/status, 3 tickets), p50 | ${badge.p50.toFixed(1)} ms |`);
  console.log(`| launcher's update check, p95 of 20 | ${badge.p95.toFixed(1)} ms |`);
} finally {
  await context.close();
}
