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
} finally {
  await context.close();
}
