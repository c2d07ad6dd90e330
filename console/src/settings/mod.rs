//! `/console/settings/…`: what each role manages. The frame ([`Layout`]: the section navigation)
//! is part of the first load; every section is a `#[lazy_route]`, its own WebAssembly chunk
//! fetched on the first visit (`cargo xtask build` splits them off), so the inbox does not pay for
//! settings.
//!
//! Sections, shown to whom they concern (the API decides; the console only hides what would be
//! refused): `account` (everyone: the password), `people` (admins and supervisors: staff and
//! invitations), `teams` (everyone sees; admins change), `merchants` (platform staff), `sites`
//! and `sites/:key` (admins: origins, embed snippet, destinations, FAQ pack, thresholds), `sla`
//! (admins and supervisors: SLA targets, warning, opening hours, holidays, 调休), `rules` (admins
//! and supervisors: routing rules with a preview).
//!
//! Text from the server (names, e-mails, origins, packs) is rendered as text nodes or as form
//! values only.

use leptos::prelude::*;
use leptos_router::components::{A, Outlet};
use qingting_shared::accounts::{Membership, Role, Scope};

use crate::state::{Directory, page_title, sw, uw};

mod account;
pub mod api;
mod channel;
mod merchants;
mod people;
mod rules;
mod sites;
mod sla;
mod teams;
pub mod words;

pub use account::AccountRoute;
pub use merchants::MerchantsRoute;
pub use people::PeopleRoute;
pub use rules::RulesRoute;
pub use sites::{SiteRoute, SitesRoute};
pub use sla::SlaRoute;
pub use teams::TeamsRoute;

/// What the signed-in person's memberships let them manage, for showing only what applies.
#[derive(Clone, Debug, PartialEq)]
pub struct Powers {
    /// Scopes where they are admin: invite into, create teams and sites in.
    pub administers: Vec<Scope>,
    /// Admin or supervisor anywhere: may list staff.
    pub lists_staff: bool,
    /// A platform member: sees merchants and every site.
    pub platform: bool,
}

impl Powers {
    pub fn of(memberships: &[Membership]) -> Powers {
        Powers {
            administers: memberships.iter().filter(|m| m.role == Role::Admin).map(|m| m.scope.clone()).collect(),
            lists_staff: memberships.iter().any(|m| matches!(m.role, Role::Admin | Role::Supervisor)),
            platform: memberships.iter().any(|m| m.scope == Scope::Platform),
        }
    }

    /// Platform admins administer every scope.
    pub fn manages(&self, scope: &Scope) -> bool {
        self.administers.iter().any(|s| s == scope || *s == Scope::Platform)
    }

    pub fn is_admin(&self) -> bool {
        !self.administers.is_empty()
    }

    pub fn platform_admin(&self) -> bool {
        self.administers.contains(&Scope::Platform)
    }

    /// The sections this person has a use for, in the navigation's order.
    pub fn sections(&self) -> Vec<Section> {
        let mut out = vec![Section::Account];
        if self.lists_staff {
            out.push(Section::People);
        }
        out.push(Section::Teams);
        if self.platform {
            out.push(Section::Merchants);
        }
        if self.is_admin() {
            out.push(Section::Sites);
        }
        if self.lists_staff {
            out.push(Section::Rules);
            out.push(Section::Sla);
        }
        out
    }
}

pub fn powers() -> Powers {
    Directory::get().me.with_value(|me| Powers::of(&me.memberships))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Account,
    People,
    Teams,
    Merchants,
    Sites,
    Rules,
    Sla,
}

pub type Word = fn(&words::SettingsWords) -> &'static str;

impl Section {
    fn path(self) -> &'static str {
        match self {
            Section::Account => "/console/settings/account",
            Section::People => "/console/settings/people",
            Section::Teams => "/console/settings/teams",
            Section::Merchants => "/console/settings/merchants",
            Section::Sites => "/console/settings/sites",
            Section::Rules => "/console/settings/rules",
            Section::Sla => "/console/settings/sla",
        }
    }

    fn words(self) -> (Word, Word) {
        match self {
            Section::Account => (|s| s.account, |s| s.account_intro),
            Section::People => (|s| s.people, |s| s.people_intro),
            Section::Teams => (|s| s.teams, |s| s.teams_intro),
            Section::Merchants => (|s| s.merchants, |s| s.merchants_intro),
            Section::Sites => (|s| s.sites, |s| s.sites_intro),
            Section::Rules => (|s| s.rules, |s| s.rules_intro),
            Section::Sla => (|s| s.sla, |s| s.sla_intro),
        }
    }
}

