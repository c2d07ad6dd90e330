// Qingting panel frame: the script of `/widget/panel?site=…` on Qingting's origin (worker/src/frame.rs
// serves the document with a CSP that lets only the site's own pages frame it).
//
// It answers the loader's messages (open, preload) from the parent window only, and only from the
// page's origin — the browser's word for it (`location.ancestorOrigins`) where it has one, else
// what the loader put in the address — and tells the page only: ready, close, the panel's height,
// a new ticket's number and the number of unread replies. The WebAssembly app (content-hashed
// names written in by `cargo xtask build` as __QT_APP__ / __QT_WASM__) is fetched on the first
// open or preload. On load it asks once for the kept tickets' status, for the launcher's badge.

(() => {
  const q = new URLSearchParams(location.search);
  const site = q.get('site') || '';
  const lang = q.get('lang') || 'zh-CN';
  const order = q.get('order') || '';
  // How long 我的投诉 keeps a complaint in this browser (the merchant's data-keep-days, 1–365).
  const keepDays = Math.min(365, Math.max(1, Math.floor(Number(q.get('keep'))) || 90));
  const api = location.origin;
  document.documentElement.lang = lang;
  const words = {
    'zh-CN': ['正在加载…', '加载失败，请检查网络后重试。', '重试'],
    'zh-TW': ['正在載入…', '載入失敗，請檢查網路後重試。', '重試'],
    en: ['Loading…', 'Could not load. Check your connection and try again.', 'Retry'],
  }[lang] || ['正在加载…', '加载失败，请检查网络后重试。', '重试'];

  const framed = window.parent !== window;
  const ancestors = location.ancestorOrigins;
  const parentOrigin = framed ? (ancestors && ancestors.length ? ancestors[0] : q.get('parent') || '') : '';
  const tell = (msg) => {
    if (framed && parentOrigin) window.parent.postMessage(Object.assign({ qingting: 1 }, msg), parentOrigin);
  };

  const root = document.getElementById('qt-root');
  let app = null;
  let mounted = false;
  const load = () =>
    (app ||= import(__QT_APP__)
      .then((m) => m.default({ module_or_path: new URL(__QT_WASM__, import.meta.url) }).then(() => m))
      .catch((e) => { app = null; throw e; }));
  const focusText = () => document.getElementById('qt-text')?.focus();
  const note = (cls, text) => {
    const p = document.createElement('p');
    p.className = cls;
    p.setAttribute('role', cls === 'qt-loading' ? 'status' : 'alert');
    p.textContent = text;
    root.replaceChildren(p);
    return p;
  };
  const open = async () => {
    if (mounted) return focusText();
    note('qt-loading', words[0]);
    try {
      const m = await load();
      if (mounted) return focusText();
      root.replaceChildren();
      m.mount(root, site, lang, order, api, keepDays);
      mounted = true;
      focusText();
    } catch (e) {
      const p = note('qt-load-error', words[1] + ' ');
      const retry = document.createElement('button');
      retry.type = 'button';
      retry.className = 'qt-secondary';
      retry.textContent = words[2];
      retry.onclick = open;
      p.append(retry);
    }
  };

  root.addEventListener('qingting-close', () => tell({ type: 'close' }));
  root.addEventListener('qingting-ticket', () => tell({ type: 'ticket', ticket_no: root.dataset.ticket || '' }));
  root.addEventListener('qingting-unread', () => tell({ type: 'unread', n: Number(root.dataset.unread) || 0 }));
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape') tell({ type: 'close' }); });
  window.addEventListener('message', (e) => {
    const m = e.data;
    if (!framed || e.source !== window.parent || e.origin !== parentOrigin || !m || m.qingting !== 1) return;
    if (m.type === 'open') open();
    else if (m.type === 'preload') load().catch(() => {});
  });
  if ('ResizeObserver' in window) {
    new ResizeObserver(() => tell({ type: 'size', h: document.body.scrollHeight })).observe(document.body);
  }

  // The launcher's badge: replies not yet seen, plus surveys waiting, over the kept tickets
  // (widget/src/space.rs: `id ␉ token ␉ ticket_no ␉ filed_ms ␉ seen` per line, kept `keepDays`).
  let kept = [];
  try {
    const raw = localStorage.getItem('qingting:tickets:' + site) || '';
    kept = raw.split('\n').map((l) => l.split('\t')).filter((f) => f.length === 5 && f[0] && f[1] && Date.now() - Number(f[3]) < keepDays * 864e5);
  } catch (e) { /* storage blocked: no badge */ }
  if (kept.length) {
    const seen = new Map(kept.map((f) => [f[0], Number(f[4]) || 0]));
    fetch(api + '/v1/complaints/status', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ tickets: kept.slice(0, 50).map((f) => ({ id: f[0], token: f[1] })) }),
    })
      .then((r) => (r.ok ? r.json() : null))
      .then((j) => {
        if (!j || !Array.isArray(j.tickets)) return;
        const n = j.tickets.reduce((a, t) => a + Math.max(0, (t.replies | 0) - (seen.get(t.id) || 0)) + (t.survey_open ? 1 : 0), 0);
        tell({ type: 'unread', n });
      })
      .catch(() => {});
  }

  tell({ type: 'ready' });
  // Opened on its own (not framed): the panel is the page.
  if (!framed) open();
})();
