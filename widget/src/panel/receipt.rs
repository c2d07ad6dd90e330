//! The receipt after a submission: ticket number, status, category, the automatic reply, and
//! "再提交一条".

use leptos::prelude::*;
use qingting_shared::TicketStatus;

use super::feedback::ReplyFeedback;
use super::{Feedback, PanelState, Stage};

/// The receipt, hidden until the panel is done. Focus moves to it when it appears (the form it
/// replaces had focus), which announces it; the live parts inside (the reply note, errors) have
/// their own roles.
#[component]
pub fn Receipt() -> impl IntoView {
    let state = PanelState::get();
    let PanelState { lang, ui, taxonomy, stage, ticket_status, .. } = state;
    let done_ref = NodeRef::<leptos::html::Div>::new();

    Effect::new(move |_| {
        let done = state.is_done();
        if let Some(el) = done_ref.get().filter(|_| done) {
            let _ = el.focus();
        }
    });

    // Back to an empty form; the order number stays.
    let reset = move |_| {
        state.feedback.set(Feedback::None);
        state.text.set(String::new());
        state.contact.set(String::new());
        state.restored.set(false);
        stage.set(Stage::Editing);
    };
    let receipt = move || match stage.get() {
        Stage::Done(r) => Some(r),
        _ => None,
    };

    view! {
        <div class="qt-done" tabindex="-1" node_ref=done_ref hidden=move || !state.is_done()>
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
                {(!state.persistent).then(|| view! { <p class="qt-note qt-no-storage">{ui.sp.no_storage}</p> })}
                {receipt.reply.map(|reply| view! {
                    <ReplyFeedback text=reply.text asks=receipt.status == TicketStatus::AutoReplied/>
                })}
                <button type="button" class="qt-secondary qt-progress" on:click={
                    let id = receipt.id.clone();
                    move |_| state.page.set(super::Page::Ticket(id.clone()))
                }>{ui.sp.view_progress}</button>
                <button type="button" class="qt-secondary" on:click=reset>{ui.new_complaint}</button>
            })}
        </div>
    }
}
