//! `/console/setup#token=…`: the page an invitation link opens. The token is in the fragment, so
//! it never reaches a server log; the invited person sets a password (`POST /v1/auth/setup`),
//! which signs them in, and goes to the inbox. A lazily loaded chunk, like the settings.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use leptos_router::{LazyRoute, NavigateOptions, lazy_route};
use qingting_shared::accounts::password;

use crate::settings::api;
use crate::settings::{Outcome, outcome_view, submit_button};
use crate::shell::SignedOutFrame;
use crate::state::{Console, sw};

/// The token from a `#token=…` fragment.
fn token_of(hash: &str) -> Option<String> {
    hash.trim_start_matches('#').split('&').find_map(|kv| kv.strip_prefix("token=")).map(str::to_string).filter(|t| !t.is_empty())
}

pub struct SetupRoute;

#[lazy_route]
impl LazyRoute for SetupRoute {
    fn data() -> Self {
        SetupRoute
    }

    fn view(_this: Self) -> AnyView {
        let console = Console::get();
        Effect::new(move |_| {
            let ui = console.ui();
            document().set_title(&format!("{} · {}", ui.st.setup_title, ui.brand));
        });
        let token = token_of(&window().location().hash().unwrap_or_default());
        let navigate = use_navigate();
        let (new, again) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
        let outcome = RwSignal::new(Outcome::Idle);
        let has_token = token.is_some();
        let token = StoredValue::new(token.unwrap_or_default());
        let submit = move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if outcome.with_untracked(Outcome::is_busy) {
                return;
            }
            let n = new.get_untracked();
            if password::validate_new(&n).is_err() {
                return outcome.set(Outcome::Invalid(|s| s.err_password_length));
            }
            if n != again.get_untracked() {
                return outcome.set(Outcome::Invalid(|s| s.err_password_mismatch));
            }
            outcome.set(Outcome::Busy);
            let navigate = navigate.clone();
            spawn_local(async move {
                match api::set_up(&token.get_value(), &n).await {
                    Ok(_) => {
                        console.me.refetch();
                        navigate("/tickets", NavigateOptions { replace: true, ..Default::default() });
                    }
                    Err(f) => outcome.set(Outcome::Failed(f)),
                }
            });
        };
        let body = if has_token {
            view! {
                <p class="intro">{sw(|s| s.setup_intro)}</p>
                <form novalidate on:submit=submit>
                    {outcome_view(outcome)}
                    <div class="field">
                        <label for="setup-new">{sw(|s| s.new_password)}</label>
                        <input id="setup-new" type="password" autocomplete="new-password" aria-describedby="setup-hint" bind:value=new/>
                        <p class="hint" id="setup-hint">{sw(|s| s.new_password_hint)}</p>
                    </div>
                    <div class="field">
                        <label for="setup-again">{sw(|s| s.confirm_password)}</label>
                        <input id="setup-again" type="password" autocomplete="new-password" bind:value=again/>
                    </div>
                    {submit_button(|s| s.setup_submit, outcome)}
                </form>
            }
            .into_any()
        } else {
            view! { <div class="alert" role="alert">{sw(|s| s.setup_no_token)}</div> }.into_any()
        };
        view! {
            <SignedOutFrame>
                <h1>{sw(|s| s.setup_title)}</h1>
                {body}
            </SignedOutFrame>
        }
        .into_any()
    }
}

#[cfg(test)]
mod tests {
    use super::token_of;

    #[test]
    fn the_token_comes_from_the_fragment() {
        assert_eq!(token_of("#token=abc-DEF_1").as_deref(), Some("abc-DEF_1"));
        assert_eq!(token_of("#x=1&token=t"), Some("t".into()));
        assert_eq!(token_of("#token="), None);
        assert_eq!(token_of(""), None);
    }
}
