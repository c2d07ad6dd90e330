//! `/console/settings/sla`: a scope's SLA policy and calendar (`GET/PUT /v1/sla-policies/:scope`):
//! first-response and resolution targets per priority in business minutes, the warning before a
//! breach, and the opening hours, holidays and 调休 make-up workdays the clocks count in. Platform
//! admins choose the platform's default or any merchant; a merchant's admins edit their own;
//! others read what applies. The server checks everything again and says what is wrong.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::{LazyRoute, lazy_route};
use qingting_shared::workflow::sla::{SlaPolicy, Warning};
use qingting_shared::{Lang, PerLang, Priority};

use super::api::{self, CalendarForm, SlaAnswer, SlaTerms};
use super::{Outcome, ScopePicker, first_scope, outcome_view, section_title, submit_button};
use crate::api::Failure;
use crate::state::{Console, failure_alert, loading_view, sw};

/// The calendar's weekday keys, Monday first.
const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// The zones the server knows by name (any `+HH:MM` offset works too).
const ZONES: [&str; 5] = ["Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Macau", "UTC"];

const ALL_DAY: &str = "00:00-24:00";

fn day_name(lang: Lang, i: usize) -> &'static str {
    let names = PerLang::new(
        ["周一", "周二", "周三", "周四", "周五", "周六", "周日"],
        ["週一", "週二", "週三", "週四", "週五", "週六", "週日"],
        ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    );
    names.get(lang)[i]
}

/// The form's fields, as typed.
#[derive(Clone, Copy)]
struct Form {
    first: [RwSignal<String>; 4],
    resolution: [RwSignal<String>; 4],
    /// `true`: percent of the target; `false`: minutes before.
    percent: RwSignal<bool>,
    warn: RwSignal<String>,
    urges: RwSignal<String>,
    urge_gap: RwSignal<String>,
    zone: RwSignal<String>,
    always: RwSignal<bool>,
    days: [RwSignal<String>; 7],
    holidays: RwSignal<String>,
    workdays: RwSignal<String>,
}

impl Form {
    fn new() -> Form {
        let s = || RwSignal::new(String::new());
        Form {
            first: [s(), s(), s(), s()],
            resolution: [s(), s(), s(), s()],
            percent: RwSignal::new(true),
            warn: s(),
            urges: s(),
            urge_gap: s(),
            zone: RwSignal::new(ZONES[0].into()),
            always: RwSignal::new(false),
            days: [s(), s(), s(), s(), s(), s(), s()],
            holidays: s(),
            workdays: s(),
        }
    }

    /// Shows `terms` in the fields.
    fn fill(&self, terms: &SlaTerms) {
        for i in 0..4 {
            self.first[i].set(terms.policy.first_response[i].to_string());
            self.resolution[i].set(terms.policy.resolution[i].to_string());
        }
        let (percent, value) = match terms.policy.warning {
            Warning::PercentOfTarget(p) => (true, u32::from(p)),
            Warning::MinutesBefore(m) => (false, m),
        };
        self.percent.set(percent);
        self.warn.set(value.to_string());
        self.urges.set(terms.policy.urges_to_platform.to_string());
        self.urge_gap.set(terms.policy.urge_interval_minutes.to_string());
        let c = &terms.calendar;
        self.zone.set(c.zone.clone());
        let always = DAYS.iter().all(|d| c.week.get(*d).is_some_and(|h| h.len() == 1 && h[0] == ALL_DAY));
        self.always.set(always);
        for (i, d) in DAYS.iter().enumerate() {
            self.days[i].set(c.week.get(*d).map(|h| h.join(", ")).unwrap_or_default());
        }
        self.holidays.set(c.holidays.join("\n"));
        self.workdays.set(c.workdays.join("\n"));
    }

    /// Around the clock on or off. Turning it off from an around-the-clock week starts from office
    /// hours (weekdays 09:00-18:00, weekends closed) rather than seven 24-hour days.
    fn set_always(&self, on: bool) {
        self.always.set(on);
        if !on && self.days.iter().all(|d| d.with_untracked(|v| v.trim() == ALL_DAY)) {
            for (i, d) in self.days.iter().enumerate() {
                d.set(if i < 5 { "09:00-18:00".into() } else { String::new() });
            }
        }
    }

