//! `/console/tickets`: the inbox. Saved views with a count each (`GET /v1/tickets/counts`),
//! filters and search kept in the address (so a view can be bookmarked and the back button
//! works; the dashboard's drill-downs add merchant, channel, region and a creation range, shown as
//! removable chips, a chunk of their own), the list newest first, oldest first or by priority
//! (`sort`) with cursor paging ("加载更多"), and row selection with bulk assign-to-me and resolve
//! (`POST /v1/tickets/bulk`).
//!
//! Rows are a list of cards that lay out as rows on wide screens. Complaint previews come from
//! customers: rendered as text nodes only.

use std::collections::{HashMap, HashSet};

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use qingting_shared::workflow::sort::InboxSort;
use qingting_shared::{Priority, TicketStatus};

use crate::api::{self, Failure, TicketPage, TicketRow};
use crate::i18n::{self, TicketWord, TicketWords};
use crate::state::{Console, Directory, failure_words, loading_view, page_title, tw, uw};

/// The saved views, in the order they are shown, with their words.
pub const VIEWS: [(&str, TicketWord); 9] = [
    ("mine", |t| t.view_mine),
    ("team_unassigned", |t| t.view_team_unassigned),
    ("unresolved", |t| t.view_unresolved),
    ("urgent", |t| t.view_urgent),
    ("waiting", |t| t.view_waiting),
    ("resolved", |t| t.view_resolved),
    ("platform", |t| t.view_platform),
    ("at_risk", |t| t.view_at_risk),
    ("breached", |t| t.view_breached),
];

/// The time the inbox's countdowns read, ticking every 30 seconds while the inbox is open.
#[derive(Clone, Copy)]
pub struct Now(pub ReadSignal<f64>);

impl Now {
    /// A ticking clock for this page and its rows.
    pub fn provide() -> Now {
        let (now, set_now) = signal(js_sys::Date::now());
        if let Ok(handle) = set_interval_with_handle(move || set_now.set(js_sys::Date::now()), std::time::Duration::from_secs(30)) {
            on_cleanup(move || handle.clear());
        }
        let n = Now(now);
        provide_context(n);
        n
    }

    pub fn get() -> Option<Now> {
        use_context::<Now>()
    }
}

/// The SLA cell of a row or the ticket's header: the time left or overdue (red), or 已超时 when a
/// breach is recorded.
#[component]
pub fn SlaDue(due_at: Option<String>, breached: bool) -> impl IntoView {
    let console = Console::get();
    let now = Now::get();
    let due_ms = due_at.as_deref().map(time_ms).filter(|t| !t.is_nan());
    let title = due_at.as_deref().map(local_time);
    let state = move || {
        let lang = console.lang.get();
        let now = now.map_or_else(js_sys::Date::now, |n| n.0.get());
        match due_ms {
            // A recorded breach is what counts (the sweep's clock), whatever this screen's clock says.
            _ if breached => (i18n::sla_word(lang, i18n::SlaWord::Breached).to_string(), true),
            Some(due) => i18n::due_in(lang, due, now),
            None => (String::new(), false),
        }
    };
    let shown = move || !state().0.is_empty();
    view! {
        <Show when=shown>
            <span class="sla" class:breached=move || state().1 title=title.clone()>
                <span class="label">{move || format!("{}：", i18n::sla_word(console.lang.get(), i18n::SlaWord::Sla))}</span>
                {move || state().0}
            </span>
        </Show>
    }
}

/// The view shown when the address names none: everything still to be worked.
const DEFAULT_VIEW: &str = "unresolved";

/// The inbox filters the address may carry, in the order they are sent; the last five come from
/// the dashboard's drill-down (`analytics`): merchant, channel, region (`-`: none) and the
/// creation range (RFC 3339 instants, `[created_from, created_to)`).
const FILTERS: [&str; 11] = ["status", "priority", "category", "holder", "site", "q", "merchant", "channel", "region", "created_from", "created_to"];

/// The dashboard's filters the inbox has no picker for, shown as removable chips.
const DASHBOARD_FILTERS: [&str; 5] = ["merchant", "channel", "region", "created_from", "created_to"];

