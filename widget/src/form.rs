//! The complaint panel: the form, the live classification, the receipt.

use leptos::prelude::*;
use leptos::task::spawn_local;
use qingting_shared::api::ComplaintReceipt;
use qingting_shared::classify::Classifier;
use qingting_shared::complaint::{ClientHint, MAX_TEXT_CHARS, validate_text};
use qingting_shared::mask::mask_pii;
use qingting_shared::text::char_len;
use qingting_shared::{ComplaintSubmission, Taxonomy, ValidationError};

use crate::Config;
use crate::i18n::{Ui, ui};
use crate::submit::{SubmitError, submit};

/// Where the panel is.
#[derive(Clone, Debug, PartialEq)]
enum Stage {
    Editing,
    Submitting,
    Failed(String),
    Done(ComplaintReceipt),
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn draft_key(site: &str) -> String {
    format!("qingting:draft:{site}")
}

fn new_idempotency_key() -> String {
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.random_uuid())
        .unwrap_or_else(|| format!("qt-{}", js_sys::Date::now() as u64))
}

fn error_words(ui: &Ui, e: &SubmitError) -> String {
    match e {
        SubmitError::Network => ui.err_network.to_string(),
        SubmitError::Unavailable(_) => ui.err_server.to_string(),
        SubmitError::Rejected { code, message } => match code.as_str() {
            "text_empty" => ui.err_text_empty.to_string(),
            "text_too_long" => ui.err_text_too_long.to_string(),
            "origin_not_allowed" => ui.err_origin.to_string(),
            "unknown_site" | "invalid_site" => ui.err_site.to_string(),
            _ => format!("{}{message}", ui.err_invalid),
        },
    }
}

