//! A notification channel (a person's or a team's chat group or webhook) as a small form: kind,
//! address and secret, or none. Used by 我的账号 (`PUT /v1/auth/channel`) and 团队
//! (`PUT /v1/teams/:id/channel`). A secret shown as `********` stays as stored unless replaced.

use leptos::prelude::*;
use leptos::task::spawn_local;
use qingting_shared::forward::{Destination, DestinationKind};

use super::{Outcome, api, outcome_view, submit_button};
use crate::state::sw;

/// Whose channel the form edits.
#[derive(Clone, Debug, PartialEq)]
pub enum ChannelOf {
    Me,
    Team(String),
}

/// The form; `current` is the channel as stored (secret hidden).
#[component]
pub fn ChannelForm(of: ChannelOf, current: Option<Destination>) -> impl IntoView {
    let prefix = match &of {
        ChannelOf::Me => "my-channel".to_string(),
        ChannelOf::Team(id) => format!("team-channel-{}", &id[..id.len().min(8)]),
    };
    let kind = RwSignal::new(current.as_ref().map_or(String::new(), |c| c.kind.as_str().to_string()));
    let url = RwSignal::new(current.as_ref().map(|c| c.url.clone()).unwrap_or_default());
    let secret = RwSignal::new(current.as_ref().and_then(|c| c.secret.clone()).unwrap_or_default());
    let outcome = RwSignal::new(Outcome::Idle);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if outcome.with_untracked(Outcome::is_busy) {
            return;
        }
        let channel = DestinationKind::parse(&kind.get_untracked()).map(|k| Destination {
            id: "channel".into(),
            kind: k,
            url: url.get_untracked().trim().to_string(),
            secret: Some(secret.get_untracked().trim().to_string()).filter(|s| !s.is_empty()),
        });
        if channel.as_ref().is_some_and(|c| c.url.is_empty()) {
            return outcome.set(Outcome::Invalid(|s| s.err_channel_url));
        }
        outcome.set(Outcome::Busy);
        let of = of.clone();
        spawn_local(async move {
            match api::put_channel(&of, channel.as_ref()).await {
                Ok(saved) => {
                    secret.set(saved.and_then(|c| c.secret).unwrap_or_default());
                    outcome.set(Outcome::Done(|s| s.saved));
                }
                Err(f) => outcome.set(Outcome::Failed(f)),
            }
        });
    };
    let (kind_id, url_id, secret_id) = (format!("{prefix}-kind"), format!("{prefix}-url"), format!("{prefix}-secret"));
    let hint_id = format!("{prefix}-hint");
    view! {
        <form novalidate on:submit=submit class="grid-form channel">
            {outcome_view(outcome)}
            <div class="field">
                <label for=kind_id.clone()>{sw(|s| s.channel_kind)}</label>
                <select id=kind_id on:change:target=move |ev| kind.set(ev.target().value())>
                    <option value="" selected=move || kind.get().is_empty()>{sw(|s| s.channel_none)}</option>
                    {DestinationKind::ALL
                        .iter()
                        .map(|k| view! { <option value=k.as_str() selected=move || kind.get() == k.as_str()>{super::sites::kind_name(*k)}</option> })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for=url_id.clone()>{sw(|s| s.channel_url)}</label>
                <input id=url_id type="url" inputmode="url" bind:value=url disabled=move || kind.get().is_empty()/>
            </div>
            <div class="field">
                <label for=secret_id.clone()>{sw(|s| s.channel_secret)}</label>
                <input id=secret_id type="text" autocomplete="off" bind:value=secret disabled=move || kind.get().is_empty() aria-describedby=hint_id.clone()/>
                <p class="hint" id=hint_id>{sw(|s| s.dest_secret_hint)}</p>
            </div>
            <div class="form-end">{submit_button(|s| s.save, outcome)}</div>
        </form>
    }
}
