//! After sign-in: the [`Shell`] (who is signed in, their scope, the navigation, sign-out) around
//! the pages, and the [`LangSwitch`] both the shell and the sign-in page show.
//!
//! The shell waits for the user resource under `Suspense`; a failed load shows its words with a
//! retry button (`ErrorBoundary`); no session sends the visitor to sign-in, remembering the page.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::components::{A, Outlet, Redirect};
use leptos_router::hooks::{use_location, use_navigate};
use qingting_shared::Lang;
use qingting_shared::accounts::Scope;

use crate::api::{self, Failure, Me};
use crate::state::{Console, Directory, uw};

/// Each language's name in itself.
fn native_name(lang: Lang) -> &'static str {
    match lang {
        Lang::ZhCn => "简体中文",
        Lang::ZhTw => "繁體中文",
        Lang::En => "English",
    }
}

/// The language switch: a labelled `<select>`; the choice is remembered on this browser.
#[component]
pub fn LangSwitch() -> impl IntoView {
    let console = Console::get();
    let change = move |ev| {
        if let Some(lang) = Lang::from_tag(&event_target_value(&ev)) {
            console.set_lang(lang);
        }
    };
    view! {
        <label class="lang">
            <span class="sr-only">{uw(|u| u.language)}</span>
            <select on:change=change>
                {Lang::ALL
                    .map(|l| view! { <option value=l.tag() lang=l.tag() selected=move || console.lang.get() == l>{native_name(l)}</option> })}
            </select>
        </label>
    }
}

/// The 接单 switch: whether assignment hands this person new tickets. Shown once known; a failed
/// change puts the switch back and says why.
#[component]
fn AvailabilitySwitch() -> impl IntoView {
    let console = Console::get();
    let state = RwSignal::new(None::<bool>);
    let failure = RwSignal::new(None::<Failure>);
    spawn_local(async move {
        if let Ok(a) = api::availability().await {
            state.set(Some(a.available));
        }
    });
    let toggle = move |ev: leptos::ev::Event| {
        let want = event_target_checked(&ev);
        let before = state.get_untracked();
        state.set(Some(want));
        failure.set(None);
        spawn_local(async move {
            match api::set_availability(want).await {
                Ok(a) => state.set(Some(a.available)),
                Err(f) => {
                    state.set(before);
                    failure.set(Some(f));
                }
            }
        });
    };
    let words = move || crate::i18n::availability_words(console.lang.get());
    view! {
        <Show when=move || state.get().is_some()>
            <label class="check avail" title=move || words().1>
                <input type="checkbox" role="switch" prop:checked=move || state.get() == Some(true) on:change=toggle aria-describedby="avail-hint"/>
                <span>{move || words().0}</span>
                <span id="avail-hint" class="sr-only">{move || words().1}</span>
            </label>
        </Show>
        {move || failure.get().map(|f| view! { <span class="field-error" role="alert">{console.ui().failure(&f)}</span> })}
    }
}

/// The frame of the pages before sign-in (sign-in, an invitation's setup): the brand and the
/// language switch above the page's `<main>`.
#[component]
pub fn SignedOutFrame(children: Children) -> impl IntoView {
    view! {
        <div class="signin-page">
            <header class="signin-top">
                <span class="brand">{uw(|u| u.brand)}</span>
                <LangSwitch/>
            </header>
            <main id="main" class="signin">
                {children()}
            </main>
        </div>
    }
}

/// The signed-in frame: waits for the user, then shows [`Frame`]; signed out → sign-in.
#[component]
pub fn Shell() -> impl IntoView {
    let console = Console::get();
    let me = console.me;
    let loading = move || view! { <p class="loading" role="status">{uw(|u| u.loading)}</p> };
    let failed = move |errors: ArcRwSignal<Errors>| {
        let words = move || {
            let ui = console.ui();
            errors.with(|e| e.iter().find_map(|(_, e)| e.downcast_ref::<Failure>().map(|f| ui.failure(f)))).unwrap_or_else(|| ui.err_server.to_string())
        };
        view! {
            <main id="main" class="signin">
                <div class="alert" role="alert">
                    <p>{uw(|u| u.load_failed)}</p>
                    <p>{words}</p>
                </div>
                <button type="button" class="primary" on:click=move |_| me.refetch()>{uw(|u| u.retry)}</button>
            </main>
        }
    };
    view! {
        <Suspense fallback=loading>
            <ErrorBoundary fallback=failed>
                {move || Suspend::new(async move {
                    me.await.map(|me| match me {
                        Some(me) => view! { <Frame me=me/> }.into_any(),
                        None => view! { <ToSignIn/> }.into_any(),
                    })
                })}
            </ErrorBoundary>
        </Suspense>
    }
}

