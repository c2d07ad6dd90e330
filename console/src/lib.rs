//! Qingting's staff console: a leptos (CSR) app with a router under `/console`, started by
//! `app/qingting_console.<hash>.js` from `/console/index.html` (built by `cargo xtask build`).
//!
//! Parts: `state` (the [`state::Console`] context: language, the signed-in user as a resource;
//! the `Directory` of people and teams), `api` (the API; refusals as `ErrorCode`s, stale writes
//! with the fresh ticket), `i18n` (zh-CN first, zh-TW, en as one `PerLang<Ui>`), `sign_in` (the
//! sign-in page), `shell` (the signed-in frame and the language switch), `inbox` (saved views,
//! filters, search, paging, bulk actions), `ticket` (one ticket: conversation, timeline, every
//! action with shortcuts), `notifications` (the header's bell and the list), `analytics` (the
//! dashboard: KPI tiles and ECharts charts that drill down into the inbox), `pages` (the small
//! pages).
//!
//! Rules: text from the server (names, later complaints) is only ever rendered as text nodes,
//! never through `inner_html`; no inline scripts or style attributes (the page's CSP forbids
//! them); every form field has a label, every error is also announced (`role="alert"`).

use leptos::prelude::*;
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{Lazy, path};
use wasm_bindgen::prelude::*;

mod analytics;
mod api;
mod i18n;
mod inbox;
mod notifications;
mod pages;
mod settings;
mod setup;
mod shell;
mod sign_in;
mod state;
mod ticket;

/// The whole console: the shared state, then the routes.
#[component]
pub fn App() -> impl IntoView {
    state::Console::provide();
    view! {
        <Router base="/console">
            <Routes fallback=pages::NotFound>
                <Route path=path!("/sign-in") view=sign_in::SignIn/>
                <Route path=path!("/setup") view={Lazy::<setup::SetupRoute>::new()}/>
                <ParentRoute path=path!("") view=shell::Shell>
                    <Route path=path!("") view=pages::Home/>
                    <Route path=path!("tickets") view=inbox::Inbox/>
                    <Route path=path!("tickets/:id") view={Lazy::<ticket::TicketRoute>::new()}/>
                    <Route path=path!("analytics") view={Lazy::<analytics::AnalyticsRoute>::new()}/>
                    <Route path=path!("notifications") view={Lazy::<notifications::NotificationsRoute>::new()}/>
                    <ParentRoute path=path!("settings") view=settings::Layout>
                        <Route path=path!("") view=settings::Overview/>
                        <Route path=path!("account") view={Lazy::<settings::AccountRoute>::new()}/>
                        <Route path=path!("people") view={Lazy::<settings::PeopleRoute>::new()}/>
                        <Route path=path!("teams") view={Lazy::<settings::TeamsRoute>::new()}/>
                        <Route path=path!("merchants") view={Lazy::<settings::MerchantsRoute>::new()}/>
                        <Route path=path!("sites") view={Lazy::<settings::SitesRoute>::new()}/>
                        <Route path=path!("sites/:key") view={Lazy::<settings::SiteRoute>::new()}/>
                        <Route path=path!("rules") view={Lazy::<settings::RulesRoute>::new()}/>
                        <Route path=path!("sla") view={Lazy::<settings::SlaRoute>::new()}/>
                    </ParentRoute>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// Runs when the module is instantiated: mounts [`App`] into `<body>`, replacing the page's
/// "loading" note.
#[wasm_bindgen(start)]
pub fn start() {
    if let Some(note) = document().get_element_by_id("boot") {
        note.remove();
    }
    leptos::mount::mount_to_body(App);
}
