//! The form: text with live classification, count and personal-data notice, FAQ suggestions,
//! order number, contact, submit.

use leptos::prelude::*;
use leptos::task::spawn_local;
use qingting_shared::intake::mask::{Masked, mask_pii};
use qingting_shared::intake::submission::{ClientHint, MAX_TEXT_CHARS, validate_text};
use qingting_shared::understand::text::char_len;
use qingting_shared::{Classifier, ComplaintSubmission};

use super::{PanelState, Stage, store};
use crate::draft::{Draft, content_of};
use crate::space::Kept;
use crate::submit::{SubmitError, submit};

/// A text field's value. (One function for every field, so the widget holds one copy of the
/// property code rather than one per field; likewise [`set_value`].)
fn value(field: RwSignal<String>) -> impl Fn() -> String + Copy + Send + 'static {
    move || field.get()
}

/// Keeps `field` in step with an input's value.
fn set_value(field: RwSignal<String>) -> impl Fn(web_sys::Event) + Copy + 'static {
    move |ev| field.set(event_target_value(&ev))
}

/// Whether the browser says it is online (`true` when it cannot tell).
fn online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

/// Runs `f` once, when the browser is online again.
fn when_online(f: impl FnOnce() + 'static) {
    use wasm_bindgen::JsCast;
    let Some(w) = web_sys::window() else { return };
    let again = w.clone();
    let cb = wasm_bindgen::closure::Closure::once_into_js(move || {
        again.set_ononline(None);
        f();
    });
    w.set_ononline(Some(cb.unchecked_ref()));
}

/// The masker, split off (`#[lazy]`): fetched with the first keystroke, as the FAQ pack is, so
/// the first open does not pay for it (≈ 5 KB brotli; docs/BENCHMARKS.md).
#[lazy]
fn masked(text: String) -> Masked {
    mask_pii(&text)
}

