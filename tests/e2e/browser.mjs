// The one way the browser tests start Debian's Chromium: a fresh profile, headless, no network
// beyond this machine (localhost mapped to 127.0.0.1), 1280×800 unless a test resizes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

//
// Third-party storage: an ordinary Chrome profile allows it (partitioned per top-level site, as in
// Safari and Firefox), which the widget's panel frame uses for drafts and 我的投诉; this headless
// build starts with it denied, so the profile is given the ordinary setting (the widget's tests
// check the denied case separately, by making the frame's `localStorage` throw as Chromium does).
export async function launchChromium() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qt-chromium-'));
  fs.mkdirSync(path.join(dir, 'Default'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'Default', 'Preferences'), JSON.stringify({ profile: { cookie_controls_mode: 0, block_third_party_cookies: false } }));
  return chromium.launchPersistentContext(dir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    // The widget's panel is a cross-origin frame: with site-per-process it runs in a process of its
    // own, and Playwright's response events for such frames were seen to go missing now and then
    // (a `waitForResponse` timing out while the worker had answered). The same-origin policy and
    // storage partitioning, which the tests check, hold either way.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-site-isolation-trials',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--host-resolver-rules=MAP localhost 127.0.0.1'],
    viewport: { width: 1280, height: 800 },
  });
}

// Collects what must never happen on a console page: CSP violations, Rust panics, page errors.
export function watchProblems(context, problems) {
  context.on('page', (page) => {
    page.on('console', (m) => { if (/Content Security Policy|panicked/i.test(m.text())) problems.push(m.text()); });
    page.on('pageerror', (e) => problems.push(String(e)));
  });
}
