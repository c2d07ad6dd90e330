//! The automatic reply on the receipt and the customer's answer to it: 已解决 / 未解决.

use leptos::prelude::*;
use leptos::task::spawn_local;
use qingting_shared::ErrorCode;

use super::{Feedback, PanelState, Stage};
use crate::submit::{SubmitError, reopen};

/// The reply, and for an automatically answered ticket the question whether it solved the
/// problem: "已解决" thanks (and "未解决" stays available), "未解决" reopens the ticket so that a
/// person handles it.
#[component]
pub fn ReplyFeedback(
    /// The reply's text.
    text: String,
    /// Whether to ask 已解决 / 未解决: only for a ticket answered automatically (`auto_replied`).
    asks: bool,
) -> impl IntoView {
    let PanelState { config, ui, stage, ticket_status, feedback, .. } = PanelState::get();
    let note_ref = NodeRef::<leptos::html::P>::new();
    let sending = move || matches!(feedback.get(), Feedback::Sending);
    // One closure for both buttons: one copy of the attribute code in the widget.
    let disabled = move || sending().to_string();

    let say_solved = move |_| {
        if !matches!(feedback.get_untracked(), Feedback::Sending) {
            feedback.set(Feedback::Solved);
        }
    };
    let say_unsolved = move |_| {
        // The ticket is the receipt's (this part is shown only with one).
        let Stage::Done(r) = stage.get_untracked() else {
            return;
        };
        if matches!(feedback.get_untracked(), Feedback::Sending) {
            return;
        }
        feedback.set(Feedback::Sending);
        let api = config.with_value(|c| c.api.clone());
        spawn_local(async move {
            let result = reopen(&api, &r.id, &r.access_token).await;
            // The customer may have gone on to another complaint meanwhile.
            if !matches!(stage.get_untracked(), Stage::Done(now) if now.id == r.id) {
                return;
            }
            let next = match result {
                Ok(status) => {
                    ticket_status.set(status);
                    Feedback::Reopened
                }
                Err(SubmitError::Rejected { code: Some(ErrorCode::CannotReopen), .. }) => Feedback::AlreadyHandled,
                Err(_) => Feedback::Failed(ui.reply_err.to_string()),
            };
            feedback.set(next);
            // The buttons are gone: keep the keyboard where the news is, once the view has caught
            // up (signal updates reach the DOM on the next tick; a hidden element takes no focus).
            gloo_timers::future::TimeoutFuture::new(0).await;
            if let Some(p) = note_ref.try_get_untracked().flatten() {
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
    // Memoised, so that the buttons stay (and keep focus) while the answer changes; what
    // `<Show>` would do, with less code (see lib.rs).
    let ask = Memo::new(move |_| asks && matches!(feedback.get(), Feedback::None | Feedback::Solved | Feedback::Sending | Feedback::Failed(_)));

    view! {
        <div class="qt-reply">
            <p class="qt-reply-title">{ui.reply_title}</p>
            <p class="qt-reply-text">{text}</p>
            <p class="qt-note qt-reply-note" role="status" tabindex="-1" node_ref=note_ref hidden=move || note().is_empty()>{note}</p>
            {move || match feedback.get() {
                Feedback::Failed(words) => Some(view! { <p class="qt-error" role="alert">{words}</p> }),
                _ => None,
            }}
            {move || ask.get().then(|| view! {
                <div class="qt-reply-actions" role="group" aria-labelledby="qt-reply-q">
                    <p id="qt-reply-q" class="qt-reply-q">{ui.reply_question}</p>
                    <button type="button" class="qt-secondary qt-solved" aria-disabled=disabled on:click=say_solved>
                        {ui.reply_solved}
                    </button>
                    <button type="button" class="qt-secondary qt-unsolved" aria-disabled=disabled on:click=say_unsolved>
                        {move || if sending() { ui.reply_sending } else { ui.reply_unsolved }}
                    </button>
                </div>
            })}
        </div>
    }
}
