//! `/console/settings/people`: staff in the caller's view with their scopes, roles and status;
//! invitations (the one-time setup link is shown once, to copy); a new link for someone who has
//! not set up; deactivation (their sessions end at once), confirmed first.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::{LazyRoute, lazy_route};
use qingting_shared::accounts::{Role, Scope};

use super::api::{self, Invited, Merchant, StaffMember};
use super::{CopyField, Outcome, Powers, outcome_view, powers, role_name, scope_choices, scope_name, scope_options, scope_value, section_title, submit_button};
use crate::state::{Console, Directory, failure_alert, loading_view, sw};

/// The route. Its data are loaded in `view`, inside the lazily loaded chunk: what `data` does is
/// part of the first load, and the API types' deserializers are not small.
pub struct PeopleRoute;

#[lazy_route]
impl LazyRoute for PeopleRoute {
    fn data() -> Self {
        PeopleRoute
    }

    fn view(_this: Self) -> AnyView {
        let (staff, merchants) = (LocalResource::new(api::staff), LocalResource::new(api::merchants));
        let powers = powers();
        // The newest link, shown until another action.
        let link = RwSignal::new(None::<Invited>);
        let invite_form = powers.is_admin().then(|| view! { <InviteForm powers=powers.clone() merchants=merchants staff=staff link=link/> });
        view! {
            {section_title(|s| s.people)}
            {move || {
                link.get().map(|i| {
                    let url = format!("{}{}", window().location().origin().unwrap_or_default(), i.setup_url);
                    view! {
                        <section class="card invited" aria-labelledby="link-title">
                            <h2 id="link-title">{i.user.display_name.clone()}" · "{i.user.email.clone()}</h2>
                            <CopyField id="setup-link" label=|s| s.invite_link text=url/>
                            <p class="hint">{sw(|s| s.invite_link_note)}</p>
                        </section>
                    }
                })
            }}
            {invite_form}
            <Suspense fallback=loading_view>
                <ErrorBoundary fallback=failure_alert>
                    {move || Suspend::new(async move {
                        let list = staff.await?;
                        let merchants = merchants.await.unwrap_or_default();
                        Ok::<_, crate::api::Failure>(view! { <StaffTable list=list merchants=merchants staff=staff link=link/> })
                    })}
                </ErrorBoundary>
            </Suspense>
        }
        .into_any()
    }
}

#[component]
fn StaffTable(
    list: Vec<StaffMember>,
    merchants: Vec<Merchant>,
    staff: LocalResource<Result<Vec<StaffMember>, crate::api::Failure>>,
    link: RwSignal<Option<Invited>>,
) -> impl IntoView {
    let console = Console::get();
    let my_id = Directory::get().my_id();
    let outcome = RwSignal::new(Outcome::Idle);
    let powers = powers();
    let rows = list
        .into_iter()
        .map(|p| {
            let ui = move || console.ui();
            let scopes: Vec<Scope> = p.memberships.iter().map(|m| m.scope.clone()).collect();
            let manageable = scopes.iter().all(|s| powers.manages(s)) && !scopes.is_empty();
            let merchants = merchants.clone();
            let memberships = p.memberships.clone();
            let roles = move || {
                memberships.iter().map(|m| format!("{} · {}", scope_name(ui(), &m.scope, &merchants), role_name(ui(), m.role))).collect::<Vec<_>>().join(" / ")
            };
            let status = p.status.clone();
            let status_words = move || match status.as_str() {
                "active" => ui().st.status_active,
                "invited" => ui().st.status_invited,
                _ => ui().st.status_deactivated,
            };
            let me = p.id == my_id;
            let confirming = RwSignal::new(false);
            let (id, id2, name) = (p.id.clone(), p.id.clone(), p.display_name.clone());
            let new_link = move |_| {
                let id = id.clone();
                outcome.set(Outcome::Busy);
                spawn_local(async move {
                    match api::reinvite(&id).await {
                        Ok(i) => {
                            link.set(Some(i));
                            outcome.set(Outcome::Idle);
                            staff.refetch();
                        }
                        Err(f) => outcome.set(Outcome::Failed(f)),
                    }
                });
            };
            let deactivate = move |_| {
                let id = id2.clone();
                confirming.set(false);
                outcome.set(Outcome::Busy);
                spawn_local(async move {
                    match api::deactivate(&id).await {
                        Ok(()) => {
                            outcome.set(Outcome::Done(|s| s.deactivated));
                            staff.refetch();
                        }
                        Err(f) => outcome.set(Outcome::Failed(f)),
                    }
                });
            };
            let actions = manageable.then(|| {
                let invited = p.status == "invited";
                let active = p.status == "active" && !me;
                let name = name.clone();
                view! {
                    {invited.then(|| view! { <button type="button" class="secondary" on:click=new_link>{sw(|s| s.new_link)}</button> })}
                    {(active || invited).then(|| {
                        let name = name.clone();
                        view! {
                            <Show
                                when=move || confirming.get()
                                fallback=move || view! { <button type="button" class="secondary danger" on:click=move |_| confirming.set(true)>{sw(|s| s.deactivate)}</button> }
                            >
                                <p class="confirm" role="alert">{ui().st.deactivate_confirm.replace("{name}", &name)}</p>
                                <button type="button" class="primary danger" on:click=deactivate.clone()>{sw(|s| s.deactivate)}</button>
                                <button type="button" class="secondary" on:click=move |_| confirming.set(false)>{sw(|s| s.cancel)}</button>
                            </Show>
                        }
                    })}
                }
            });
            view! {
                <li class="row-card">
                    <div class="who">
                        <span class="name">{p.display_name.clone()}{me.then(|| ui().st.you)}</span>
                        <span class="email">{p.email.clone()}</span>
                    </div>
                    <div class="roles">{roles}</div>
                    <div><span class=format!("badge person-{}", p.status)>{status_words}</span></div>
                    <div class="row-actions">{actions}</div>
                </li>
            }
        })
        .collect_view();
    view! {
        {outcome_view(outcome)}
        <ul class="rows" aria-label=sw(|s| s.people)>{rows}</ul>
    }
}

