//! `/console/settings/account`: the signed-in person's password (`POST /v1/auth/password`; other
//! sessions end), their notification channel (`PUT /v1/auth/channel`) and signing out on every
//! device (`POST /v1/auth/logout` `{"everywhere": true}`).

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use leptos_router::{LazyRoute, NavigateOptions, lazy_route};
use qingting_shared::accounts::password;

use super::channel::{ChannelForm, ChannelOf};
use super::{Outcome, api, outcome_view, section_title, submit_button};
use crate::state::{Console, Directory, failure_alert, loading_view, sw};

pub struct AccountRoute;

#[lazy_route]
impl LazyRoute for AccountRoute {
    fn data() -> Self {
        AccountRoute
    }

    fn view(_this: Self) -> AnyView {
        let me = Directory::get().me;
        let (current, new, again) = (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(String::new()));
        let outcome = RwSignal::new(Outcome::Idle);
        let submit = move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if outcome.with_untracked(Outcome::is_busy) {
                return;
            }
            let (c, n) = (current.get_untracked(), new.get_untracked());
            if password::validate_new(&n).is_err() {
                return outcome.set(Outcome::Invalid(|s| s.err_password_length));
            }
            if n != again.get_untracked() {
                return outcome.set(Outcome::Invalid(|s| s.err_password_mismatch));
            }
            outcome.set(Outcome::Busy);
            spawn_local(async move {
                match api::change_password(&c, &n).await {
                    Ok(()) => {
                        for f in [current, new, again] {
                            f.set(String::new());
                        }
                        outcome.set(Outcome::Done(|s| s.password_changed));
                    }
                    Err(f) => outcome.set(Outcome::Failed(f)),
                }
            });
        };
        let (name, email) = me.with_value(|m| (m.user.display_name.clone(), m.user.email.clone()));
        let console = Console::get();
        let navigate = use_navigate();
        let everywhere = RwSignal::new(Outcome::Idle);
        let channel = LocalResource::new(api::channel);
        let sign_out_everywhere = move |_| {
            if everywhere.with_untracked(Outcome::is_busy) {
                return;
            }
            everywhere.set(Outcome::Busy);
            let navigate = navigate.clone();
            spawn_local(async move {
                match api::sign_out_everywhere().await {
                    Ok(()) => {
                        console.me.refetch();
                        navigate("/console/sign-in", NavigateOptions { resolve: false, replace: true, ..Default::default() });
                    }
                    Err(f) => everywhere.set(Outcome::Failed(f)),
                }
            });
        };
        view! {
            {section_title(|s| s.account)}
            <p class="lead">{name}" · "{email}</p>
            <section class="card" aria-labelledby="pw-title">
                <h2 id="pw-title">{sw(|s| s.change_password)}</h2>
                <form novalidate on:submit=submit class="narrow">
                    {outcome_view(outcome)}
                    <div class="field">
                        <label for="pw-current">{sw(|s| s.current_password)}</label>
                        <input id="pw-current" type="password" autocomplete="current-password" bind:value=current/>
                    </div>
                    <div class="field">
                        <label for="pw-new">{sw(|s| s.new_password)}</label>
                        <input id="pw-new" type="password" autocomplete="new-password" aria-describedby="pw-hint" bind:value=new/>
                        <p class="hint" id="pw-hint">{sw(|s| s.new_password_hint)}</p>
                    </div>
                    <div class="field">
                        <label for="pw-again">{sw(|s| s.confirm_password)}</label>
                        <input id="pw-again" type="password" autocomplete="new-password" bind:value=again/>
                    </div>
                    {submit_button(|s| s.change_password, outcome)}
                </form>
            </section>
            <section class="card" aria-labelledby="channel-title">
                <h2 id="channel-title">{sw(|s| s.channel_title)}</h2>
                <p class="hint">{sw(|s| s.channel_intro)}</p>
                <Suspense fallback=loading_view>
                    <ErrorBoundary fallback=failure_alert>
                        {move || Suspend::new(async move {
                            let current = channel.await?;
                            Ok::<_, crate::api::Failure>(view! { <ChannelForm of=ChannelOf::Me current=current/> })
                        })}
                    </ErrorBoundary>
                </Suspense>
            </section>
            <section class="card" aria-labelledby="sessions-title">
                <h2 id="sessions-title">{sw(|s| s.sessions)}</h2>
                <p class="hint">{sw(|s| s.sessions_intro)}</p>
                {outcome_view(everywhere)}
                <button type="button" class="secondary danger" aria-disabled=move || everywhere.with(Outcome::is_busy).to_string() on:click=sign_out_everywhere>
                    {sw(|s| s.sign_out_everywhere)}
                </button>
            </section>
        }
        .into_any()
    }
}