/// The inbox's query string for the API from the page's address (`view` always set).
fn api_query(get: impl Fn(&str) -> Option<String>, cursor: Option<&str>) -> String {
    let mut q = String::new();
    let view = get("view").filter(|v| VIEWS.iter().any(|(k, _)| k == v) || v == "all").unwrap_or_else(|| DEFAULT_VIEW.into());
    api::push_param(&mut q, "view", &view);
    for key in FILTERS {
        if let Some(v) = get(key).map(|v| v.trim().to_string()).filter(|v| !v.is_empty()) {
            api::push_param(&mut q, key, &v);
        }
    }
    if let Some(sort) = get("sort").and_then(|s| InboxSort::parse(&s)).filter(|s| *s != InboxSort::default()) {
        api::push_param(&mut q, "sort", sort.as_str());
    }
    if let Some(c) = cursor {
        api::push_param(&mut q, "cursor", c);
    }
    q
}

/// Milliseconds since the epoch of an RFC 3339 time (`NaN` if unreadable).
pub fn time_ms(at: &str) -> f64 {
    js_sys::Date::parse(at)
}

/// A local, readable date and time.
pub fn local_time(at: &str) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(at));
    if d.get_time().is_nan() {
        return at.to_string();
    }
    format!("{}-{:02}-{:02} {:02}:{:02}", d.get_full_year(), d.get_month() + 1, d.get_date(), d.get_hours(), d.get_minutes())
}

/// The CSS class of a priority badge.
pub fn priority_class(priority: Option<&str>) -> &'static str {
    match priority.and_then(Priority::parse) {
        Some(Priority::P1) => "badge prio p1",
        Some(Priority::P2) => "badge prio p2",
        Some(Priority::P3) => "badge prio p3",
        Some(Priority::P4) => "badge prio p4",
        None => "badge prio",
    }
}

/// The CSS class of a status label.
pub fn status_class(status: &str) -> String {
    format!("status st-{}", TicketStatus::parse(status).map_or("other", |s| s.as_str()))
}

