//! The complaint panel: a shell (title, close button) around [`form::ComplaintForm`] and
//! [`receipt::Receipt`] (with [`feedback::ReplyFeedback`]). They share one [`PanelState`] through
//! leptos context rather than props: the form moves the panel to the receipt, the receipt's
//! "再提交一条" back to an empty form. `store` keeps the draft in `localStorage`.

mod feedback;
mod form;
mod receipt;
mod store;

use leptos::prelude::*;
use qingting_shared::api::ComplaintReceipt;
use qingting_shared::{Lang, Taxonomy, TicketStatus};

use crate::Config;
use crate::draft::Pending;
use crate::i18n::{Ui, ui};

/// Where the panel is.
#[derive(Clone)]
enum Stage {
    Editing,
    Submitting,
    /// The words of the error shown under the form.
    Failed(String),
    Done(ComplaintReceipt),
}

/// The customer's answer to an automatic reply on the receipt.
#[derive(Clone)]
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

/// The state the panel's parts share: provided once by [`Panel`], read with [`PanelState::get`].
/// Signals and stored values are handles, so the struct is `Copy`.
#[derive(Clone, Copy)]
struct PanelState {
    /// The merchant's settings from the script tag.
    config: StoredValue<Config>,
    lang: Lang,
    /// The words in `lang`.
    ui: &'static Ui,
    /// Category names for the live line and the receipt.
    taxonomy: StoredValue<Taxonomy>,
    /// Editing, submitting, failed or done (the receipt).
    stage: RwSignal<Stage>,
    /// The complaint text (saved as the draft on every keystroke).
    text: RwSignal<String>,
    /// The contact field (emptied with the text for a new complaint; the order number stays).
    contact: RwSignal<String>,
    /// Showing "已恢复您上次未提交的内容" until the customer types.
    restored: RwSignal<bool>,
    /// The idempotency key of the last attempt and the content it belongs to (`draft::Draft`).
    pending: RwSignal<Option<Pending>>,
    /// The ticket's status as last known (the receipt's, then the reopen answer's).
    ticket_status: RwSignal<TicketStatus>,
    /// The customer's answer to the automatic reply on the receipt.
    feedback: RwSignal<Feedback>,
}

impl PanelState {
    /// The panel's state, from any component inside [`Panel`]. (`use_context` rather than
    /// `expect_context`, whose panic message would bring Debug formatting into the widget.)
    fn get() -> PanelState {
        use_context().expect("inside Panel")
    }

    /// Whether the receipt shows (tracked).
    fn is_done(self) -> bool {
        matches!(self.stage.get(), Stage::Done(_))
    }
}

/// The panel inside the loader's shadow root: the form first, the receipt after a submission.
#[component]
pub fn Panel(
    /// The merchant's settings from the script tag.
    config: Config,
    /// The loader's container; the close button dispatches `qingting-close` on it.
    host: web_sys::HtmlElement,
) -> impl IntoView {
    let (lang, ui) = (config.lang, ui(config.lang));
    let saved = store::load(&config.site);
    let state = PanelState {
        lang,
        ui,
        taxonomy: StoredValue::new(Taxonomy::default_taxonomy()),
        restored: RwSignal::new(!saved.text.trim().is_empty()),
        text: RwSignal::new(saved.text),
        pending: RwSignal::new(saved.pending),
        contact: RwSignal::new(String::new()),
        stage: RwSignal::new(Stage::Editing),
        ticket_status: RwSignal::new(TicketStatus::New),
        feedback: RwSignal::new(Feedback::None),
        config: StoredValue::new(config),
    };
    provide_context(state);
    let close = move |_| {
        if let Ok(ev) = web_sys::Event::new("qingting-close") {
            let _ = host.dispatch_event(&ev);
        }
    };

    view! {
        <section class="qt-panel" role="dialog" aria-labelledby="qt-title">
            <header class="qt-head">
                <h2 id="qt-title">{ui.title}</h2>
                <button type="button" class="qt-close" aria-label=ui.close on:click=close>"×"</button>
            </header>
            <receipt::Receipt/>
            <form::ComplaintForm/>
        </section>
    }
}