/// The complaint form. It stays mounted while editing, submitting and after errors (hidden once
/// the receipt shows), so focus and the caret are never lost; only its parts change.
#[component]
pub fn ComplaintForm() -> impl IntoView {
    let state = PanelState::get();
    let PanelState { config, lang, ui, taxonomy, stage, text, contact, restored, pending, ticket_status, .. } = state;
    let order = RwSignal::new(config.get_value().order);
    let site = move || config.with_value(|c| c.site.clone());

    // Plain closures, not memos: only the live line reads the classification, and the count is
    // cheap (each `Memo` of a new type costs the widget about 0.5 KB brotli).
    let classify = move || Classifier::builtin().classify(&text.get());
    let count = move || char_len(text.get().trim());
    let count_class = move || {
        if count() > MAX_TEXT_CHARS { "qt-count qt-over" } else { "qt-count" }
    };
    // What will be sent, when masking changes it (the masker arrives with the first keystroke).
    let preview: RwSignal<Option<String>> = RwSignal::new(None);
    Effect::new(move |_| {
        let typed = text.get();
        spawn_local(async move {
            let m = masked(typed.clone()).await;
            // A slower answer for an older text must not overwrite a newer one.
            if text.get_untracked() == typed {
                preview.set((!m.found.is_empty()).then_some(m.text));
            }
        });
    });
    let submitting = move || matches!(stage.get(), Stage::Submitting);

    let on_text = move |ev| {
        let value = event_target_value(&ev);
        store::save(&site(), &Draft { text: value.clone(), pending: pending.get_untracked() });
        restored.set(false);
        text.set(value);
    };

    // The send function, stored so that the offline path can call it again.
    let resend: StoredValue<Box<dyn Fn()>, LocalStorage> = StoredValue::new_local(Box::new(|| {}));
    let send = move || {
        if matches!(stage.get_untracked(), Stage::Submitting) {
            return;
        }
        let body_text = text.get_untracked();
        if let Err(e) = validate_text(&body_text) {
            stage.set(Stage::Failed(ui.refusal(Some(e.code()), &e.to_string())));
            return;
        }
        let c = Classifier::builtin().classify(&body_text);
        let cfg = config.get_value();
        let (order_id, contact) = (order.get_untracked(), contact.get_untracked());
        let mut draft = Draft { text: body_text.clone(), pending: pending.get_untracked() };
        // The key belongs to this content, and is saved before sending: a reload after a lost
        // answer must retry with this same key.
        let key = draft.key_for(content_of(&body_text, &order_id, &contact), store::new_idempotency_key);
        store::save(&cfg.site, &draft);
        pending.set(draft.pending);
        let client = ClientHint { category: c.primary.map(|p| p.as_str().to_string()), priority: c.priority.map(|p| p.as_str().to_string()) };
        stage.set(Stage::Submitting);
        spawn_local(async move {
            // Masked here, before anything leaves the device (the server masks again).
            let body = ComplaintSubmission {
                site: Some(cfg.site.clone()),
                text: Some(masked(body_text).await.text),
                order_id: Some(order_id),
                contact: Some(masked(contact).await.text),
                lang: Some(cfg.lang.tag().to_string()),
                client: Some(client),
                region: None,
            };
            match submit(&cfg.api, &key, &body).await {
                Ok(receipt) => {
                    store::clear(&cfg.site);
                    pending.set(None);
                    ticket_status.set(receipt.status);
                    // Kept for 我的投诉 (id and token, never the text), automatic answers too.
                    let seen = u32::from(receipt.reply.is_some());
                    let no = receipt.ticket_no.to_string();
                    let k = Kept { id: receipt.id.clone(), token: receipt.access_token.clone(), ticket_no: no.clone(), filed_ms: store::now_ms(), seen };
                    state.kept.update(|list| crate::space::remember(list, k));
                    state.save_kept();
                    state.tell("ticket", &no);
                    stage.set(Stage::Done(receipt));
                }
                // Offline: kept with its key; sent again, once, when the connection returns.
                Err(SubmitError::Network) if !online() => {
                    stage.set(Stage::Waiting);
                    when_online(move || resend.with_value(|f| f()));
                }
                // Too many from here: the draft and its key stay; sent again once the wait is over.
                Err(SubmitError::Busy(secs)) => {
                    stage.set(Stage::Busy);
                    gloo_timers::callback::Timeout::new(secs * 1_000, move || resend.with_value(|f| f())).forget();
                }
                Err(e) => stage.set(Stage::Failed(match e {
                    SubmitError::Network => ui.err_network.to_string(),
                    SubmitError::Unavailable(_) | SubmitError::Busy(_) => ui.err_server.to_string(),
                    SubmitError::Rejected { code, message } => ui.refusal(code, &message),
                })),
            }
        });
    };

    resend.set_value(Box::new(send));

    let live = move || {
        let c = classify();
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
    let waiting = move || match stage.get() {
        Stage::Waiting => Some(view! { <p class="qt-note qt-waiting" role="status">{ui.sp.waiting_net}</p> }),
        Stage::Busy => Some(view! { <p class="qt-note qt-waiting" role="status">{ui.sp.waiting_busy}</p> }),
        _ => None,
    };

    view! {
        <form class="qt-form" novalidate hidden=move || state.is_done() on:submit=move |ev| { ev.prevent_default(); send(); }>
            {move || restored.get().then(|| view! { <p class="qt-note">{ui.draft_restored}</p> })}
            <label for="qt-text">{ui.text_label}</label>
            <textarea id="qt-text" name="text" rows="5" maxlength=MAX_TEXT_CHARS.to_string()
                placeholder=ui.text_placeholder aria-describedby="qt-count qt-live"
                prop:value=value(text) on:input=on_text></textarea>
            <div class="qt-row">
                <span id="qt-live" class="qt-live" aria-live="polite">
                    {move || { let l = live(); (!l.is_empty()).then(|| format!("{}：{}", ui.live_label, l)) }}
                </span>
                <span id="qt-count" class=count_class>
                    {move || format!("{}/{}", count(), MAX_TEXT_CHARS)}
                </span>
            </div>
            // `then` on a memoised bool rather than `<Show>`: the same DOM, less code (see lib.rs).
            {move || preview.get().map(|shown| view! {
                <div class="qt-note qt-masked">
                    <p>{ui.pii_notice}</p>
                    <p>{ui.sp.masked_preview}</p>
                    <p class="qt-masked-text">{shown}</p>
                </div>
            })}
            <crate::faq::Suggestions config=config text=text/>
            <label for="qt-order">{ui.order_label}</label>
            <input id="qt-order" name="order" type="text" autocomplete="off" maxlength="64"
                prop:value=value(order) on:input=set_value(order)/>
            <label for="qt-contact">{ui.contact_label}</label>
            <input id="qt-contact" name="contact" type="text" autocomplete="tel" maxlength="100"
                placeholder=ui.contact_placeholder
                prop:value=value(contact) on:input=set_value(contact)/>
            {move || error().map(|words| view! { <p class="qt-error" role="alert">{words}</p> })}
            {waiting}
            <button type="submit" class="qt-submit" disabled=submitting>{button_label}</button>
        </form>
    }
}
