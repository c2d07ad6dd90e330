//! The complaint panel: a shell (title, close button, the tabs 提交投诉 / 我的投诉) around
//! [`form::ComplaintForm`] and [`receipt::Receipt`] (with [`feedback::ReplyFeedback`]),
//! [`mine::Mine`] (the kept tickets) and [`ticket::TicketPage`] (one ticket: progress, replies,
//! 补充信息, 催单, 未解决/已解决, the rating). They share one [`PanelState`] through leptos context
//! rather than props. `store` keeps the draft and the kept tickets in `localStorage`.

mod feedback;
mod form;
mod mine;
mod receipt;
pub(crate) mod store;
mod ticket;

use leptos::prelude::*;
use qingting_shared::api::ComplaintReceipt;
use qingting_shared::{Lang, Taxonomy, TicketStatus};

use crate::Config;
use crate::draft::Pending;
use crate::i18n::{Ui, ui};

/// Which page of the panel shows.
#[derive(Clone, PartialEq)]
enum Page {
    /// The complaint form (and its receipt).
    Form,
    /// 我的投诉.
    Mine,
    /// One kept ticket, by id.
    Ticket(String),
}

/// Where the panel is.
#[derive(Clone)]
enum Stage {
    Editing,
    Submitting,
    /// Offline: kept with its idempotency key, sent when the connection returns.
    Waiting,
    /// Over the rate limit (429): kept with its key, sent again after `Retry-After`.
    Busy,
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
    /// The page showing.
    page: RwSignal<Page>,
    /// The tickets this browser keeps (`crate::space`).
    kept: RwSignal<Vec<crate::space::Kept>>,
    /// Whether the browser keeps the panel's storage (see `store::persistent`).
    persistent: bool,
    /// The loader's container: the panel tells the frame's script about closing, a new ticket
    /// and unread replies through events on it.
    host: StoredValue<web_sys::HtmlElement, LocalStorage>,
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

    /// Tells the frame's script: `qingting-<what>` on the container, with `data-<what>` set to
    /// `value` first (`close`, `ticket` with the ticket number, `unread` with a count).
    fn tell(self, what: &str, value: &str) {
        self.host.with_value(|host| {
            let _ = host.set_attribute(&format!("data-{what}"), value);
            if let Ok(ev) = web_sys::Event::new(&format!("qingting-{what}")) {
                let _ = host.dispatch_event(&ev);
            }
        });
    }

    /// Saves the kept tickets after a change.
    fn save_kept(self) {
        let site = self.config.with_value(|c| c.site.clone());
        self.kept.with_untracked(|k| store::save_kept(&site, k));
    }
}

/// 我的投诉, split off (`#[lazy]`).
#[lazy]
fn mine_page() -> AnyView {
    view! { <mine::Mine/> }.into_any()
}

/// A ticket's page, split off (`#[lazy]`).
#[lazy]
fn ticket_page(id: String) -> AnyView {
    view! { <ticket::TicketPage id=id/> }.into_any()
}

/// The panel in its frame: the form first, the receipt after a submission; 我的投诉 and a ticket's page.
#[component]
pub fn Panel(
    /// The merchant's settings from the script tag.
    config: Config,
    /// The frame's container; the panel tells the frame's script through events on it.
    host: web_sys::HtmlElement,
) -> impl IntoView {
    let (lang, ui) = (config.lang, ui(config.lang));
    let saved = store::load(&config.site);
    let kept = store::kept(&config.site, config.keep_days);
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
        page: RwSignal::new(Page::Form),
        kept: RwSignal::new(kept),
        persistent: store::persistent(),
        host: StoredValue::new_local(host),
    };
    provide_context(state);
    let page = state.page;
    let close = move |_| state.tell("close", "");
    // The two tabs: one function, one copy of the button code.
    let tab = move |to: Page, label: &'static str| {
        let here = to.clone();
        // A ticket's page belongs to 我的投诉.
        let current = move || (if (page.get() == Page::Form) == (here == Page::Form) { "page" } else { "false" }).to_string();
        view! { <button type="button" class="qt-tab" aria-current=current on:click=move |_| page.set(to.clone())>{label}</button> }
    };

    view! {
        <section class="qt-panel" role="dialog" aria-labelledby="qt-title">
            <header class="qt-head">
                <h2 id="qt-title">{ui.title}</h2>
                <button type="button" class="qt-close" aria-label=ui.close on:click=close>"×"</button>
            </header>
            <nav class="qt-tabs" aria-label=ui.title>
                {tab(Page::Form, ui.sp.tab_new)}
                {tab(Page::Mine, ui.sp.tab_mine)}
            </nav>
            <div hidden=move || page.get() != Page::Form>
                <receipt::Receipt/>
                <form::ComplaintForm/>
            </div>
            // 我的投诉 and a ticket's page are WebAssembly chunks of their own, fetched on their first
            // visit: the first open (the form) does not pay for them.
            {move || match page.get() {
                Page::Form => None,
                Page::Mine => Some(Suspend::new(async move { mine_page().await })),
                Page::Ticket(id) => Some(Suspend::new(async move { ticket_page(id).await })),
            }}
        </section>
    }
}
