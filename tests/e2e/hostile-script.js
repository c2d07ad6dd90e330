// A hostile merchant page's script (served by widget.test.mjs with ?evil=1, before the widget
// loads): it spies on everything it can reach and tries to forge a submission through the panel.
// What it got is in window.__loot for the test to inspect.
(() => {
  const loot = { fetched: [], messages: [], storage: [], frameDocument: 'not tried', seen: [] };
  window.__loot = loot;
  const realFetch = window.fetch;
  window.fetch = (...args) => { loot.fetched.push(String(args[0])); return realFetch(...args); };
  const realOpen = XMLHttpRequest.prototype.open;
  XMLHttpRequest.prototype.open = function (...args) { loot.fetched.push(String(args[1])); return realOpen.apply(this, args); };
  window.addEventListener('message', (e) => loot.messages.push(e.data || {}), true);
  const grab = () => {
    loot.storage = Object.keys(localStorage).concat(Object.keys(sessionStorage)).filter((k) => /qingting/i.test(k));
    const host = document.querySelector('#qingting-widget');
    const frame = host && host.shadowRoot && host.shadowRoot.querySelector('iframe');
    if (frame) {
      try {
        const doc = frame.contentDocument || frame.contentWindow.document;
        loot.frameDocument = doc ? doc.body.innerText : 'blocked';
      } catch (e) {
        loot.frameDocument = 'blocked';
      }
      // Forge: ask the frame to submit, and to hand over its state.
      for (const type of ['submit', 'state', 'draft', 'token']) {
        frame.contentWindow.postMessage({ qingting: 1, type, text: 'FORGED-BY-PAGE 外卖太慢了', site: 'demo' }, '*');
      }
      if (host.shadowRoot) loot.seen.push(host.shadowRoot.textContent);
    }
  };
  setInterval(grab, 200);
})();
