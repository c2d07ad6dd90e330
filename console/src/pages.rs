//! The small pages: the home redirect and "not found". The inbox is `inbox`, the ticket page
//! `ticket`, the settings `settings`, the invitation page `setup`.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::components::{A, Redirect};

use crate::state::{page_title, uw};

/// `/console/`: the inbox is the home page.
#[component]
pub fn Home() -> impl IntoView {
    view! { <Redirect path="/tickets" options=NavigateOptions { replace: true, ..Default::default() }/> }
}

/// Any other address under `/console/`.
#[component]
pub fn NotFound() -> impl IntoView {
    page_title(|ui| ui.not_found_title);
    view! {
        <main id="main" class="signin">
            <h1>{uw(|u| u.not_found_title)}</h1>
            <p><A href="/console/tickets">{uw(|u| u.not_found_back)}</A></p>
        </main>
    }
}
