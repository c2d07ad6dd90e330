//! The small pages inside the shell: the home redirect, the settings (arriving in the next step:
//! it says so plainly and shows no made-up data) and "not found". The inbox is `inbox`, the
//! ticket page `ticket`.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::components::{A, Redirect};

use crate::state::{page_title, uw};

/// `/console/`: the inbox is the home page.
#[component]
pub fn Home() -> impl IntoView {
    view! { <Redirect path="/tickets" options=NavigateOptions { replace: true, ..Default::default() }/> }
}

/// `/console/settings`, loaded on first visit (its own WebAssembly chunk).
pub struct SettingsRoute;

#[leptos_router::lazy_route]
impl leptos_router::LazyRoute for SettingsRoute {
    fn data() -> Self {
        SettingsRoute
    }

    fn view(_this: Self) -> AnyView {
        page_title(|ui| ui.settings_title);
        view! {
            <h1>{uw(|u| u.settings_title)}</h1>
            <p class="upcoming">{uw(|u| u.settings_next)}</p>
        }
        .into_any()
    }
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