#[component]
pub fn Inbox() -> impl IntoView {
    let console = Console::get();
    page_title(|ui| ui.tickets_title);
    let query = use_query_map();
    let list = LocalResource::new(move || {
        let q = query.with(|m| api_query(|k| m.get(k), None));
        async move { api::tickets(&q).await }
    });
    let counts = LocalResource::new(api::counts);
    let notice = RwSignal::new(None::<String>);
    // Opened from the dashboard: its filters as chips (a chunk of their own, fetched only then).
    let drilled = Memo::new(move |_| query.with(|m| DASHBOARD_FILTERS.iter().any(|k| m.get(k).is_some_and(|v| !v.trim().is_empty()))));
    Now::provide();
    let loading = loading_view;
    let failed = move |errors: ArcRwSignal<Errors>| {
        let words = failure_words(console, errors);
        view! {
            <div class="alert" role="alert">
                <p>{words}</p>
            </div>
            <button type="button" class="secondary" on:click=move |_| list.refetch()>{uw(|u| u.retry)}</button>
        }
    };
    view! {
        <div class="inbox">
            <h1>{uw(|u| u.tickets_title)}</h1>
            <ViewTabs counts=counts/>
            <Filters/>
            {move || drilled.get().then(|| Suspend::new(async move { dashboard_filters().await }))}
            {move || notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
            <Suspense fallback=loading>
                <ErrorBoundary fallback=failed>
                    {move || Suspend::new(async move {
                        list.await.map(|page| view! { <List first=page list=list counts=counts notice=notice/> })
                    })}
                </ErrorBoundary>
            </Suspense>
        </div>
    }
}

/// The saved views as links, the current one marked, each with its count once known.
#[component]
fn ViewTabs(counts: LocalResource<Result<HashMap<String, f64>, Failure>>) -> impl IntoView {
    let console = Console::get();
    let query = use_query_map();
    let current = move || query.with(|m| m.get("view")).unwrap_or_else(|| DEFAULT_VIEW.into());
    let tk = move || &console.ui().tk;
    view! {
        <nav class="views" aria-label=tw(|t| t.views)>
            <ul>
                {VIEWS
                    .iter()
                    .map(|&(key, words)| {
                        let count = move || match counts.get() {
                            Some(Ok(c)) => c.get(key).map(|n| {
                                view! {
                                    <span class="count">
                                        {(*n as u64).to_string()}
                                        <span class="sr-only">{format!(" {}", tk().count_suffix)}</span>
                                    </span>
                                }
                            }),
                            _ => None,
                        };
                        view! {
                            <li>
                                // A plain link: the router's `<A>` would mark every view current
                                // (it compares paths, not queries); the router still handles the click.
                                <a href=format!("/console/tickets?view={key}") aria-current=move || (current() == key).then_some("page")>
                                    <span>{move || words(tk())}</span>
                                    {count}
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </nav>
    }
}

/// Status, priority, category and holder (applied on change), site and search (applied on
/// submit), all kept in the address.
#[component]
fn Filters() -> impl IntoView {
    let console = Console::get();
    let query = use_query_map();
    let navigate = use_navigate();
    let tk = move || &console.ui().tk;
    let lang = move || console.lang.get();
    let value = move |key: &'static str| move || query.with(|m| m.get(key)).unwrap_or_default();
    // The address with `changes` applied (empty values removed); the cursor never carries over.
    let go = {
        let navigate = navigate.clone();
        move |changes: Vec<(&'static str, String)>| {
            let mut q = String::new();
            query.with_untracked(|m| {
                for key in ["view"].into_iter().chain(FILTERS).chain(["sort"]) {
                    let v = changes.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone()).or_else(|| m.get(key)).unwrap_or_default();
                    if !v.trim().is_empty() {
                        api::push_param(&mut q, key, v.trim());
                    }
                }
            });
            navigate(&format!("/console/tickets{q}"), NavigateOptions { resolve: false, ..Default::default() });
        }
    };
    let select = {
        let go = go.clone();
        move |key: &'static str, label: fn(&TicketWords) -> &'static str, options: Signal<Vec<(String, String)>>| {
            let go = go.clone();
            let id = format!("filter-{key}");
            view! {
                <div class="filter">
                    <label for=id.clone()>{move || label(tk())}</label>
                    <select id=id on:change=move |ev| go(vec![(key, event_target_value(&ev))]) prop:value=value(key)>
                        <option value="">{tw(|t| t.any)}</option>
                        {move || {
                            let current = value(key)();
                            options
                                .get()
                                .into_iter()
                                .map(|(v, words)| {
                                    let selected = v == current;
                                    view! { <option value=v selected=selected>{words}</option> }
                                })
                                .collect_view()
                        }}
                    </select>
                </div>
            }
        }
    };
    let statuses = Signal::derive(move || TicketStatus::ALL.iter().map(|s| (s.as_str().to_string(), s.staff_label(lang()).to_string())).collect());
    // `-` is "none" (the dashboard's drill-down into its 未定 and 未分类 bars).
    let priorities = Signal::derive(move || {
        let mut p: Vec<(String, String)> = Priority::ALL.iter().map(|p| (p.as_str().to_string(), i18n::priority_label(lang(), Some(p.as_str())))).collect();
        p.push(("-".into(), tk().no_priority.into()));
        p
    });
    let categories = Signal::derive(move || {
        let mut c = i18n::categories(lang());
        c.push(("-".into(), tk().no_category.into()));
        c
    });
    let holders = Signal::derive(move || vec![("merchant".into(), tk().holder_merchant.into()), ("platform".into(), tk().holder_platform.into())]);
    let (q, site) = (RwSignal::new(value("q")()), RwSignal::new(value("site")()));
    // Follow the address (a view link or the back button changes it).
    Effect::new(move |_| {
        q.set(value("q")());
        site.set(value("site")());
    });
    let search = {
        let go = go.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            go(vec![("q", q.get_untracked()), ("site", site.get_untracked())]);
        }
    };
    let go_sort = go.clone();
    let any_filter = move || query.with(|m| FILTERS.iter().any(|k| m.get(k).is_some_and(|v| !v.is_empty())));
    let clear = move |_| go(FILTERS.iter().map(|k| (*k, String::new())).collect());
    view! {
        <form class="search" role="search" on:submit=search>
            <div class="filter grow">
                <label for="q">{tw(|t| t.search_label)}</label>
                <input id="q" type="search" placeholder=tw(|t| t.search_hint) bind:value=q/>
            </div>
            <div class="filter">
                <label for="filter-site">{tw(|t| t.site)}</label>
                <input id="filter-site" type="text" autocapitalize="none" spellcheck="false" bind:value=site/>
            </div>
            <button type="submit" class="primary">{tw(|t| t.search)}</button>
        </form>
        <fieldset class="filters">
            <legend class="sr-only">{tw(|t| t.filters)}</legend>
            {select("status", |t| t.status, statuses)}
            {select("priority", |t| t.priority, priorities)}
            {select("category", |t| t.category, categories)}
            {select("holder", |t| t.holder, holders)}
            <div class="filter">
                <label for="sort">{move || tk().sort}</label>
                <select
                    id="sort"
                    on:change=move |ev| go_sort(vec![("sort", event_target_value(&ev))])
                    prop:value=move || InboxSort::parse(&value("sort")()).unwrap_or_default().as_str()
                >
                    {move || {
                        let current = InboxSort::parse(&value("sort")()).unwrap_or_default();
                        InboxSort::ALL
                            .iter()
                            .map(|s| {
                                let words = match s {
                                    InboxSort::Newest => tk().sort_newest,
                                    InboxSort::Oldest => tk().sort_oldest,
                                    InboxSort::Priority => tk().sort_priority,
                                };
                                view! { <option value=s.as_str() selected=*s == current>{words}</option> }
                            })
                            .collect_view()
                    }}
                </select>
            </div>
            <Show when=any_filter>
                <button type="button" class="link" on:click=clear.clone()>{tw(|t| t.clear)}</button>
            </Show>
        </fieldset>
    }
}

/// [`DashboardFilters`], split off: only an inbox opened from the dashboard shows it.
#[lazy]
fn dashboard_filters() -> AnyView {
    view! { <DashboardFilters/> }.into_any()
}

/// A merchant's name (`GET /v1/merchants`).
async fn merchant_name(id: String) -> Option<String> {
    crate::settings::api::merchants().await.ok()?.into_iter().find(|m| m.id == id).map(|m| m.name)
}

/// The dashboard's filters this inbox was opened with that have no picker here (merchant, channel,
/// region, the creation range), one removable chip each, so it is clear why the list is narrower.
#[component]
fn DashboardFilters() -> impl IntoView {
    let console = Console::get();
    let query = use_query_map();
    let navigate = use_navigate();
    // A merchant's name, looked up only when one is asked for.
    let merchant = Memo::new(move |_| query.with(|m| m.get("merchant")).filter(|m| !m.is_empty() && m != "-"));
    let name = LocalResource::new(move || {
        let wanted = merchant.get();
        async move {
            match wanted {
                Some(id) => merchant_name(id).await,
                None => None,
            }
        }
    });
    let chips = move || {
        let ui = console.ui();
        let (an, tk) = (&ui.an, &ui.tk);
        let value = |k: &str| query.with(|m| m.get(k)).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let mut out: Vec<(String, &'static [&'static str])> = Vec::new();
        if let Some(id) = value("merchant") {
            let name = match id.as_str() {
                "-" => an.no_merchant.to_string(),
                _ => name.get().flatten().unwrap_or(id),
            };
            out.push((format!("{}：{name}", an.merchant), &["merchant"]));
        }
        if let Some(c) = value("channel") {
            let words = match c.as_str() {
                "widget" => tk.channel_widget.to_string(),
                "api" => an.channel_api.to_string(),
                "-" => an.unknown.to_string(),
                _ => c,
            };
            out.push((format!("{}：{words}", tk.channel), &["channel"]));
        }
        if let Some(r) = value("region") {
            out.push((format!("{}：{}", an.region, if r == "-" { an.unknown.to_string() } else { r }), &["region"]));
        }
        let (from, to) = (value("created_from"), value("created_to"));
        if from.is_some() || to.is_some() {
            let at = |v: Option<String>| v.map_or_else(|| "…".to_string(), |v| local_time(&v));
            out.push((format!("{}：{} – {}", an.created, at(from), at(to)), &["created_from", "created_to"]));
        }
        out
    };
    let remove = move |keys: &'static [&'static str]| {
        let mut q = String::new();
        query.with_untracked(|m| {
            for key in ["view"].into_iter().chain(FILTERS).chain(["sort"]) {
                if let Some(v) = m.get(key).filter(|v| !v.trim().is_empty() && !keys.contains(&key)) {
                    api::push_param(&mut q, key, v.trim());
                }
            }
        });
        navigate(&format!("/console/tickets{q}"), NavigateOptions { resolve: false, ..Default::default() });
    };
    let chips = move || {
        chips()
            .into_iter()
            .map(|(words, keys)| {
                let remove = remove.clone();
                let said = format!("{}{words}", console.ui().an.remove);
                view! {
                    <span class="chip">
                        <span>{words}</span>
                        <button type="button" class="chip-x" on:click=move |_| remove(keys)>
                            <span aria-hidden="true">"×"</span>
                            <span class="sr-only">{said}</span>
                        </button>
                    </span>
                }
            })
            .collect_view()
    };
    view! {
        <div class="drill-line" role="group" aria-labelledby="drill-title">
            <span id="drill-title" class="drill-title">{move || console.ui().an.from_dashboard}</span>
            {chips}
        </div>
    }
}

/// The loaded rows: the first page, then more pages appended; the selection and bulk actions.
#[component]
fn List(
    first: TicketPage,
    list: LocalResource<Result<TicketPage, Failure>>,
    counts: LocalResource<Result<HashMap<String, f64>, Failure>>,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let console = Console::get();
    let directory = Directory::get();
    let query = use_query_map();
    let tk = move || &console.ui().tk;
    let rows = RwSignal::new(first.tickets);
    let next = RwSignal::new(first.next_cursor);
    let selected = RwSignal::new(HashSet::<String>::new());
    let loading_more = RwSignal::new(false);
    let more_failed = RwSignal::new(None::<Failure>);
    let busy = RwSignal::new(false);
    let load_more = move |_| {
        let Some(cursor) = next.get_untracked() else { return };
        if loading_more.get_untracked() {
            return;
        }
        loading_more.set(true);
        more_failed.set(None);
        let q = query.with_untracked(|m| api_query(|k| m.get(k), Some(&cursor)));
        spawn_local(async move {
            match api::tickets(&q).await {
                Ok(page) => {
                    rows.update(|r| r.extend(page.tickets));
                    next.set(page.next_cursor);
                }
                Err(f) => more_failed.set(Some(f)),
            }
            loading_more.set(false);
        });
    };
    let bulk = move |action: &'static str| {
        let ids: Vec<String> = rows.with_untracked(|r| r.iter().filter(|t| selected.with_untracked(|s| s.contains(&t.id))).map(|t| t.id.clone()).collect());
        if ids.is_empty() || busy.get_untracked() {
            return;
        }
        busy.set(true);
        let me = (action == "assign").then(|| directory.my_id());
        spawn_local(async move {
            let words = match api::bulk(action, &ids, me.as_deref()).await {
                Ok(results) => {
                    let tk = &console.ui().tk;
                    let ok = results.iter().filter(|r| r.ok).count();
                    let mut words = tk.bulk_done.replace("{ok}", &ok.to_string());
                    let failed: Vec<String> = results
                        .iter()
                        .filter(|r| !r.ok)
                        .map(|r| {
                            let no =
                                rows.with_untracked(|rows| rows.iter().find(|t| t.id == r.id).map(|t| t.ticket_no.clone())).unwrap_or_else(|| r.id.clone());
                            let code = r.code.as_deref().and_then(qingting_shared::ErrorCode::parse);
                            let why = console.ui().failure(&Failure::Refused {
                                status: code.map_or(0, |c| c.status()),
                                code,
                                message: String::new(),
                                retry_after: None,
                            });
                            format!("{no} {why}")
                        })
                        .collect();
                    if !failed.is_empty() {
                        words.push(' ');
                        words.push_str(&tk.bulk_failed.replace("{n}", &failed.len().to_string()));
                        words.push_str(&failed.join("；"));
                    }
                    words
                }
                Err(f) => console.ui().failure(&f),
            };
            busy.set(false);
            notice.set(Some(words));
            counts.refetch();
            list.refetch();
        });
    };
    let all_selected = move || rows.with(|r| !r.is_empty() && selected.with(|s| r.iter().all(|t| s.contains(&t.id))));
    let toggle_all = move |_| {
        let select = !all_selected();
        selected.update(|s| {
            s.clear();
            if select {
                rows.with_untracked(|r| s.extend(r.iter().map(|t| t.id.clone())));
            }
        });
    };
    let count = move || selected.with(|s| s.len());
    view! {
        <div class="bulk" role="group" aria-label=tw(|t| t.actions)>
            <label class="check">
                <input type="checkbox" prop:checked=all_selected on:change=toggle_all/>
                <span>{tw(|t| t.select_page)}</span>
            </label>
            <span class="selected-n" aria-live="polite">{move || (count() > 0).then(|| tk().selected_n.replace("{n}", &count().to_string()))}</span>
            <button type="button" class="secondary" disabled=move || count() == 0 || busy.get() on:click=move |_| bulk("assign")>
                {tw(|t| t.bulk_assign_me)}
            </button>
            <button type="button" class="secondary" disabled=move || count() == 0 || busy.get() on:click=move |_| bulk("resolve")>
                {tw(|t| t.bulk_resolve)}
            </button>
        </div>
        <Show when=move || rows.with(|r| r.is_empty())>
            <p class="empty">{tw(|t| t.empty)}</p>
        </Show>
        <ul class="tickets" aria-label=tw(|t| t.list_label)>
            {move || rows.get().into_iter().map(|ticket| view! { <Row ticket=ticket selected=selected/> }).collect_view()}
        </ul>
        <div class="more">
            <span class="shown">{move || tk().shown_n.replace("{n}", &rows.with(|r| r.len()).to_string())}</span>
            {move || more_failed.get().map(|f| view! { <p class="alert" role="alert">{console.ui().failure(&f)}</p> })}
            {move || match next.get() {
                Some(_) => {
                    view! {
                        <button type="button" class="secondary" aria-disabled=move || loading_more.get().to_string() on:click=load_more>
                            {move || if loading_more.get() { tk().loading_more } else { tk().load_more }}
                        </button>
                    }
                        .into_any()
                }
                None => view! { <span class="end">{move || (!rows.with(|r| r.is_empty())).then(|| tk().end_of_list)}</span> }.into_any(),
            }}
        </div>
    }
}

