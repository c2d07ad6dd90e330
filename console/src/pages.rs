//! The pages inside the shell. The inbox, the ticket page and the settings arrive in the next
//! step; until then each says so plainly and shows no made-up data.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::components::{A, Redirect};
use leptos_router::hooks::use_params_map;

use crate::i18n::Ui;
use crate::state::{Console, page_title};

/// A page that is not built yet: its heading and what will come.
#[component]
fn Upcoming(
    /// The page's heading (tracked: follows the language).
    title: Signal<String>,
    /// What the page will hold, in words.
    next: fn(&Ui) -> &'static str,
) -> impl IntoView {
    let console = Console::get();
    view! {
        <h1>{title}</h1>
        <p class="upcoming">{move || next(console.ui())}</p>
    }
}

/// `/console/`: the inbox is the home page.
#[component]
pub fn Home() -> impl IntoView {
    view! { <Redirect path="/tickets" options=NavigateOptions { replace: true, ..Default::default() }/> }
}

/// `/console/tickets`: the inbox.
#[component]
pub fn Inbox() -> impl IntoView {
    let console = Console::get();
    page_title(|ui| ui.tickets_title);
    view! { <Upcoming title=Signal::derive(move || console.ui().tickets_title.to_string()) next=|ui| ui.tickets_next/> }
}

/// `/console/tickets/:id`: one ticket. The id comes from the address and is shown as text only.
#[component]
pub fn Ticket() -> impl IntoView {
    let console = Console::get();
    let params = use_params_map();
    page_title(|ui| ui.ticket_title);
    let title = Signal::derive(move || format!("{} {}", console.ui().ticket_title, params.read().get("id").unwrap_or_default()));
    view! { <Upcoming title=title next=|ui| ui.ticket_next/> }
}

/// `/console/settings`.
#[component]
pub fn Settings() -> impl IntoView {
    let console = Console::get();
    page_title(|ui| ui.settings_title);
    view! { <Upcoming title=Signal::derive(move || console.ui().settings_title.to_string()) next=|ui| ui.settings_next/> }
}

/// Any other address under `/console/`.
#[component]
pub fn NotFound() -> impl IntoView {
    let console = Console::get();
    page_title(|ui| ui.not_found_title);
    view! {
        <main id="main" class="signin">
            <h1>{move || console.ui().not_found_title}</h1>
            <p><A href="/console/tickets">{move || console.ui().not_found_back}</A></p>
        </main>
    }
}
