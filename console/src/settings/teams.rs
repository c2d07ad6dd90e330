//! `/console/settings/teams`: teams per scope with their members; admins create teams and add or
//! remove members (people of the team's scope).

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::{LazyRoute, lazy_route};
use qingting_shared::accounts::Scope;

use super::api::{self, Merchant, StaffMember, Team};
use super::channel::{ChannelForm, ChannelOf};
use super::{Outcome, outcome_view, powers, scope_name, scope_options, scope_value, section_title, submit_button};
use crate::api::Failure;
use crate::state::{Console, failure_alert, loading_view, sw};

/// The route (its data are loaded in `view`, inside the lazy chunk: see `people`).
pub struct TeamsRoute;

#[lazy_route]
impl LazyRoute for TeamsRoute {
    fn data() -> Self {
        TeamsRoute
    }

    fn view(_this: Self) -> AnyView {
        let lists_staff = powers().lists_staff;
        let (teams, merchants) = (LocalResource::new(api::teams), LocalResource::new(api::merchants));
        // Agents may not list staff: nobody to add, and they cannot change teams anyway.
        let staff = LocalResource::new(move || async move { if lists_staff { api::staff().await } else { Ok(Vec::new()) } });
        let create = powers().is_admin().then(|| view! { <NewTeam teams=teams merchants=merchants/> });
        view! {
            {section_title(|s| s.teams)}
            {create}
            <Suspense fallback=loading_view>
                <ErrorBoundary fallback=failure_alert>
                    {move || Suspend::new(async move {
                        let list = teams.await?;
                        let merchants = merchants.await.unwrap_or_default();
                        let people = staff.await.unwrap_or_default();
                        let cards = list
                            .into_iter()
                            .map(|t| view! { <TeamCard team=t merchants=merchants.clone() people=people.clone()/> })
                            .collect_view();
                        Ok::<_, Failure>(view! { <div class="team-list">{cards}</div> })
                    })}
                </ErrorBoundary>
            </Suspense>
        }
        .into_any()
    }
}