#[component]
fn InviteForm(
    powers: Powers,
    merchants: LocalResource<Result<Vec<Merchant>, crate::api::Failure>>,
    staff: LocalResource<Result<Vec<StaffMember>, crate::api::Failure>>,
    link: RwSignal<Option<Invited>>,
) -> impl IntoView {
    let console = Console::get();
    let (email, name) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let untracked = merchants.get_untracked().and_then(Result::ok).unwrap_or_default();
    let first = scope_choices(&powers, &untracked).first().map(scope_value).unwrap_or_default();
    let scope = RwSignal::new(first);
    let role = RwSignal::new("agent".to_string());
    let outcome = RwSignal::new(Outcome::Idle);
    let options = scope_options(powers, merchants, scope);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if outcome.with_untracked(Outcome::is_busy) {
            return;
        }
        let (e, n) = (email.get_untracked().trim().to_string(), name.get_untracked().trim().to_string());
        if n.is_empty() {
            return outcome.set(Outcome::Invalid(|s| s.err_name_missing));
        }
        let s = scope.get_untracked();
        let s = if s.is_empty() { Scope::Platform } else { Scope::Merchant(s) };
        let r = Role::parse(&role.get_untracked()).unwrap_or(Role::Agent);
        outcome.set(Outcome::Busy);
        spawn_local(async move {
            match api::invite(&e, &n, &s, r).await {
                Ok(i) => {
                    email.set(String::new());
                    name.set(String::new());
                    outcome.set(Outcome::Idle);
                    link.set(Some(i));
                    staff.refetch();
                }
                Err(f) => outcome.set(Outcome::Failed(f)),
            }
        });
    };
    let ui = move || console.ui();
    view! {
        <section class="card" aria-labelledby="invite-title">
            <h2 id="invite-title">{sw(|s| s.invite_title)}</h2>
            <form novalidate on:submit=submit class="grid-form">
                {outcome_view(outcome)}
                <div class="field">
                    <label for="inv-email">{sw(|s| s.email)}</label>
                    <input id="inv-email" type="email" inputmode="email" autocomplete="off" autocapitalize="none" spellcheck="false" bind:value=email/>
                </div>
                <div class="field">
                    <label for="inv-name">{sw(|s| s.display_name)}</label>
                    <input id="inv-name" type="text" maxlength="60" autocomplete="off" bind:value=name/>
                </div>
                <div class="field">
                    <label for="inv-scope">{sw(|s| s.scope)}</label>
                    <select id="inv-scope" on:change=move |ev| scope.set(event_target_value(&ev))>{options}</select>
                </div>
                <div class="field">
                    <label for="inv-role">{sw(|s| s.role)}</label>
                    <select id="inv-role" on:change=move |ev| role.set(event_target_value(&ev))>
                        {Role::ALL
                            .iter()
                            .map(|&r| view! { <option value=r.as_str() selected=move || role.get() == r.as_str()>{move || role_name(ui(), r)}</option> })
                            .collect_view()}
                    </select>
                </div>
                <div class="form-end">{submit_button(|s| s.invite, outcome)}</div>
            </form>
        </section>
    }
}
