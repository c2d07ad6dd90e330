// Qingting loader: the one script a merchant embeds.
//
//   <script src="https://HOST/widget/qingting.js" data-site="SITE_KEY" defer></script>
//   optional: data-lang="zh-CN|zh-TW|en", data-order="ORDER_ID", data-position="right|left",
//   data-keep-days="90" (how long 我的投诉 keeps a complaint in this browser, 1–365)
//
// It draws a launcher button in a shadow root on the page and shows the complaint panel in a
// frame served from Qingting's own origin (`/widget/panel?site=…`). What the customer types, the
// draft, the ticket ids and their tokens live in that frame and its origin's storage: this page's
// scripts can read none of it. The two talk with postMessage, each checking the other's origin and
// window; the page learns only open, close, the panel's height, the new ticket's number and how
// many replies are unread (for the launcher's badge). See ARCHITECTURE.md, "The frame boundary".
import css from './launcher.css';

(() => {
  const script = document.currentScript;
  if (!script || window.__qingting) return;
  window.__qingting = true;

  const api = new URL(script.src).origin;
  const data = script.dataset;
  const tag = (data.lang || document.documentElement.lang || navigator.language || 'zh-CN').toLowerCase();
  const lang = tag.startsWith('en') ? 'en' : /^zh.*(tw|hk|mo|hant)/.test(tag) ? 'zh-TW' : 'zh-CN';
  const words = {
    'zh-CN': ['投诉与反馈', '正在加载…', '加载失败，请检查网络后重试。', '重试', '条新消息'],
    'zh-TW': ['投訴與反饋', '正在載入…', '載入失敗，請檢查網路後重試。', '重試', '則新消息'],
    en: ['Feedback', 'Loading…', 'Could not load. Check your connection and try again.', 'Retry', 'new'],
  }[lang];

  const el = (name, props) => Object.assign(document.createElement(name), props);
  const host = el('div', { id: 'qingting-widget' });
  if (data.position === 'left') host.dataset.position = 'left';
  const root = host.attachShadow({ mode: 'open' });
  // A constructed stylesheet: no inline <style>, which a strict page CSP would block.
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
  } catch (e) {
    root.append(el('style', { textContent: css }));
  }
  const panelUrl = new URL('/widget/panel', api);
  panelUrl.search = new URLSearchParams({ site: data.site || '', lang, order: data.order || '', keep: data.keepDays || '', parent: location.origin }).toString();
  const frame = el('iframe', { className: 'qt-frame', id: 'qt-frame', title: words[0], hidden: true });
  frame.setAttribute('referrerpolicy', 'origin');
  const state = el('p', { className: 'qt-state', hidden: true });
  const launcher = el('button', { type: 'button', className: 'qt-launcher' });
  const label = el('span', { textContent: words[0] });
  const badge = el('span', { className: 'qt-badge', hidden: true });
  const count = el('span');
  badge.append(count, el('span', { className: 'qt-sr', textContent: ` ${words[4]}` }));
  launcher.append(label, badge);
  launcher.setAttribute('aria-expanded', 'false');
  launcher.setAttribute('aria-controls', frame.id);
  root.append(state, frame, launcher);

  let ready = false;
  let wanted = false;
  let timer = 0;
  const start = () => { if (!frame.src) frame.src = panelUrl.href; };
  const post = (type) => frame.contentWindow && frame.contentWindow.postMessage({ qingting: 1, type }, api);
  const show = () => {
    clearTimeout(timer);
    state.hidden = true;
    frame.hidden = false;
    post('open');
    frame.focus();
  };
  const fail = () => {
    state.className = 'qt-state qt-bad';
    state.setAttribute('role', 'alert');
    state.textContent = words[2];
    const retry = el('button', { type: 'button', textContent: words[3] });
    retry.onclick = () => { ready = false; frame.removeAttribute('src'); open(); };
    state.append(retry);
  };
  const open = () => {
    launcher.setAttribute('aria-expanded', 'true');
    if (ready) return show();
    wanted = true;
    state.className = 'qt-state';
    state.setAttribute('role', 'status');
    state.textContent = words[1];
    state.hidden = false;
    start();
    clearTimeout(timer);
    timer = setTimeout(fail, 15000);
  };
  const close = () => {
    wanted = false;
    frame.hidden = true;
    state.hidden = true;
    launcher.setAttribute('aria-expanded', 'false');
    launcher.focus();
  };

  // Only the frame's own window, from Qingting's origin, is listened to.
  window.addEventListener('message', (e) => {
    const m = e.data;
    if (e.source !== frame.contentWindow || e.origin !== api || !m || m.qingting !== 1) return;
    if (m.type === 'ready') {
      ready = true;
      if (wanted) { wanted = false; show(); }
    } else if (m.type === 'close') {
      close();
    } else if (m.type === 'size' && m.h > 0) {
      frame.style.height = `min(${Math.ceil(m.h)}px, calc(100vh - 96px))`;
    } else if (m.type === 'unread') {
      const n = Math.max(0, Math.min(99, m.n | 0));
      badge.hidden = n === 0;
      count.textContent = String(n);
    } else if (m.type === 'ticket' && typeof m.ticket_no === 'string') {
      host.dispatchEvent(new CustomEvent('qingting:ticket', { detail: { ticket_no: m.ticket_no.slice(0, 40) } }));
    }
  });

  launcher.addEventListener('click', () => (frame.hidden && state.hidden ? open() : close()));
  const early = () => { start(); post('preload'); };
  launcher.addEventListener('pointerenter', early, { once: true });
  launcher.addEventListener('focus', early, { once: true });
  root.addEventListener('keydown', (e) => { if (e.key === 'Escape' && !frame.hidden) close(); });

  // On <html>, not <body>: a transform on body would make fixed positioning relative to it.
  document.documentElement.append(host);
  // The frame (a small document and script; the WebAssembly app comes only on open) starts once
  // the page is idle, so the launcher's badge can show unread replies.
  const idle = window.requestIdleCallback || ((f) => setTimeout(f, 200));
  if (document.readyState === 'complete') idle(start);
  else window.addEventListener('load', () => idle(start), { once: true });
})();