    /// The terms the fields say, or which check failed here.
    fn read(&self) -> Result<SlaTerms, super::Word> {
        const NOT_A_NUMBER: super::Word = |s| s.err_sla_number;
        let number = |s: RwSignal<String>| s.get_untracked().trim().parse::<u32>().ok().filter(|n| *n > 0).ok_or(NOT_A_NUMBER);
        let mut first = [0u32; 4];
        let mut resolution = [0u32; 4];
        for i in 0..4 {
            first[i] = number(self.first[i])?;
            resolution[i] = number(self.resolution[i])?;
        }
        let warn = number(self.warn)?;
        let urges_to_platform = number(self.urges)?;
        let urge_interval_minutes = number(self.urge_gap)?;
        let warning = if self.percent.get_untracked() { Warning::PercentOfTarget(warn.min(255) as u8) } else { Warning::MinutesBefore(warn) };
        let lines = |s: RwSignal<String>| s.get_untracked().lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect::<Vec<_>>();
        let always = self.always.get_untracked();
        let week: BTreeMap<String, Vec<String>> = DAYS
            .iter()
            .enumerate()
            .filter_map(|(i, d)| {
                let hours: Vec<String> = if always {
                    vec![ALL_DAY.into()]
                } else {
                    self.days[i].get_untracked().split([',', '，', ';', '；']).map(str::trim).filter(|h| !h.is_empty()).map(str::to_string).collect()
                };
                (!hours.is_empty()).then(|| (d.to_string(), hours))
            })
            .collect();
        Ok(SlaTerms {
            policy: SlaPolicy { first_response: first, resolution, warning, urges_to_platform, urge_interval_minutes },
            calendar: CalendarForm {
                zone: self.zone.get_untracked().trim().to_string(),
                week,
                holidays: lines(self.holidays),
                workdays: lines(self.workdays),
                workday_hours: None,
            },
        })
    }
}

/// The route (data loaded in `view`, inside the lazy chunk: see `people`).
pub struct SlaRoute;

#[lazy_route]
impl LazyRoute for SlaRoute {
    fn data() -> Self {
        SlaRoute
    }

    fn view(_this: Self) -> AnyView {
        let scope = first_scope();
        let merchants = LocalResource::new(api::merchants);
        let answer: LocalResource<Result<SlaAnswer, Failure>> = LocalResource::new(move || {
            let s = scope.get();
            async move { api::sla(&s).await }
        });
        view! {
            {section_title(|s| s.sla)}
            <p class="intro">{sw(|s| s.sla_intro)}</p>
            <ScopePicker id="sla-scope" scope=scope merchants=merchants/>
            <Suspense fallback=loading_view>
                <ErrorBoundary fallback=failure_alert>
                    {move || Suspend::new(async move {
                        let a = answer.await?;
                        Ok::<_, Failure>(view! { <Editor answer=a scope=scope.get_untracked()/> })
                    })}
                </ErrorBoundary>
            </Suspense>
        }
        .into_any()
    }
}

