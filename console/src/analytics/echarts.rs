//! Apache ECharts, driven from Rust, and the dashboard's stylesheet. Both are fetched only when the
//! dashboard mounts, never on the console's first load: ECharts is `/console/vendor/echarts.min.js`
//! (the pinned npm package, copied by `cargo xtask build`), one `<script src>` (the page's CSP
//! allows its own scripts; no inline script, no `eval`); the CSS is `analytics.css` beside the
//! console's own (`app/<hash>/`). Each [`EChart`] is `echarts.init(el, null, {renderer: "svg"})`,
//! `setOption` with the JSON of `options`, a click handler that follows the clicked bar's or
//! point's link, `resize` on window resizes and `dispose` when it goes.
//!
//! The loads report through callbacks rather than promises, and the DOM calls are ones the
//! console's glue already imports: every JS import is glue in the first load.

use std::cell::{Cell, RefCell};

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// Where the build puts the library.
const SRC: &str = "/console/vendor/echarts.min.js";

#[wasm_bindgen]
extern "C" {
    /// An ECharts instance.
    #[derive(Clone)]
    type Instance;

    #[wasm_bindgen(js_namespace = echarts, js_name = init)]
    fn init(el: &web_sys::Element, theme: &JsValue, opts: &JsValue) -> Instance;

    #[wasm_bindgen(method, js_name = setOption)]
    fn set_option(this: &Instance, option: &JsValue, not_merge: bool);

    #[wasm_bindgen(method)]
    fn on(this: &Instance, event: &str, handler: &js_sys::Function);

    #[wasm_bindgen(method)]
    fn resize(this: &Instance);

    #[wasm_bindgen(method)]
    fn dispose(this: &Instance);
}

/// What waits for a load: called with whether it worked.
type Waiter = Box<dyn FnOnce(bool)>;

/// A chart's click handler, kept as long as the chart.
type ClickHandler = Closure<dyn FnMut(JsValue)>;

/// One file the page needs, loaded once: whether it is there, who waits for it.
#[derive(Default)]
struct Load {
    /// `Some(true)` once loaded (a failure is forgotten: the next visit tries again).
    done: Cell<Option<bool>>,
    started: Cell<bool>,
    waiting: RefCell<Vec<Waiter>>,
}

impl Load {
    /// Calls `then` once the file is loaded (`true`) or failed (`false`); `start` fetches it
    /// (once), reporting to `finish`.
    fn when(&self, then: impl FnOnce(bool) + 'static, start: fn()) {
        if let Some(ok) = self.done.get() {
            return then(ok);
        }
        self.waiting.borrow_mut().push(Box::new(then));
        if !self.started.replace(true) {
            start();
        }
    }

    fn finish(&self, ok: bool) {
        self.done.set(ok.then_some(true));
        self.started.set(ok);
        let waiting = std::mem::take(&mut *self.waiting.borrow_mut());
        for then in waiting {
            then(ok);
        }
    }
}

thread_local! {
    static SCRIPT: Load = Load::default();
    static STYLES: Load = Load::default();
}

/// Calls `then` once ECharts is loaded (`false`: it could not be: offline, blocked).
pub fn when_ready(then: impl FnOnce(bool) + 'static) {
    SCRIPT.with(|l| l.when(then, || append("script", "src", SRC, |ok| SCRIPT.with(|l| l.finish(ok)))));
}

/// Calls `then` once the dashboard's stylesheet is applied (or failed: the page shows anyway).
pub fn when_styled(then: impl FnOnce(bool) + 'static) {
    STYLES.with(|l| {
        l.when(then, || {
            // Beside the console's own stylesheet (`index.html`'s `#qt-css`), in the same `app/<hash>/`.
            let href = document().get_element_by_id("qt-css").and_then(|l| l.get_attribute("href")).map(|h| h.replace("console.css", "analytics.css"));
            match href {
                Some(href) => append("link", "href", &href, |ok| STYLES.with(|l| l.finish(ok))),
                None => STYLES.with(|l| l.finish(false)),
            }
        })
    });
}

