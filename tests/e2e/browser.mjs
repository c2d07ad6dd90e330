// The one way the browser tests start Debian's Chromium: a fresh profile, headless, no network
// beyond this machine (localhost mapped to 127.0.0.1), 1280×800 unless a test resizes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export async function launchChromium() {
  return chromium.launchPersistentContext(fs.mkdtempSync(path.join(os.tmpdir(), 'qt-chromium-')), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
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
