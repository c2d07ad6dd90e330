//! Qingting's complaint widget: a leptos (CSR) app that the loader script (`loader.js`) mounts
//! into its shadow root on first open.
//!
//! Everything a customer sees while typing — live category and priority, the personal-data notice,
//! validation — comes from `qingting-shared`, the same code the worker runs.

use leptos::prelude::*;
use qingting_shared::Lang;
use wasm_bindgen::prelude::*;

mod form;
mod i18n;
mod submit;

/// What the merchant's script tag says.
#[derive(Clone, Debug)]
pub struct Config {
    pub site: String,
    pub lang: Lang,
    pub order: String,
    /// Base URL of the Qingting API (the origin the script was loaded from).
    pub api: String,
}

/// Mounts the widget into `container` (a `<div>` inside the loader's shadow root).
///
/// The close button dispatches a `qingting-close` event on the container; the loader hides the
/// panel. The mount lives as long as the page, so its handle is forgotten on purpose.
#[wasm_bindgen]
pub fn mount(container: web_sys::HtmlElement, site: String, lang: String, order: String, api: String) {
    let config = Config { site, lang: Lang::negotiate(&lang), order, api };
    let host = container.clone();
    leptos::mount::mount_to(container, move || view! { <form::Panel config=config host=host/> }).forget();
}