/// Sends a signed-out visitor to sign-in, with the page they asked for as `next`.
#[component]
fn ToSignIn() -> impl IntoView {
    let here = use_location().pathname.get_untracked();
    let next = js_sys::encode_uri_component(&here);
    view! { <Redirect path=format!("/sign-in?next={next}") options=NavigateOptions { replace: true, ..Default::default() }/> }
}

/// The header (brand, navigation, who is signed in and where, language, sign-out) above the page.
/// Links name the whole path: `<A>` resolves an absolute `href` without the router's base.
#[component]
fn Frame(
    /// The signed-in user and their memberships, from `GET /v1/auth/me`.
    me: Me,
) -> impl IntoView {
    let console = Console::get();
    Directory::provide(me.clone());
    let navigate = use_navigate();
    let signing_out = RwSignal::new(false);
    let failure = RwSignal::new(None::<Failure>);
    let ui = move || console.ui();
    // Signing in replaces the form the focus was in: start screen readers and the keyboard at the
    // page's content instead of the document's start.
    let main = NodeRef::<leptos::html::Main>::new();
    // (After the next frame: under Suspense the element is created before it is in the document.)
    Effect::new(move |_| {
        if let Some(main) = main.get() {
            request_animation_frame(move || {
                let _ = main.focus();
            });
        }
    });
    // Platform memberships first: they decide what the person sees.
    let mut memberships = me.memberships.clone();
    memberships.sort_by_key(|m| !matches!(m.scope, Scope::Platform));
    let names = me.clone();
    let scope = move || {
        let ui = ui();
        if memberships.is_empty() {
            return ui.scope_none.to_string();
        }
        let name = |m: &qingting_shared::accounts::Membership| match &m.scope {
            Scope::Merchant(id) => names.merchant_name(id),
            Scope::Platform => None,
        };
        memberships.iter().map(|m| ui.membership(m, name(m))).collect::<Vec<_>>().join(" / ")
    };
    let sign_out = move |_| {
        if signing_out.get_untracked() {
            return;
        }
        signing_out.set(true);
        failure.set(None);
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::logout().await {
                Ok(()) => {
                    console.me.refetch();
                    navigate("/sign-in", NavigateOptions { replace: true, ..Default::default() });
                }
                Err(f) => {
                    signing_out.set(false);
                    failure.set(Some(f));
                }
            }
        });
    };
    view! {
        <div class="app">
            <header class="topbar">
                <a href="/console/tickets" class="brand">{uw(|u| u.brand)}</a>
                <nav class="nav" aria-label=uw(|u| u.nav_label)>
                    <A href="/console/tickets">{uw(|u| u.nav_tickets)}</A>
                    <A href="/console/analytics">{uw(|u| u.nav_analytics)}</A>
                    <A href="/console/settings">{uw(|u| u.nav_settings)}</A>
                </nav>
                <div class="account">
                    <p class="who">
                        <span class="sr-only">{uw(|u| u.signed_in_as)}</span>
                        <span class="name">{me.user.display_name}</span>
                        <span class="scope">{scope}</span>
                    </p>
                    <crate::notifications::Bell/>
                    <AvailabilitySwitch/>
                    <LangSwitch/>
                    <button type="button" class="secondary" aria-disabled=move || signing_out.get().to_string() on:click=sign_out>
                        {move || if signing_out.get() { ui().signing_out } else { ui().sign_out }}
                    </button>
                </div>
            </header>
            {move || failure.get().map(|f| view! { <div class="alert banner" role="alert">{ui().failure(&f)}</div> })}
            <main id="main" class="content" tabindex="-1" node_ref=main>
                <Outlet/>
            </main>
        </div>
    }
}
