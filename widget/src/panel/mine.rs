//! 我的投诉: the tickets this browser keeps, newest first, each with the customer-facing status,
//! who holds it, the promised time and unread replies (one status request when the page opens).

use leptos::prelude::*;
use leptos::task::spawn_local;
use qingting_shared::workflow::customer::progress_label;

use super::{Page, PanelState};
use crate::calls::{self, Line};

/// A time for people: the customer's local date and time in the panel's language.
pub fn local_time(iso: &str, lang: qingting_shared::Lang) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(iso));
    d.to_locale_string(lang.tag(), &wasm_bindgen::JsValue::UNDEFINED).into()
}

/// The list.
#[component]
pub fn Mine() -> impl IntoView {
    let state = PanelState::get();
    let PanelState { config, lang, ui, kept, page, .. } = state;
    // `None` while loading; `Some(Err)` with the words of a failure.
    let lines: RwSignal<Option<Result<Vec<Line>, &'static str>>> = RwSignal::new(None);
    let api = config.with_value(|c| c.api.clone());
    let list = kept.get_untracked();
    if list.is_empty() {
        lines.set(Some(Ok(Vec::new())));
    } else {
        spawn_local(async move {
            let got = calls::status(&api, &list).await;
            if let Ok(found) = &got {
                let unread: u32 = found.iter().map(|l| unread_of(state, l)).sum();
                state.tell("unread", &unread.to_string());
            }
            let _ = lines.try_set(Some(got.map_err(|_| ui.sp.mine_err)));
        });
    }
    let row = move |l: Line| {
        let unread = unread_of(state, &l);
        let id = l.id.clone();
        view! {
            <li class="qt-mine-item">
                <button type="button" class="qt-mine-open" on:click=move |_| page.set(Page::Ticket(id.clone()))>
                    <span class="qt-ticket">{l.ticket_no.clone()}</span>
                    <span class="qt-state">{progress_label(l.status, l.holder, lang)}</span>
                    {(unread > 0).then(|| view! { <span class="qt-unread">{format!("{unread} {}", ui.sp.unread)}</span> })}
                    <span class="qt-when">{local_time(&l.created_at, lang)}</span>
                    {l.promised_at.map(|p| view! { <span class="qt-when">{format!("{}：{}", ui.sp.promised, local_time(&p, lang))}</span> })}
                </button>
            </li>
        }
    };

    view! {
        <div class="qt-mine">
            {(!state.persistent).then(|| view! { <p class="qt-note qt-no-storage">{ui.sp.no_storage}</p> })}
            {move || match lines.get() {
                None => view! { <p class="qt-note" role="status">{ui.sp.mine_loading}</p> }.into_any(),
                Some(Err(words)) => view! { <p class="qt-error" role="alert">{words}</p> }.into_any(),
                Some(Ok(found)) if found.is_empty() => view! { <p class="qt-note">{ui.sp.mine_empty}</p> }.into_any(),
                Some(Ok(found)) => view! { <ul class="qt-mine-list">{found.into_iter().map(row).collect_view()}</ul> }.into_any(),
            }}
        </div>
    }
}

/// Replies the customer has not seen on a line, plus one for a survey waiting for an answer.
fn unread_of(state: PanelState, l: &Line) -> u32 {
    let seen = state.kept.with_untracked(|k| k.iter().find(|k| k.id == l.id).map_or(0, |k| k.seen));
    l.replies.saturating_sub(seen) + u32::from(l.survey_open)
}