/// One ticket: a row on wide screens, a card on narrow ones.
#[component]
fn Row(ticket: TicketRow, selected: RwSignal<HashSet<String>>) -> impl IntoView {
    let console = Console::get();
    let directory = Directory::get();
    let tk = move || &console.ui().tk;
    let lang = move || console.lang.get();
    let TicketRow { id, ticket_no, status, priority, category, site, assignee, created_at, preview, sla_due_at, sla_breached, .. } = ticket;
    let check_id = format!("sel-{id}");
    let is_selected = {
        let id = id.clone();
        move || selected.with(|s| s.contains(&id))
    };
    let toggle = {
        let id = id.clone();
        move |_| {
            selected.update(|s| {
                if !s.remove(&id) {
                    s.insert(id.clone());
                }
            })
        }
    };
    let no = ticket_no.clone();
    let created_ms = time_ms(&created_at);
    let status_words = {
        let status = status.clone();
        move || i18n::status_label(lang(), &status)
    };
    let prio = priority.clone();
    let assignee_words = move || match &assignee {
        Some(a) => directory.name(a),
        None => tk().unassigned.to_string(),
    };
    view! {
        <li class="ticket" class:selected=is_selected.clone()>
            <input type="checkbox" id=check_id.clone() prop:checked=is_selected.clone() on:change=toggle aria-label=move || tk().select_ticket.replace("{no}", &no)/>
            <div class="ticket-main">
                <p class="ticket-top">
                    <A href=format!("/console/tickets/{id}") attr:class="ticket-no">{ticket_no}</A>
                    <span class=priority_class(priority.as_deref())>{move || i18n::priority_label(lang(), prio.as_deref())}</span>
                    <span class=status_class(&status)>{status_words}</span>
                    <span class="category">{move || i18n::category_name(lang(), category.as_deref())}</span>
                </p>
                <p class="preview">{preview}</p>
                <p class="meta">
                    <span>
                        <span class="label">{move || format!("{}：", tk().site)}</span>
                        {site}
                    </span>
                    <span>
                        <span class="label">{move || format!("{}：", tk().assignee)}</span>
                        {assignee_words}
                    </span>
                    <span>
                        <span class="label">{move || format!("{}：", tk().age)}</span>
                        <time datetime=created_at.clone() title=local_time(&created_at)>
                            {move || i18n::age(lang(), created_ms, js_sys::Date::now())}
                        </time>
                    </span>
                    <SlaDue due_at=sla_due_at breached=sla_breached != 0.0/>
                </p>
            </div>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_query_carries_the_view_filters_and_cursor() {
        let address = |pairs: &'static [(&'static str, &'static str)]| move |k: &str| pairs.iter().find(|(key, _)| *key == k).map(|(_, v)| v.to_string());
        assert_eq!(api_query(address(&[]), None), "?view=unresolved");
        assert_eq!(api_query(address(&[("view", "bogus")]), None), "?view=unresolved");
        assert_eq!(api_query(address(&[("view", "urgent"), ("q", " 退款 "), ("status", "")]), Some("t~1")), "?view=urgent&q=%E9%80%80%E6%AC%BE&cursor=t~1");
    }
}