/// The policy and calendar of one scope.
#[component]
fn Editor(answer: SlaAnswer, scope: String) -> impl IntoView {
    let console = Console::get();
    let form = Form::new();
    form.fill(&answer.terms);
    let editable = answer.editable;
    let inherited = RwSignal::new(answer.inherited);
    let outcome = RwSignal::new(Outcome::Idle);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if outcome.with_untracked(Outcome::is_busy) {
            return;
        }
        let terms = match form.read() {
            Ok(t) => t,
            Err(w) => return outcome.set(Outcome::Invalid(w)),
        };
        outcome.set(Outcome::Busy);
        let scope = scope.clone();
        spawn_local(async move {
            match api::put_sla(&scope, &terms).await {
                Ok(a) => {
                    form.fill(&a.terms);
                    inherited.set(a.inherited);
                    outcome.set(Outcome::Done(|s| s.saved));
                }
                Err(f) => outcome.set(Outcome::Failed(f)),
            }
        });
    };
    let lang = move || console.lang.get();
    let rows = Priority::ALL
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let (fid, rid) = (format!("sla-first-{i}"), format!("sla-res-{i}"));
            let (first, resolution) = (form.first[i], form.resolution[i]);
            let label = move || format!("{} · {}", p.as_str(), p.label(lang()));
            view! {
                <tr>
                    <th scope="row">{label}</th>
                    <td>
                        <input id=fid type="number" min="1" inputmode="numeric" bind:value=first disabled=!editable
                            aria-label=move || format!("{} {}", label(), console.ui().st.sla_first_response)/>
                    </td>
                    <td>
                        <input id=rid type="number" min="1" inputmode="numeric" bind:value=resolution disabled=!editable
                            aria-label=move || format!("{} {}", label(), console.ui().st.sla_resolution)/>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let days = (0..7)
        .map(|i| {
            let id = format!("sla-day-{i}");
            let value = form.days[i];
            view! {
                <div class="field">
                    <label for=id.clone()>{move || day_name(lang(), i)}</label>
                    <input id=id type="text" bind:value=value disabled=move || !editable || form.always.get()
                        placeholder=sw(|s| s.sla_day_hint) aria-describedby="sla-day-hint"/>
                </div>
            }
        })
        .collect_view();
    view! {
        <Show when=move || inherited.get()>
            <p class="notice">{sw(|s| s.sla_inherited)}</p>
        </Show>
        {(!editable).then(|| view! { <p class="notice">{sw(|s| s.sla_readonly)}</p> })}
        <form novalidate on:submit=submit class="sla-form">
            {outcome_view(outcome)}
            <section class="card" aria-labelledby="sla-targets">
                <h2 id="sla-targets">{sw(|s| s.sla_targets)}</h2>
                <table class="targets">
                    <thead>
                        <tr>
                            <th scope="col">{sw(|s| s.sla_priority)}</th>
                            <th scope="col">{sw(|s| s.sla_first_response)}</th>
                            <th scope="col">{sw(|s| s.sla_resolution)}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
                <p class="hint">{sw(|s| s.sla_running_note)}</p>
                <fieldset>
                    <legend>{sw(|s| s.sla_warning)}</legend>
                    <label class="check">
                        <input type="radio" name="sla-warn" prop:checked=move || form.percent.get() on:change=move |_| form.percent.set(true) disabled=!editable/>
                        {sw(|s| s.sla_warning_percent)}
                    </label>
                    <label class="check">
                        <input type="radio" name="sla-warn" prop:checked=move || !form.percent.get() on:change=move |_| form.percent.set(false) disabled=!editable/>
                        {sw(|s| s.sla_warning_minutes)}
                    </label>
                    <div class="field">
                        <label for="sla-warn-value">{sw(|s| s.sla_warning_value)}</label>
                        <input id="sla-warn-value" type="number" min="1" inputmode="numeric" bind:value=form.warn disabled=!editable/>
                    </div>
                </fieldset>
                <div class="field">
                    <label for="sla-urges">{sw(|s| s.sla_urges)}</label>
                    <input id="sla-urges" type="number" min="1" max="20" inputmode="numeric" bind:value=form.urges disabled=!editable aria-describedby="sla-urges-hint"/>
                    <p class="hint" id="sla-urges-hint">{sw(|s| s.sla_urges_hint)}</p>
                </div>
                <div class="field">
                    <label for="sla-urge-gap">{sw(|s| s.sla_urge_gap)}</label>
                    <input id="sla-urge-gap" type="number" min="1" max="1440" inputmode="numeric" bind:value=form.urge_gap disabled=!editable/>
                </div>
            </section>
            <section class="card" aria-labelledby="sla-hours">
                <h2 id="sla-hours">{sw(|s| s.sla_hours)}</h2>
                <div class="field">
                    <label for="sla-zone">{sw(|s| s.sla_zone)}</label>
                    <input id="sla-zone" type="text" list="sla-zones" bind:value=form.zone disabled=!editable/>
                    <datalist id="sla-zones">{ZONES.iter().map(|z| view! { <option value=*z></option> }).collect_view()}</datalist>
                </div>
                <label class="check">
                    <input id="sla-always" type="checkbox" prop:checked=move || form.always.get() on:change=move |ev| form.set_always(event_target_checked(&ev)) disabled=!editable/>
                    {sw(|s| s.sla_always_open)}
                </label>
                <p class="hint" id="sla-day-hint">{sw(|s| s.sla_day_hint)}</p>
                <div class="days">{days}</div>
                <div class="field">
                    <label for="sla-holidays">{sw(|s| s.sla_holidays)}</label>
                    <textarea id="sla-holidays" rows="4" class="mono" bind:value=form.holidays disabled=!editable></textarea>
                </div>
                <div class="field">
                    <label for="sla-workdays">{sw(|s| s.sla_workdays)}</label>
                    <textarea id="sla-workdays" rows="3" class="mono" bind:value=form.workdays disabled=!editable></textarea>
                </div>
            </section>
            {editable.then(|| view! { <div class="form-end">{submit_button(|s| s.save, outcome)}</div> })}
        </form>
    }
}