/// Appends `<tag attr=url>` (a stylesheet link gets `rel`) to `<body>` and reports its `load` or
/// `error` event.
fn append(tag: &str, attr: &str, url: &str, report: fn(bool)) {
    let doc = document();
    let (Ok(el), Some(body)) = (doc.create_element(tag), doc.body()) else { return report(false) };
    if tag == "link" {
        let _ = el.set_attribute("rel", "stylesheet");
    }
    let _ = el.set_attribute(attr, url);
    for (event, ok) in [("load", true), ("error", false)] {
        let el2 = el.clone();
        let listener = Closure::once_into_js(move || {
            if !ok {
                el2.remove();
            }
            report(ok);
        });
        let _ = el.add_event_listener_with_callback(event, listener.unchecked_ref());
    }
    let _ = body.insert_before(&el, None);
}

/// A chart's option and where its clicks lead.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChartSpec {
    /// The ECharts option as JSON.
    pub option: String,
    /// The inbox address of each data index of the series (empty: not clickable).
    pub links: Vec<String>,
    /// The inbox address of each mark point (spikes on the volume line).
    pub marks: Vec<String>,
}

/// The link a click event (`{componentType, dataIndex}`) stands for.
fn picked(event: &JsValue, spec: &ChartSpec) -> Option<String> {
    let get = |k: &str| js_sys::Reflect::get(event, &JsValue::from_str(k)).ok();
    let index = get("dataIndex")?.as_f64()? as usize;
    let list = match get("componentType")?.as_string()?.as_str() {
        "series" => &spec.links,
        "markPoint" => &spec.marks,
        _ => return None,
    };
    list.get(index).filter(|l| !l.is_empty()).cloned()
}

/// One chart. The element is an image named `label` for assistive technology; its numbers (and
/// links) are in the data table the caller puts beside it.
#[component]
pub fn EChart(spec: Signal<ChartSpec>, #[prop(into)] label: Signal<String>, #[prop(optional)] tall: bool) -> impl IntoView {
    let node = NodeRef::<leptos::html::Div>::new();
    let chart = StoredValue::new_local(None::<Instance>);
    let handler = StoredValue::new_local(None::<ClickHandler>);
    let current = StoredValue::new(ChartSpec::default());
    let navigate = use_navigate();
    Effect::new(move |_| {
        let s = spec.get();
        let option = s.option.clone();
        current.set_value(s);
        let Some(el) = node.get() else { return };
        let navigate = navigate.clone();
        when_ready(move |loaded| {
            if loaded {
                when_laid_out(el.clone().into(), 120, move || draw(&el, chart, handler, current, navigate, &option));
            }
        });
    });
    let resizing = window_event_listener(leptos::ev::resize, move |_| {
        chart.with_value(|c| {
            if let Some(c) = c {
                c.resize();
            }
        })
    });
    on_cleanup(move || {
        resizing.remove();
        chart.try_update_value(|c| {
            if let Some(c) = c.take() {
                c.dispose();
            }
        });
        handler.try_update_value(|h| h.take());
    });
    view! { <div class="chart" class:tall=tall node_ref=node role="img" aria-label=label></div> }
}

/// Calls `then` once `el` has a width (ECharts sizes itself by its element when it starts): a view
/// under `Transition` is built before it is put in the page. Gives up waiting after `frames`.
fn when_laid_out(el: web_sys::Element, frames: u32, then: impl FnOnce() + 'static) {
    if frames == 0 || el.client_width() > 0 {
        return then();
    }
    request_animation_frame(move || when_laid_out(el, frames - 1, then));
}

/// Starts the chart in `el` (once) and gives it `option`, unless it was removed meanwhile (another
/// view replaced this one).
fn draw(
    el: &web_sys::HtmlDivElement,
    chart: StoredValue<Option<Instance>, LocalStorage>,
    handler: StoredValue<Option<ClickHandler>, LocalStorage>,
    current: StoredValue<ChartSpec>,
    navigate: impl Fn(&str, NavigateOptions) + 'static,
    option: &str,
) {
    let Some(existing) = chart.try_with_value(Clone::clone) else { return };
    let instance = existing.unwrap_or_else(|| {
        let opts = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&opts, &JsValue::from_str("renderer"), &JsValue::from_str("svg"));
        let c = init(el, &JsValue::NULL, &opts);
        let click = ClickHandler::new(move |event: JsValue| {
            if let Some(href) = current.try_with_value(|s| picked(&event, s)).flatten() {
                navigate(&href, NavigateOptions { resolve: false, ..Default::default() });
            }
        });
        c.on("click", click.as_ref().unchecked_ref());
        handler.set_value(Some(click));
        chart.set_value(Some(c.clone()));
        c
    });
    if let Ok(option) = js_sys::JSON::parse(option) {
        instance.set_option(&option, true);
    }
}