/// One team: its members (each removable by the scope's admins) and an "add" picker.
#[component]
fn TeamCard(team: Team, merchants: Vec<Merchant>, people: Vec<StaffMember>) -> impl IntoView {
    let console = Console::get();
    let scope = team.scope();
    let manages = powers().manages(&scope);
    let current = RwSignal::new(team.clone());
    let outcome = RwSignal::new(Outcome::Idle);
    let pick = RwSignal::new(String::new());
    let team_id = StoredValue::new(team.id.clone());
    let (heading_id, heading_for) = (format!("team-{}", team.id), format!("team-{}", team.id));
    let change = move |user: String, add: bool| {
        outcome.set(Outcome::Busy);
        spawn_local(async move {
            let id = team_id.get_value();
            let r = if add { api::add_member(&id, &user).await } else { api::remove_member(&id, &user).await };
            match r {
                Ok(t) => {
                    current.set(t);
                    pick.set(String::new());
                    outcome.set(Outcome::Idle);
                }
                Err(f) => outcome.set(Outcome::Failed(f)),
            }
        });
    };
    let ui = move || console.ui();
    let where_ = scope_name(ui(), &scope, &merchants);
    // Active people of the team's scope who are not in it yet.
    let candidates = {
        let scope = scope.clone();
        move || {
            let members: Vec<String> = current.with(|t| t.members.iter().map(|m| m.id.clone()).collect());
            people
                .iter()
                .filter(|p| p.status == "active" && p.memberships.iter().any(|m| m.scope == scope) && !members.contains(&p.id))
                .map(|p| (p.id.clone(), p.display_name.clone()))
                .collect::<Vec<_>>()
        }
    };
    let members = move || {
        let list = current.with(|t| t.members.clone());
        if list.is_empty() {
            return view! { <p class="none">{sw(|s| s.no_members)}</p> }.into_any();
        }
        view! {
            <ul class="members">
                {list
                    .into_iter()
                    .map(|m| {
                        let label = ui().st.remove_member.replace("{name}", &m.display_name);
                        let id = m.id.clone();
                        view! {
                            <li>
                                <span>{m.display_name.clone()}</span>
                                {manages.then(|| view! {
                                    <button type="button" class="link" aria-label=label on:click=move |_| change(id.clone(), false)>{sw(|s| s.remove)}</button>
                                })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        }
        .into_any()
    };
    let add_id = format!("add-{}", team.id);
    let add = manages.then(|| {
        let candidates = candidates.clone();
        let add_id2 = add_id.clone();
        view! {
            <form class="inline-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                let user = pick.get_untracked();
                if !user.is_empty() {
                    change(user, true);
                }
            }>
                <label for=add_id.clone()>{sw(|s| s.add_member)}</label>
                <select id=add_id2 on:change=move |ev| pick.set(event_target_value(&ev)) prop:value=move || pick.get()>
                    <option value="">"—"</option>
                    {move || candidates().into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                </select>
                <button type="submit" class="secondary">{sw(|s| s.add)}</button>
            </form>
        }
    });
    view! {
        <section class="card team" aria-labelledby=heading_for>
            <h2 id=heading_id>
                {move || current.with(|t| t.name.clone())}
                {team.is_default.then(|| view! { " " <span class="badge tag">{sw(|s| s.default_team)}</span> })}
            </h2>
            <p class="label">{where_}</p>
            {outcome_view(outcome)}
            {members}
            {add}
            {manages.then(|| view! {
                <details class="channel-box">
                    <summary>{sw(|s| s.channel_title)}</summary>
                    <p class="hint">{sw(|s| s.team_channel_intro)}</p>
                    <ChannelForm of=ChannelOf::Team(team.id.clone()) current=team.channel.clone()/>
                </details>
            })}
        </section>
    }
}

/// Creates a team in a scope the caller administers.
#[component]
fn NewTeam(teams: LocalResource<Result<Vec<Team>, Failure>>, merchants: LocalResource<Result<Vec<Merchant>, Failure>>) -> impl IntoView {
    let powers = powers();
    let name = RwSignal::new(String::new());
    let first = powers.administers.iter().find(|s| **s != Scope::Platform).or(powers.administers.first()).cloned();
    let scope = RwSignal::new(first.as_ref().map(scope_value).unwrap_or_default());
    let outcome = RwSignal::new(Outcome::Idle);
    let options = scope_options(powers, merchants, scope);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if outcome.with_untracked(Outcome::is_busy) {
            return;
        }
        let n = name.get_untracked().trim().to_string();
        if n.is_empty() {
            return outcome.set(Outcome::Invalid(|s| s.err_name_missing));
        }
        let s = scope.get_untracked();
        outcome.set(Outcome::Busy);
        spawn_local(async move {
            match api::create_team((!s.is_empty()).then_some(s.as_str()), &n).await {
                Ok(_) => {
                    name.set(String::new());
                    outcome.set(Outcome::Done(|s| s.saved));
                    teams.refetch();
                }
                Err(f) => outcome.set(Outcome::Failed(f)),
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="new-team">
            <h2 id="new-team">{sw(|s| s.new_team)}</h2>
            <form novalidate on:submit=submit class="grid-form">
                {outcome_view(outcome)}
                <div class="field">
                    <label for="team-name">{sw(|s| s.team_name)}</label>
                    <input id="team-name" type="text" maxlength="60" bind:value=name/>
                </div>
                <div class="field">
                    <label for="team-scope">{sw(|s| s.scope)}</label>
                    <select id="team-scope" on:change=move |ev| scope.set(event_target_value(&ev))>{options}</select>
                </div>
                <div class="form-end">{submit_button(|s| s.create, outcome)}</div>
            </form>
        </section>
    }
}
