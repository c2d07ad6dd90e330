//! The complaint panel: the form, the live classification, the receipt.

use leptos::prelude::*;
use leptos::task::spawn_local;
use qingting_shared::api::ComplaintReceipt;
use qingting_shared::classify::Classifier;
use qingting_shared::complaint::{ClientHint, MAX_TEXT_CHARS, validate_text};
use qingting_shared::mask::mask_pii;
use qingting_shared::text::char_len;
use qingting_shared::{ComplaintSubmission, Taxonomy, TicketStatus, ValidationError};

use crate::Config;
use crate::i18n::{Ui, ui};
use crate::submit::{SubmitError, reopen, submit};

/// Where the panel is.
#[derive(Clone, Debug, PartialEq)]
enum Stage {
    Editing,
    Submitting,
    Failed(String),
    Done(ComplaintReceipt),
}

/// The customer's answer to an automatic reply on the receipt.
#[derive(Clone, Debug, PartialEq)]
enum Feedback {
    None,
    /// "已解决": thanked; "未解决" stays available.
    Solved,
    Sending,
    /// Passed on to a person.
    Reopened,
    /// The ticket had already moved on (409 `cannot_reopen`).
    AlreadyHandled,
    Failed(String),
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn draft_key(site: &str) -> String {
    format!("qingting:draft:{site}")
}

/// How long an unsent draft is kept on the customer's device: it may hold personal data.
const DRAFT_TTL_MS: u64 = 24 * 3600 * 1000;

/// Milliseconds since the epoch as an integer: formatting or parsing an `f64` would pull float
/// formatting code (≈ 20 KB brotli) into the widget.
fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}
const SEP: char = '\u{1f}';

/// The unsent text and, once a submission was attempted, the idempotency key that belongs to its
/// content — kept together so that a reload after a lost answer retries with the same key.
#[derive(Clone, Debug, Default, PartialEq)]
struct Draft {
    text: String,
    pending: Option<(String, String)>,
}

fn load_draft(site: &str) -> Draft {
    let Some(raw) = storage().and_then(|s| s.get_item(&draft_key(site)).ok().flatten()) else {
        return Draft::default();
    };
    let mut parts = raw.splitn(4, SEP);
    let (saved, key, content, text) = (parts.next(), parts.next(), parts.next(), parts.next());
    let fresh = saved.and_then(|t| t.parse::<u64>().ok()).is_some_and(|t| now_ms().saturating_sub(t) < DRAFT_TTL_MS);
    match (fresh, key, content, text) {
        (true, Some(key), Some(content), Some(text)) => {
            let pending = (!key.is_empty()).then(|| (content.to_string(), key.to_string()));
            Draft { text: text.to_string(), pending }
        }
        _ => {
            clear_draft(site);
            Draft::default()
        }
    }
}

fn save_draft(site: &str, draft: &Draft) {
    if let Some(s) = storage() {
        let (content, key) = draft.pending.clone().unwrap_or_default();
        let _ = s.set_item(&draft_key(site), &format!("{}{SEP}{key}{SEP}{content}{SEP}{}", now_ms(), draft.text));
    }
}

fn clear_draft(site: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(&draft_key(site));
    }
}

