//! FAQ suggestions while the customer types: the site's compiled pack is fetched once, on the
//! first keystroke, then every match runs locally (no network per keystroke). "This solved my
//! problem" records a deflection (`POST /v1/events`); the submit path is never hidden.

use std::sync::Arc;

use gloo_net::http::Request;
use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use leptos::task::spawn_local;
use qingting_shared::Classifier;
use qingting_shared::faq::{FaqIndex, compiled};

use crate::Config;
use crate::i18n::ui;

/// Display threshold for suggestions while typing: an answer is shown from this score up (BM25 +
/// category prior squashed into [0, 1)). Set by hand, not measured; it only decides what the
/// customer is offered to read. The intake decision (auto-reply, acknowledge) uses the site's
/// measured `faq::Thresholds` on the server instead.
pub const SUGGEST_MIN: f32 = 0.5;
/// Quiet time after the last keystroke before matching.
const DEBOUNCE_MS: u32 = 120;

async fn fetch_index(cfg: &Config) -> Option<FaqIndex> {
    let url = format!("{}/v1/faq?site={}&lang={}", cfg.api.trim_end_matches('/'), cfg.site, cfg.lang.tag());
    let response = Request::get(&url).send().await.ok()?;
    if !response.ok() {
        return None;
    }
    let pack = compiled::read(&response.text().await.ok()?).ok()?;
    Some(FaqIndex::build(pack, Classifier::builtin().segmenter()))
}

/// Site keys and entry ids are `[a-z0-9_-]` (validated on both sides), so they go into the JSON
/// as they are; anything else is not sent. (No `{:?}` here: Debug formatting costs the widget KBs.)
fn plain_id(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn record_deflection(cfg: &Config, faq_id: &str) {
    if !plain_id(&cfg.site) || !plain_id(faq_id) {
        return;
    }
    let url = format!("{}/v1/events", cfg.api.trim_end_matches('/'));
    let body = format!("{{\"site\":\"{}\",\"event\":\"deflected\",\"faq_id\":\"{faq_id}\"}}", cfg.site);
    spawn_local(async move {
        // Best effort: a lost count must never get in the customer's way.
        if let Ok(req) = Request::post(&url).header("Content-Type", "application/json").body(body) {
            let _ = req.send().await;
        }
    });
}

/// The work done for one keystroke's suggestions (after the debounce): classify for the category
/// prior, then search. Shared by the component and the in-browser benchmark.
fn suggest(index: &FaqIndex, q: &str) -> Vec<qingting_shared::faq::FaqMatch> {
    let c = Classifier::builtin().classify(q);
    let prior = qingting_shared::faq::category_prior(&c);
    index.search(Classifier::builtin().segmenter(), q, &prior, 3).into_iter().filter(|m| m.score >= SUGGEST_MIN).collect()
}

/// For `cargo xtask bench-browser`: a FAQ index over a compiled pack, to time suggestions.
#[wasm_bindgen::prelude::wasm_bindgen]
pub struct SuggestBench(FaqIndex);

#[wasm_bindgen::prelude::wasm_bindgen]
impl SuggestBench {
    /// `undefined` when the pack does not parse.
    pub fn load(pack: &str) -> Option<SuggestBench> {
        Some(SuggestBench(FaqIndex::build(compiled::read(pack).ok()?, Classifier::builtin().segmenter())))
    }

    /// The number of suggestions for a text.
    pub fn run(&self, text: &str) -> usize {
        suggest(&self.0, text).len()
    }
}

#[derive(Clone, Debug, PartialEq)]
struct Suggestion {
    id: String,
    question: String,
    answer: String,
}

/// The suggestion list under the text box.
#[component]
pub fn Suggestions(
    /// The merchant's settings: the site's pack is fetched from `config.api`, in `config.lang`.
    config: StoredValue<Config>,
    /// The complaint text as typed; suggestions follow it 120 ms after the last keystroke.
    text: RwSignal<String>,
) -> impl IntoView {
    let lang = config.with_value(|c| c.lang);
    let ui = ui(lang);
    let index: RwSignal<Option<Arc<FaqIndex>>> = RwSignal::new(None);
    let query = RwSignal::new(String::new());
    let dismissed = RwSignal::new(false);
    let thanked = RwSignal::new(false);
    let pending: StoredValue<Option<Timeout>, LocalStorage> = StoredValue::new_local(None);

    // Fetched once, when the customer starts typing: not part of what opening the widget costs.
    let requested = StoredValue::new(false);
    Effect::new(move |_| {
        if !text.get().trim().is_empty() && !requested.get_value() {
            requested.set_value(true);
            spawn_local(async move {
                if let Some(i) = fetch_index(&config.get_value()).await {
                    index.set(Some(Arc::new(i)));
                }
            });
        }
    });

    // Debounce: match 120 ms after the last keystroke (dropping the old timer cancels it).
    Effect::new(move |_| {
        let t = text.get();
        let timer = Timeout::new(DEBOUNCE_MS, move || query.set(t));
        pending.set_value(Some(timer));
    });

    let suggestions = Memo::new(move |_| {
        let q = query.get();
        let Some(index) = index.get() else {
            return Vec::new();
        };
        if q.trim().chars().count() < 2 {
            return Vec::new();
        }
        suggest(&index, &q)
            .into_iter()
            .map(|m| {
                let e = &index.pack().entries[m.entry];
                let question = e.questions.get(lang).first().or(e.questions.zh_cn.first()).cloned().unwrap_or_default();
                Suggestion { id: e.id.clone(), question, answer: e.answer.get_or_default_lang(lang).to_string() }
            })
            .collect::<Vec<_>>()
    });

    // Memoised like `<Show when=…>` would, so the live region stays while the list changes
    // (`then` rather than `<Show>`: less code, see lib.rs).
    let shown = Memo::new(move |_| !dismissed.get() && !thanked.get() && !suggestions.get().is_empty());

    view! {
        {move || thanked.get().then(|| view! { <p class="qt-note qt-faq-thanks" role="status">{ui.faq_thanks}</p> })}
        {move || shown.get().then(|| view! {
            <div class="qt-faq" aria-live="polite">
                <p class="qt-faq-title">{ui.faq_title}</p>
                {move || suggestions.get().into_iter().map(|s| {
                        let id = s.id.clone();
                        view! {
                            <details class="qt-faq-item" data-faq=s.id.clone()>
                                <summary>{s.question.clone()}</summary>
                                <p class="qt-faq-answer">{s.answer.clone()}</p>
                                <div class="qt-faq-actions">
                                    <button type="button" class="qt-faq-solved" on:click=move |_| {
                                        config.with_value(|c| record_deflection(c, &id));
                                        thanked.set(true);
                                    }>{ui.faq_solved}</button>
                                    <button type="button" class="qt-faq-still" on:click=move |_| dismissed.set(true)>{ui.faq_still}</button>
                                </div>
                            </details>
                        }
                    }).collect_view()}
            </div>
        })}
    }
}
