// Qingting loader: the one script a merchant embeds.
//
//   <script src="https://HOST/widget/qingting.js" data-site="SITE_KEY" defer></script>
//   optional: data-lang="zh-CN|zh-TW|en", data-order="ORDER_ID", data-position="right|left"
//
// It draws a launcher button in a shadow root and fetches the WebAssembly app (beside this file,
// under content-hashed names that `cargo xtask build` writes in as __QT_APP__ / __QT_WASM__) only
// when the customer first opens it; hovering or focusing the button starts the download early.
import css from './widget.css';

(() => {
  const script = document.currentScript;
  if (!script || window.__qingting) return;
  window.__qingting = true;

  const base = new URL('.', script.src).href;
  const api = new URL(script.src).origin;
  const data = script.dataset;
  const tag = (data.lang || document.documentElement.lang || navigator.language || 'zh-CN').toLowerCase();
  const lang = tag.startsWith('en') ? 'en' : /^zh.*(tw|hk|mo|hant)/.test(tag) ? 'zh-TW' : 'zh-CN';
  const words = {
    'zh-CN': ['投诉与反馈', '正在加载…', '加载失败，请检查网络后重试。', '重试'],
    'zh-TW': ['投訴與反饋', '正在載入…', '載入失敗，請檢查網路後重試。', '重試'],
    en: ['Feedback', 'Loading…', 'Could not load. Check your connection and try again.', 'Retry'],
  }[lang];

  const host = document.createElement('div');
  host.id = 'qingting-widget';
  if (data.position === 'left') host.dataset.position = 'left';
  const root = host.attachShadow({ mode: 'open' });
  const style = document.createElement('style');
  style.textContent = css;
  const panel = document.createElement('div');
  panel.className = 'qt-panel-host';
  panel.id = 'qt-panel-host';
  panel.hidden = true;
  const launcher = document.createElement('button');
  launcher.type = 'button';
  launcher.className = 'qt-launcher';
  launcher.setAttribute('aria-expanded', 'false');
  launcher.setAttribute('aria-controls', panel.id);
  launcher.textContent = words[0];
  root.append(style, panel, launcher);

  let app = null;
  let mounted = false;
  const load = () =>
    (app ||= import(base + __QT_APP__)
      .then((m) => m.default({ module_or_path: base + __QT_WASM__ }).then(() => m))
      .catch((e) => { app = null; throw e; }));

  const focusText = () => root.getElementById('qt-text')?.focus();
  const close = () => {
    panel.hidden = true;
    launcher.setAttribute('aria-expanded', 'false');
    launcher.focus();
  };
  const open = async () => {
    panel.hidden = false;
    launcher.setAttribute('aria-expanded', 'true');
    if (mounted) return focusText();
    panel.innerHTML = '';
    const note = document.createElement('p');
    note.className = 'qt-loading';
    note.setAttribute('role', 'status');
    note.textContent = words[1];
    panel.append(note);
    try {
      const m = await load();
      if (mounted) return focusText(); // opened twice while loading: mount once
      panel.innerHTML = '';
      m.mount(panel, data.site || '', lang, data.order || '', api);
      mounted = true;
      focusText();
    } catch (e) {
      note.className = 'qt-load-error';
      note.setAttribute('role', 'alert');
      note.textContent = words[2] + ' ';
      const retry = document.createElement('button');
      retry.type = 'button';
      retry.className = 'qt-secondary';
      retry.textContent = words[3];
      retry.onclick = open;
      note.append(retry);
    }
  };

  launcher.addEventListener('click', () => (panel.hidden ? open() : close()));
  launcher.addEventListener('pointerenter', () => load().catch(() => {}), { once: true });
  launcher.addEventListener('focus', () => load().catch(() => {}), { once: true });
  panel.addEventListener('qingting-close', close);
  root.addEventListener('keydown', (e) => { if (e.key === 'Escape' && !panel.hidden) close(); });

  const attach = () => document.body.append(host);
  if (document.body) attach();
  else document.addEventListener('DOMContentLoaded', attach);
})();