/// `/console/settings/*`: the section navigation beside (on a phone: above) the section.
#[component]
pub fn Layout() -> impl IntoView {
    let sections = powers().sections();
    view! {
        <div class="settings">
            <nav class="settings-nav" aria-label=sw(|s| s.nav_label)>
                <ul>
                    {sections
                        .into_iter()
                        .map(|s| view! { <li><A href=s.path()>{sw(s.words().0)}</A></li> })
                        .collect_view()}
                </ul>
            </nav>
            <div class="settings-page">
                <Outlet/>
            </div>
        </div>
    }
}

/// `/console/settings`: what each section is for.
#[component]
pub fn Overview() -> impl IntoView {
    page_title(|ui| ui.settings_title);
    view! {
        <h1>{uw(|u| u.settings_title)}</h1>
        <ul class="sections">
            {powers()
                .sections()
                .into_iter()
                .map(|s| {
                    let (name, intro) = s.words();
                    view! {
                        <li>
                            <A href=s.path()>{sw(name)}</A>
                            <p>{sw(intro)}</p>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

/// A section's title as the page's `<h1>` and the document's title.
fn section_title(word: Word) -> impl IntoView {
    let console = crate::state::Console::get();
    Effect::new(move |_| {
        let ui = console.ui();
        document().set_title(&format!("{} · {}", word(&ui.st), ui.brand));
    });
    view! { <h1>{sw(word)}</h1> }
}

/// What a form's last submission came to: nothing yet, under way, done (with words), refused.
#[derive(Clone, Debug)]
pub enum Outcome {
    Idle,
    Busy,
    Done(Word),
    Failed(crate::api::Failure),
    /// A check made here before asking (words of this language).
    Invalid(Word),
}

impl Outcome {
    pub fn is_busy(&self) -> bool {
        matches!(self, Outcome::Busy)
    }
}

/// The outcome's words: a polite status for success, an alert for problems.
pub fn outcome_view(outcome: RwSignal<Outcome>) -> impl IntoView {
    let console = crate::state::Console::get();
    move || match outcome.get() {
        Outcome::Done(w) => Some(view! { <p class="notice" role="status">{w(&console.ui().st)}</p> }.into_any()),
        Outcome::Failed(f) => Some(view! { <div class="alert" role="alert">{console.ui().failure(&f)}</div> }.into_any()),
        Outcome::Invalid(w) => Some(view! { <div class="alert" role="alert">{w(&console.ui().st)}</div> }.into_any()),
        Outcome::Idle | Outcome::Busy => None,
    }
}

/// A submit button that says it is working while `outcome` is busy.
pub fn submit_button(label: Word, outcome: RwSignal<Outcome>) -> impl IntoView {
    let console = crate::state::Console::get();
    view! {
        <button type="submit" class="primary" aria-disabled=move || (outcome.with(Outcome::is_busy)).to_string()>
            {move || if outcome.with(Outcome::is_busy) { console.ui().st.saving } else { label(&console.ui().st) }}
        </button>
    }
}

/// A read-only text with a copy button (the embed snippet, a setup link).
#[component]
fn CopyField(
    /// The field's id (its label points at it).
    id: &'static str,
    label: Word,
    text: String,
    /// A multi-line field.
    #[prop(optional)]
    multiline: bool,
) -> impl IntoView {
    let console = crate::state::Console::get();
    let copied = RwSignal::new(false);
    let value = text.clone();
    let copy = move |_| {
        let clipboard = window().navigator().clipboard();
        let _ = clipboard.write_text(&value);
        copied.set(true);
    };
    let field = if multiline {
        view! { <textarea id=id readonly rows="3" class="mono" prop:value=text></textarea> }.into_any()
    } else {
        view! { <input id=id type="text" readonly class="mono" prop:value=text/> }.into_any()
    };
    view! {
        <div class="field copy">
            <label for=id>{sw(label)}</label>
            {field}
            <button type="button" class="secondary" on:click=copy>{sw(|s| s.copy)}</button>
            <span class="copied" role="status">{move || copied.get().then(|| console.ui().st.copied)}</span>
        </div>
    }
}

/// A scope in words: "平台" or the merchant's name (its id when the name is not known).
pub fn scope_name(ui: &crate::i18n::Ui, scope: &Scope, merchants: &[api::Merchant]) -> String {
    match scope {
        Scope::Platform => ui.scope_platform.to_string(),
        Scope::Merchant(id) => merchants.iter().find(|m| &m.id == id).map_or_else(|| id.chars().take(8).collect(), |m| m.name.clone()),
    }
}

/// The scopes a person may invite into or make teams in: for platform admins the platform, then
/// every merchant; for others the scopes they administer.
pub fn scope_choices(powers: &Powers, merchants: &[api::Merchant]) -> Vec<Scope> {
    if powers.platform_admin() {
        std::iter::once(Scope::Platform).chain(merchants.iter().map(|m| Scope::Merchant(m.id.clone()))).collect()
    } else {
        powers.administers.clone()
    }
}

/// A scope as a `<select>` value: empty for the platform, else the merchant id.
pub fn scope_value(scope: &Scope) -> String {
    match scope {
        Scope::Platform => String::new(),
        Scope::Merchant(id) => id.clone(),
    }
}

/// The `<option>`s of a scope picker ([`scope_choices`], named as [`scope_name`] does), the one
/// whose value is `current` selected; they follow the merchants as they load.
pub fn scope_options(
    powers: Powers,
    merchants: LocalResource<Result<Vec<api::Merchant>, crate::api::Failure>>,
    current: RwSignal<String>,
) -> impl Fn() -> AnyView + Send + Sync + 'static {
    let console = crate::state::Console::get();
    move || {
        let ms = merchants.get().and_then(Result::ok).unwrap_or_default();
        scope_choices(&powers, &ms)
            .into_iter()
            .map(|s| {
                let v = scope_value(&s);
                let selected = current.get_untracked() == v;
                view! { <option value=v selected=selected>{scope_name(console.ui(), &s, &ms)}</option> }
            })
            .collect_view()
            .into_any()
    }
}

/// Where a page about one scope's settings (SLA, routing rules) starts: the platform's for
/// platform staff, else the person's first scope.
pub fn first_scope() -> RwSignal<String> {
    let platform = powers().platform;
    let first = Directory::get().me.with_value(|me| me.memberships.first().map(|m| scope_value(&m.scope)));
    RwSignal::new(if platform { String::new() } else { first.unwrap_or_default() })
}

/// The picker between the scopes a person sees (platform staff: the platform and every merchant;
/// others: their memberships' scopes), shown when there is more than one.
#[component]
pub fn ScopePicker(id: &'static str, scope: RwSignal<String>, merchants: LocalResource<Result<Vec<api::Merchant>, crate::api::Failure>>) -> impl IntoView {
    let console = crate::state::Console::get();
    let platform = powers().platform;
    let own: Vec<Scope> = Directory::get().me.with_value(|me| me.memberships.iter().map(|m| m.scope.clone()).collect());
    move || {
        let ms = merchants.get().and_then(Result::ok).unwrap_or_default();
        let list: Vec<Scope> =
            if platform { std::iter::once(Scope::Platform).chain(ms.iter().map(|m| Scope::Merchant(m.id.clone()))).collect() } else { own.clone() };
        (list.len() > 1).then(|| {
            view! {
                <div class="field">
                    <label for=id>{sw(|s| s.sla_scope)}</label>
                    <select id=id on:change:target=move |ev| scope.set(ev.target().value())>
                        {list
                            .into_iter()
                            .map(|s| {
                                let v = scope_value(&s);
                                let selected = scope.get_untracked() == v;
                                view! { <option value=v selected=selected>{scope_name(console.ui(), &s, &ms)}</option> }
                            })
                            .collect_view()}
                    </select>
                </div>
            }
        })
    }
}

pub fn role_name(ui: &crate::i18n::Ui, role: Role) -> &'static str {
    match role {
        Role::Admin => ui.role_admin,
        Role::Supervisor => ui.role_supervisor,
        Role::Agent => ui.role_agent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_sees_the_sections_it_manages() {
        let m = |scope: Scope, role| Membership { scope, role };
        let merchant = || Scope::Merchant("m1".into());
        let agent = Powers::of(&[m(merchant(), Role::Agent)]);
        assert_eq!(agent.sections(), [Section::Account, Section::Teams]);
        let supervisor = Powers::of(&[m(merchant(), Role::Supervisor)]);
        assert_eq!(supervisor.sections(), [Section::Account, Section::People, Section::Teams, Section::Rules, Section::Sla]);
        let owner = Powers::of(&[m(merchant(), Role::Admin)]);
        assert_eq!(owner.sections(), [Section::Account, Section::People, Section::Teams, Section::Sites, Section::Rules, Section::Sla]);
        assert!(owner.manages(&merchant()) && !owner.manages(&Scope::Platform) && !owner.manages(&Scope::Merchant("m2".into())));
        let platform = Powers::of(&[m(Scope::Platform, Role::Admin)]);
        assert_eq!(platform.sections(), [Section::Account, Section::People, Section::Teams, Section::Merchants, Section::Sites, Section::Rules, Section::Sla]);
        assert!(platform.manages(&merchant()) && platform.platform_admin());
    }
}
