//! `/console/settings/account`: the signed-in person's password (`POST /v1/auth/password`; other
//! sessions end).

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::{LazyRoute, lazy_route};
use qingting_shared::accounts::password;

use super::{Outcome, api, outcome_view, section_title, submit_button};
use crate::state::{Directory, sw};

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
        }
        .into_any()
    }
}