/// 128 random bits as hex. `crypto.getRandomValues` works on plain-HTTP pages too, unlike
/// `crypto.randomUUID`.
fn new_idempotency_key() -> String {
    let mut bytes = [0u8; 16];
    let ok = web_sys::window().and_then(|w| w.crypto().ok()).is_some_and(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !ok {
        // No Web Crypto at all: time plus Math.random, still unique enough per device.
        let t = js_sys::Date::now() as u64;
        bytes[..8].copy_from_slice(&t.to_le_bytes());
        bytes[8..].copy_from_slice(&((js_sys::Math::random() * 2f64.powi(53)) as u64).to_le_bytes());
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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
    let saved = load_draft(&config.site);
    let restored = RwSignal::new(!saved.text.trim().is_empty());
    let text = RwSignal::new(saved.text);
    let order = RwSignal::new(config.order.clone());
    let contact = RwSignal::new(String::new());
    let stage = RwSignal::new(Stage::Editing);
    // The customer's answer to an automatic reply on the receipt.
    let feedback: RwSignal<Feedback> = RwSignal::new(Feedback::None);
    // The ticket's status as last known (the receipt's, then the reopen answer's).
    let ticket_status = RwSignal::new(TicketStatus::Received);
    // The idempotency key belongs to one draft's content: same content, same key.
    let pending_key: RwSignal<Option<(String, String)>> = RwSignal::new(saved.pending);
    let config = StoredValue::new(config);
    let site = move || config.with_value(|c| c.site.clone());
    let done_ref = NodeRef::<leptos::html::Div>::new();

    let classification = Memo::new(move |_| Classifier::builtin().classify(&text.get()));
    let count = Memo::new(move |_| char_len(text.get().trim()));
    let count_class = move || {
        if count.get() > MAX_TEXT_CHARS { "qt-count qt-over" } else { "qt-count" }
    };
    let has_pii = Memo::new(move |_| !mask_pii(&text.get()).found.is_empty());
    let is_done = move || matches!(stage.get(), Stage::Done(_));
    let submitting = move || stage.get() == Stage::Submitting;

    let on_text = move |ev| {
        let value = event_target_value(&ev);
        save_draft(&site(), &Draft { text: value.clone(), pending: pending_key.get_untracked() });
        restored.set(false);
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
            text: Some(body_text.clone()),
            order_id: Some(order.get_untracked()),
            contact: Some(contact.get_untracked()),
            lang: Some(cfg.lang.tag().to_string()),
            client: Some(ClientHint { category: c.primary.map(|p| p.as_str().to_string()), priority: c.priority.map(|p| p.as_str().to_string()) }),
        };
        let content = [body.text.as_deref(), body.order_id.as_deref(), body.contact.as_deref()].map(|f| f.unwrap_or("")).join("\u{1e}");
        let key = match pending_key.get_untracked() {
            Some((k_content, key)) if k_content == content => key,
            _ => {
                let key = new_idempotency_key();
                pending_key.set(Some((content.clone(), key.clone())));
                key
            }
        };
        // Saved before sending: a reload after a lost answer must retry with this same key.
        save_draft(&cfg.site, &Draft { text: body_text, pending: Some((content, key.clone())) });
        stage.set(Stage::Submitting);
        spawn_local(async move {
            match submit(&cfg.api, &key, &body).await {
                Ok(receipt) => {
                    clear_draft(&cfg.site);
                    pending_key.set(None);
                    ticket_status.set(receipt.status);
                    stage.set(Stage::Done(receipt));
                }
                Err(e) => stage.set(Stage::Failed(error_words(ui, &e))),
            }
        });
    };

    // Move focus to the receipt when it appears (the form it replaces had focus).
    Effect::new(move |_| {
        let done = is_done();
        if let Some(el) = done_ref.get().filter(|_| done) {
            let _ = el.focus();
        }
    });

    let reset = move |_| {
        feedback.set(Feedback::None);
        text.set(String::new());
        contact.set(String::new());
        restored.set(false);
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
    let error = move || match stage.get() {
        Stage::Failed(words) => Some(words),
        _ => None,
    };
    let button_label = move || match stage.get() {
        Stage::Submitting => ui.submitting,
        Stage::Failed(_) => ui.retry,
        _ => ui.submit,
    };
    let receipt = move || match stage.get() {
        Stage::Done(r) => Some(r),
        _ => None,
    };
    let sending = move || feedback.get() == Feedback::Sending;
    let say_solved = move |_| {
        if feedback.get_untracked() != Feedback::Sending {
            feedback.set(Feedback::Solved);
        }
    };
    let note_ref = NodeRef::<leptos::html::P>::new();
    let say_unsolved = move |_| {
        let Stage::Done(r) = stage.get_untracked() else {
            return;
        };
        if feedback.get_untracked() == Feedback::Sending {
            return;
        }
        feedback.set(Feedback::Sending);
        let api = config.with_value(|c| c.api.clone());
        spawn_local(async move {
            let result = reopen(&api, &r.id, &r.access_token).await;
            // The customer may have gone on to another complaint meanwhile.
            if !matches!(stage.get_untracked(), Stage::Done(ref now) if now.id == r.id) {
                return;
            }
            let next = match result {
                Ok(status) => {
                    ticket_status.set(status);
                    Feedback::Reopened
                }
                Err(SubmitError::Rejected { code, .. }) if code == "cannot_reopen" => Feedback::AlreadyHandled,
                Err(_) => Feedback::Failed(ui.reply_err.to_string()),
            };
            feedback.set(next);
            // The buttons are gone: keep the keyboard where the news is, once the view has caught
            // up (signal updates reach the DOM on the next tick; a hidden element takes no focus).
            gloo_timers::future::TimeoutFuture::new(0).await;
            if let Some(p) = note_ref.get_untracked() {
                let _ = p.focus();
            }
        });
    };
    let note = move || match feedback.get() {
        Feedback::Solved => ui.reply_solved_note,
        Feedback::Reopened => ui.reply_reopened_note,
        Feedback::AlreadyHandled => ui.reply_already,
        _ => "",
    };
    let asking = move || matches!(feedback.get(), Feedback::None | Feedback::Solved | Feedback::Sending | Feedback::Failed(_));
    let reply_view = move |receipt: &ComplaintReceipt| {
        let reply = receipt.reply.clone()?;
        let asks = receipt.status == TicketStatus::AutoReplied;
        Some(view! {
            <div class="qt-reply">
                <p class="qt-reply-title">{ui.reply_title}</p>
                <p class="qt-reply-text">{reply.text}</p>
                <p class="qt-note qt-reply-note" role="status" tabindex="-1" node_ref=note_ref hidden=move || note().is_empty()>{note}</p>
                {move || match feedback.get() {
                    Feedback::Failed(words) => Some(view! { <p class="qt-error" role="alert">{words}</p> }),
                    _ => None,
                }}
                <Show when=move || asks && asking()>
                    <div class="qt-reply-actions" role="group" aria-labelledby="qt-reply-q">
                        <p id="qt-reply-q" class="qt-reply-q">{ui.reply_question}</p>
                        <button type="button" class="qt-secondary qt-solved" aria-disabled=move || sending().to_string() on:click=say_solved>
                            {ui.reply_solved}
                        </button>
                        <button type="button" class="qt-secondary qt-unsolved" aria-disabled=move || sending().to_string() on:click=say_unsolved>
                            {move || if sending() { ui.reply_sending } else { ui.reply_unsolved }}
                        </button>
                    </div>
                </Show>
            </div>
        })
    };

    view! {
        <section class="qt-panel" role="dialog" aria-labelledby="qt-title">
            <header class="qt-head">
                <h2 id="qt-title">{ui.title}</h2>
                <button type="button" class="qt-close" aria-label=ui.close on:click=close>"×"</button>
            </header>
            // Focus moves here when the receipt appears, which announces it; the live parts inside
            // (the reply note, errors) have their own roles.
            <div class="qt-done" tabindex="-1" node_ref=done_ref hidden=move || !is_done()>
                {move || receipt().map(|receipt| view! {
                    <p class="qt-done-title">{ui.received_title}</p>
                    <dl>
                        <dt>{ui.ticket_label}</dt>
                        <dd class="qt-ticket">{receipt.ticket_no.to_string()}</dd>
                        <dt>{ui.status_label}</dt>
                        <dd class="qt-status">{move || ticket_status.get().label(lang)}</dd>
                        <dt>{ui.category_label}</dt>
                        <dd>{receipt.category.as_ref().map(|c| taxonomy.with_value(|t| t.name(c, lang).to_string())).unwrap_or_else(|| "—".into())}</dd>
                    </dl>
                    {reply_view(&receipt)}
                    <button type="button" class="qt-secondary" on:click=reset>{ui.new_complaint}</button>
                })}
            </div>
            // The form stays mounted while editing, submitting and after errors, so focus and the
            // caret are never lost; only its parts change.
            <form class="qt-form" novalidate hidden=is_done on:submit=move |ev| { ev.prevent_default(); send(); }>
                {move || restored.get().then(|| view! { <p class="qt-note">{ui.draft_restored}</p> })}
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
                <crate::faq::Suggestions config=config text=text/>
                <label for="qt-order">{ui.order_label}</label>
                <input id="qt-order" name="order" type="text" autocomplete="off" maxlength="64"
                    prop:value=move || order.get() on:input=move |ev| order.set(event_target_value(&ev))/>
                <label for="qt-contact">{ui.contact_label}</label>
                <input id="qt-contact" name="contact" type="text" autocomplete="tel" maxlength="100"
                    placeholder=ui.contact_placeholder
                    prop:value=move || contact.get() on:input=move |ev| contact.set(event_target_value(&ev))/>
                {move || error().map(|words| view! { <p class="qt-error" role="alert">{words}</p> })}
                <button type="submit" class="qt-submit" disabled=submitting>{button_label}</button>
            </form>
        </section>
    }
}
