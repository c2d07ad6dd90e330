//! One kept ticket: its progress (status, who holds it, the promised time), the conversation and
//! public events, and what the customer can do now: 补充信息, 催单, 未解决 / 已解决, and the rating
//! with a reason and a comment on a low score.

use leptos::prelude::*;
use leptos::task::spawn_local;
use qingting_shared::workflow::customer::{RatingReason, event_label, progress_label};
use qingting_shared::{ErrorCode, TicketStatus};

use super::mine::local_time;
use super::{Page, PanelState, store};
use crate::calls::{self, Entry, json_string};
use crate::space::Kept;
use crate::submit::SubmitError;

/// The page of ticket `id` (one of the kept ones).
#[component]
pub fn TicketPage(id: String) -> impl IntoView {
    let state = PanelState::get();
    let PanelState { config, lang, ui, kept, page, .. } = state;
    let api = config.with_value(|c| c.api.clone());
    let token = kept.with_untracked(|k| k.iter().find(|k| k.id == id).map(|k| k.token.clone())).unwrap_or_default();
    let ticket: RwSignal<Option<calls::Page>> = RwSignal::new(None);
    // What the last action said (`role=status`), or why it failed (`role=alert`).
    let note: RwSignal<Option<(bool, String)>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let message = RwSignal::new(String::new());
    let score = RwSignal::new(0u8);
    let reason = RwSignal::new(String::new());
    let comment = RwSignal::new(String::new());
    let (api, token, id) = (StoredValue::new(api), StoredValue::new(token), StoredValue::new(id));

    // Seen: every reply on the page; the launcher's badge goes down with it.
    let seen = move |p: &calls::Page| {
        let changed = kept.try_update(|k| crate::space::mark_seen(k, &p.id, p.replies)).unwrap_or(false);
        if changed {
            state.save_kept();
        }
    };
    let load = move || {
        spawn_local(async move {
            match calls::open(&api.get_value(), &id.get_value(), &token.get_value()).await {
                Ok(p) => {
                    seen(&p);
                    let _ = ticket.try_set(Some(p));
                }
                Err(_) => {
                    let _ = note.try_set(Some((false, ui.sp.mine_err.to_string())));
                }
            }
        });
    };
    load();

    // One function for every action: sends it, shows the page it answers, says `done`.
    let act = move |action: &'static str, body: Option<String>, key: Option<String>, done: &'static str| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        note.set(None);
        spawn_local(async move {
            let result = calls::act(&api.get_value(), &id.get_value(), &token.get_value(), action, body, key.as_deref()).await;
            let said = match result {
                Ok(p) => {
                    seen(&p);
                    // 未解决 after the window opened a new ticket: keep it too.
                    if let Some((fid, no, ftoken)) = p.follow_up.clone() {
                        let k = Kept { id: fid, token: ftoken, ticket_no: no, filed_ms: store::now_ms(), seen: 0 };
                        kept.update(|list| crate::space::remember(list, k));
                        state.save_kept();
                    }
                    let _ = ticket.try_set(Some(p));
                    (true, done.to_string())
                }
                Err(SubmitError::Rejected { code: Some(ErrorCode::UrgeTooSoon), .. }) => {
                    let wait = ticket.get_untracked().map_or(1, |p| p.urge_wait.div_ceil(60).max(1));
                    (false, ui.sp.urge_wait.replace("{}", &wait.to_string()))
                }
                Err(SubmitError::Rejected { code, message }) => (false, format!("{}{}", ui.sp.refused, ui.refusal(code, &message))),
                Err(SubmitError::Network) => (false, ui.err_network.to_string()),
                Err(SubmitError::Unavailable(_) | SubmitError::Busy(_)) => (false, ui.err_server.to_string()),
            };
            let _ = note.try_set(Some(said));
            let _ = busy.try_set(false);
        });
    };
    let send_message = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = message.get_untracked();
        if text.trim().is_empty() {
            return;
        }
        message.set(String::new());
        act("messages", Some(format!("{{\"text\":{}}}", json_string(&text))), Some(store::new_idempotency_key()), ui.sp.add_sent);
    };
    // A score of 4 or 5 is sent with its click; 1–3 first ask why (a reason and a comment).
    let rate = move || {
        let s = score.get_untracked();
        if s == 0 {
            return;
        }
        let r = reason.get_untracked();
        let reason = if r.is_empty() { "null".to_string() } else { json_string(&r) };
        let body = format!("{{\"score\":{s},\"reason\":{reason},\"comment\":{}}}", json_string(&comment.get_untracked()));
        act("rating", Some(body), None, ui.sp.rate_thanks);
    };
    let send_rating = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        rate();
    };

    let entry = move |e: Entry| {
        let who = match e.who.as_deref() {
            Some("faq") => ui.sp.faq,
            Some("support") => ui.sp.support,
            Some(_) => ui.sp.merchant,
            None => "",
        };
        let (class, head) = match e.kind {
            Some(kind) => ("qt-event", event_label(kind, lang).to_string()),
            None => ("qt-msg", who.to_string()),
        };
        view! {
            <li class=class>
                <p class="qt-entry-head"><span>{head}</span><time datetime=e.at.clone()>{local_time(&e.at, lang)}</time></p>
                {e.text.map(|t| view! { <p class="qt-entry-text">{t}</p> })}
            </li>
        }
    };
    let disabled = move || busy.get();
    let stars = move || {
        (1..=5u8)
            .map(|n| {
                let pressed = move || (score.get() == n).to_string();
                let label = match n {
                    1 => format!("1 · {}", ui.sp.score_1),
                    5 => format!("5 · {}", ui.sp.score_5),
                    _ => n.to_string(),
                };
                let pick = move |_| {
                    score.set(n);
                    if n >= 4 {
                        rate();
                    }
                };
                view! { <button type="button" class="qt-score" aria-pressed=pressed aria-label=label on:click=pick>{n}</button> }
            })
            .collect_view()
    };

    let body = move || {
        ticket.get().map(|p| {
            let status = p.status;
            let active = status.is_active();
            let answered = matches!(status, TicketStatus::AutoReplied | TicketStatus::Resolved | TicketStatus::Closed);
            let can_confirm = matches!(status, TicketStatus::AutoReplied | TicketStatus::Resolved) && !p.confirmed;
            let urge_wait = p.urge_wait;
            let survey = p.survey;
            view! {
                <dl class="qt-facts">
                    <dt>{ui.ticket_label}</dt><dd class="qt-ticket">{p.ticket_no.clone()}</dd>
                    <dt>{ui.status_label}</dt><dd class="qt-status">{progress_label(status, p.holder, lang)}</dd>
                    {p.promised_at.clone().map(|at| view! { <dt>{ui.sp.promised}</dt><dd>{local_time(&at, lang)}</dd> })}
                </dl>
                <p class="qt-own-text">{p.text.clone()}</p>
                <h3 class="qt-sub">{ui.sp.timeline}</h3>
                <ol class="qt-entries">{p.entries.clone().into_iter().map(entry).collect_view()}</ol>
                {p.follow_up.clone().map(|(fid, no, _)| view! {
                    <p class="qt-note">{ui.sp.follow_up}<button type="button" class="qt-link" on:click=move |_| page.set(Page::Ticket(fid.clone()))>{no}</button></p>
                })}
                {active.then(|| view! {
                    <form class="qt-add" on:submit=send_message>
                        <label for="qt-add-text">{ui.sp.add_label}</label>
                        <textarea id="qt-add-text" rows="3" maxlength="2000" prop:value=move || message.get() on:input=move |ev| message.set(event_target_value(&ev))></textarea>
                        <button type="submit" class="qt-secondary" disabled=disabled>{ui.sp.add_send}</button>
                    </form>
                    <button type="button" class="qt-secondary qt-urge" disabled=disabled aria-describedby="qt-urge-note"
                        on:click=move |_| act("urge", None, None, ui.sp.urge_sent)>{ui.sp.urge}</button>
                    {(urge_wait > 0).then(|| view! { <p id="qt-urge-note" class="qt-hint">{ui.sp.urge_wait.replace("{}", &urge_wait.div_ceil(60).max(1).to_string())}</p> })}
                })}
                {answered.then(|| view! {
                    <div class="qt-reply-actions">
                        {can_confirm.then(|| view! {
                            <button type="button" class="qt-secondary qt-solved" disabled=disabled on:click=move |_| act("solved", None, None, ui.sp.solved_sent)>{ui.sp.solved}</button>
                        })}
                        <button type="button" class="qt-secondary qt-unsolved" disabled=disabled on:click=move |_| act("reopen", None, None, ui.sp.unsolved_sent)>{ui.sp.unsolved}</button>
                    </div>
                })}
                {survey.filter(|(_, open)| *open).map(|_| view! {
                    <form class="qt-rate" on:submit=send_rating>
                        <fieldset>
                            <legend>{ui.sp.rate_q}</legend>
                            <div class="qt-scores">{stars}</div>
                        </fieldset>
                        {move || (score.get() != 0 && score.get() <= 3).then(|| view! {
                            <label for="qt-rate-reason">{ui.sp.rate_reason}</label>
                            <select id="qt-rate-reason" on:change=move |ev| reason.set(event_target_value(&ev))>
                                <option value="">"—"</option>
                                {RatingReason::ALL.iter().map(|r| view! { <option value=r.as_str()>{r.label(lang)}</option> }).collect_view()}
                            </select>
                            <label for="qt-rate-comment">{ui.sp.rate_comment}</label>
                            <textarea id="qt-rate-comment" rows="2" maxlength="500" prop:value=move || comment.get() on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
                        })}
                        {move || (score.get() != 0 && score.get() <= 3).then(|| view! {
                            <button type="submit" class="qt-submit" disabled=move || busy.get()>{ui.sp.rate_send}</button>
                        })}
                    </form>
                })}
                {survey.and_then(|(s, _)| s).map(|s| view! { <p class="qt-note qt-rated">{format!("{}：{s}/5", ui.sp.rated)}</p> })}
            }
        })
    };

    view! {
        <div class="qt-ticket-page">
            <button type="button" class="qt-link qt-back" on:click=move |_| page.set(Page::Mine)>{format!("← {}", ui.sp.back)}</button>
            {move || ticket.with(Option::is_none).then(|| view! { <p class="qt-note" role="status">{ui.sp.mine_loading}</p> })}
            {body}
            {move || note.get().map(|(ok, words)| if ok {
                view! { <p class="qt-note qt-said" role="status">{words}</p> }.into_any()
            } else {
                view! { <p class="qt-error" role="alert">{words}</p> }.into_any()
            })}
        </div>
    }
}
