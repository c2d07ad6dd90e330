//! Qingting's complaint widget: a leptos (CSR) app that the panel frame's script
//! (`widget/frame/panel.js`, in the frame on Qingting's origin that the loader `loader.js` shows
//! on the merchant's page) mounts on first open.
//!
//! Everything a customer sees while typing — live category and priority, the personal-data notice,
//! validation — comes from `qingting-shared`, the same code the worker runs.
//!
//! Parts: `panel` (the form, the receipt, the reply feedback, 我的投诉 and a ticket's page; state
//! shared by context), `faq` (suggestions), `submit` (idempotent retrying submission), `calls`
//! (the customer's space on the API), `draft` (the unsent draft and its idempotency key) and
//! `space` (the kept tickets), both plain data, `i18n` (words).
//!
//! Size: all of this is downloaded by every customer who opens the widget (the brotli budget is
//! in ARCHITECTURE.md; `cargo xtask sizes`). Measured rules: no `{:?}` or `expect_context` (Debug
//! formatting), no float formatting, no serde_json deserializer; no `<Show>` (a memoised bool and
//! `.then(…)` render the same, about 1 KB less for the widget's four uses); a `Memo` only where
//! the work is expensive or its readers must not re-render; one closure (or one function making
//! closures) for an attribute or event repeated on several elements.

use leptos::prelude::*;
use qingting_shared::Lang;
use wasm_bindgen::prelude::*;

mod calls;
mod draft;
mod faq;
mod i18n;
mod panel;
pub mod space;
mod submit;

/// What the merchant's script tag says.
#[derive(Clone, Debug)]
pub struct Config {
    pub site: String,
    pub lang: Lang,
    pub order: String,
    /// Base URL of the Qingting API (the origin the script was loaded from).
    pub api: String,
    /// How long 我的投诉 keeps a complaint in this browser (`data-keep-days`, 1–365).
    pub keep_days: u32,
}

/// Classifies a text exactly as the widget does while the customer types, returning
/// `{complaint, complaint_score, categories, primary, priority, top_tokens}`. Used by the browser
/// tests (browser and native builds must agree) and the in-browser benchmark.
#[wasm_bindgen(js_name = classify)]
pub fn classify_js(text: &str) -> JsValue {
    use js_sys::{Array, Object, Reflect};
    let c = qingting_shared::Classifier::builtin().classify(text);
    let strings = |items: Vec<String>| items.into_iter().map(JsValue::from).collect::<Array>();
    let obj = Object::new();
    let opt = |v: Option<&str>| v.map_or(JsValue::NULL, JsValue::from);
    let fields: [(&str, JsValue); 6] = [
        ("complaint", c.complaint.into()),
        ("complaint_score", f64::from(c.complaint_score).into()),
        ("categories", strings(c.categories.iter().map(|c| c.as_str().to_string()).collect()).into()),
        ("primary", opt(c.primary.as_ref().map(|p| p.as_str()))),
        ("priority", opt(c.priority.map(|p| p.as_str()))),
        ("top_tokens", strings(c.top_tokens).into()),
    ];
    for (k, v) in fields {
        let _ = Reflect::set(&obj, &JsValue::from_str(k), &v);
    }
    obj.into()
}

/// Mounts the widget into `container` (the frame document's `<main>`).
///
/// The panel tells the frame's script through events on the container (`qingting-close`,
/// `qingting-ticket` with `data-ticket`, `qingting-unread` with `data-unread`); the script passes
/// them to the page. The mount lives as long as the frame, so its handle is forgotten on purpose.
#[wasm_bindgen]
pub fn mount(container: web_sys::HtmlElement, site: String, lang: String, order: String, api: String, keep_days: u32) {
    let keep_days = if (1..=365).contains(&keep_days) { keep_days } else { qingting_shared::workflow::customer::KEEP_DAYS };
    let config = Config { site, lang: Lang::negotiate(&lang), order, api, keep_days };
    let host = container.clone();
    leptos::mount::mount_to(container, move || view! { <panel::Panel config=config host=host/> }).forget();
    // Build the dictionary and model (tens of milliseconds) right after the panel is painted,
    // not on the customer's first keystroke.
    gloo_timers::callback::Timeout::new(30, || {
        qingting_shared::Classifier::builtin();
    })
    .forget();
}