#[component]
pub fn Panel(config: Config, host: web_sys::HtmlElement) -> impl IntoView {
    let ui = ui(config.lang);
    let lang = config.lang;
    let taxonomy = StoredValue::new(Taxonomy::default_taxonomy());
    let saved = storage().and_then(|s| s.get_item(&draft_key(&config.site)).ok().flatten()).unwrap_or_default();
    let restored = !saved.trim().is_empty();
    let text = RwSignal::new(saved);
    let order = RwSignal::new(config.order.clone());
    let contact = RwSignal::new(String::new());
    let stage = RwSignal::new(Stage::Editing);
    // The idempotency key belongs to one draft's content: same content, same key.
    let pending_key: RwSignal<Option<(String, String)>> = RwSignal::new(None);
    let config = StoredValue::new(config);

    let classification = Memo::new(move |_| Classifier::builtin().classify(&text.get()));
    let count = Memo::new(move |_| char_len(text.get().trim()));
    let count_class = move || if count.get() > MAX_TEXT_CHARS { "qt-count qt-over" } else { "qt-count" };
    let has_pii = Memo::new(move |_| !mask_pii(&text.get()).found.is_empty());

    let on_text = move |ev| {
        let value = event_target_value(&ev);
        if let Some(s) = storage() {
            let _ = s.set_item(&draft_key(&config.with_value(|c| c.site.clone())), &value);
        }
        text.set(value);
    };

    let send = move || {
        if stage.get_untracked() == Stage::Submitting {
            return;
        }
        let body_text = text.get_untracked();
        if let Err(e) = validate_text(&body_text) {
            let words = match e {
                ValidationError::TextEmpty => ui.err_text_empty.to_string(),
                ValidationError::TextTooLong { .. } => ui.err_text_too_long.to_string(),
                other => format!("{}{other}", ui.err_invalid),
            };
            stage.set(Stage::Failed(words));
            return;
        }
        let c = classification.get_untracked();
        let cfg = config.get_value();
        let body = ComplaintSubmission {
            site: Some(cfg.site.clone()),
            text: Some(body_text),
            order_id: Some(order.get_untracked()),
            contact: Some(contact.get_untracked()),
            lang: Some(cfg.lang.tag().to_string()),
            client: Some(ClientHint {
                category: c.primary.map(|p| p.as_str().to_string()),
                priority: c.priority.map(|p| p.as_str().to_string()),
            }),
        };
        let content = [body.text.as_deref(), body.order_id.as_deref(), body.contact.as_deref()].map(|f| f.unwrap_or("")).join("\u{1f}");
        let key = match pending_key.get_untracked() {
            Some((k_content, key)) if k_content == content => key,
            _ => {
                let key = new_idempotency_key();
                pending_key.set(Some((content, key.clone())));
                key
            }
        };
        stage.set(Stage::Submitting);
        spawn_local(async move {
            match submit(&cfg.api, &key, &body).await {
                Ok(receipt) => {
                    if let Some(s) = storage() {
                        let _ = s.remove_item(&draft_key(&cfg.site));
                    }
                    pending_key.set(None);
                    stage.set(Stage::Done(receipt));
                }
                Err(e) => stage.set(Stage::Failed(error_words(ui, &e))),
            }
        });
    };

    let reset = move |_| {
        text.set(String::new());
        contact.set(String::new());
        stage.set(Stage::Editing);
    };
    let close = move |_| {
        if let Ok(ev) = web_sys::Event::new("qingting-close") {
            let _ = host.dispatch_event(&ev);
        }
    };

    let live = move || {
        let c = classification.get();
        if text.get().trim().is_empty() {
            return String::new();
        }
        match (c.complaint, &c.primary, c.priority) {
            (true, Some(p), Some(prio)) => {
                let mut s = format!("{} · {} {}", taxonomy.with_value(|t| t.name(p, lang).to_string()), ui.priority_label, prio.label(lang));
                if !c.top_tokens.is_empty() {
                    s.push_str(&format!(" · {}{}", ui.because, c.top_tokens.iter().take(3).cloned().collect::<Vec<_>>().join(ui.list_sep)));
                }
                s
            }
            _ => ui.not_complaint.to_string(),
        }
    };

    view! {
        <section class="qt-panel" role="dialog" aria-labelledby="qt-title">
            <header class="qt-head">
                <h2 id="qt-title">{ui.title}</h2>
                <button type="button" class="qt-close" aria-label=ui.close on:click=close>"×"</button>
            </header>
            {move || match stage.get() {
                Stage::Done(receipt) => view! {
                    <div class="qt-done" role="status">
                        <p class="qt-done-title">{ui.received_title}</p>
                        <dl>
                            <dt>{ui.ticket_label}</dt>
                            <dd class="qt-ticket">{receipt.ticket_no.to_string()}</dd>
                            <dt>{ui.status_label}</dt>
                            <dd class="qt-status">{receipt.status.label(lang)}</dd>
                            <dt>{ui.category_label}</dt>
                            <dd>{receipt.category.as_ref().map(|c| taxonomy.with_value(|t| t.name(c, lang).to_string())).unwrap_or_else(|| "—".into())}</dd>
                        </dl>
                        <button type="button" class="qt-secondary" on:click=reset>{ui.new_complaint}</button>
                    </div>
                }.into_any(),
                current => view! {
                    <form class="qt-form" novalidate on:submit=move |ev| { ev.prevent_default(); send(); }>
                        {(restored && current == Stage::Editing).then(|| view! { <p class="qt-note">{ui.draft_restored}</p> })}
                        <label for="qt-text">{ui.text_label}</label>
                        <textarea id="qt-text" name="text" rows="5" maxlength=MAX_TEXT_CHARS.to_string()
                            placeholder=ui.text_placeholder aria-describedby="qt-count qt-live"
                            prop:value=move || text.get() on:input=on_text></textarea>
                        <div class="qt-row">
                            <span id="qt-live" class="qt-live" aria-live="polite">
                                {move || { let l = live(); (!l.is_empty()).then(|| format!("{}：{}", ui.live_label, l)) }}
                            </span>
                            <span id="qt-count" class=count_class>
                                {move || format!("{}/{}", count.get(), MAX_TEXT_CHARS)}
                            </span>
                        </div>
                        <Show when=move || has_pii.get()>
                            <p class="qt-note">{ui.pii_notice}</p>
                        </Show>
                        <label for="qt-order">{ui.order_label}</label>
                        <input id="qt-order" name="order" type="text" autocomplete="off" maxlength="64"
                            prop:value=move || order.get() on:input=move |ev| order.set(event_target_value(&ev))/>
                        <label for="qt-contact">{ui.contact_label}</label>
                        <input id="qt-contact" name="contact" type="text" autocomplete="tel" maxlength="100"
                            placeholder=ui.contact_placeholder
                            prop:value=move || contact.get() on:input=move |ev| contact.set(event_target_value(&ev))/>
                        {match &current {
                            Stage::Failed(words) => Some(view! { <p class="qt-error" role="alert">{words.clone()}</p> }),
                            _ => None,
                        }}
                        <button type="submit" class="qt-submit" disabled=matches!(current, Stage::Submitting)>
                            {match current {
                                Stage::Submitting => ui.submitting,
                                Stage::Failed(_) => ui.retry,
                                _ => ui.submit,
                            }}
                        </button>
                    </form>
                }.into_any(),
            }}
        </section>
    }
}
