//! `/console/analytics`: the dashboard, a `#[lazy_route]` chunk (its data are loaded in `view`,
//! inside the chunk, like `settings::people`), with Apache ECharts fetched only here
//! (`echarts`).
//!
//! The view (range, granularity, filters) is kept in the address (`query`), so it can be
//! bookmarked and shared; `GET /v1/analytics/overview` answers everything one view shows
//! (`qingting_shared::api::analytics::Overview`): KPI tiles, the volume over time beside the
//! previous range with the spike alerts marked, bars per category, priority, merchant (the
//! platform's staff), site, channel and region, the ratings, the backlog by age, the merchants'
//! table and the words behind each category. Every bar and point drills down into the inbox with
//! the view's range and filters plus the clicked value; each chart's numbers (and the same links)
//! are also in a table for keyboards and screen readers, shown when focused. 导出 CSV is the
//! export of the same view in the page's language.
//!
//! Merchant names, site names, regions and words are data: text nodes here, SVG text in the
//! charts (`options`), never HTML.

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::{LazyRoute, NavigateOptions, lazy_route};
use qingting_shared::accounts::Scope;
use qingting_shared::api::analytics::{Overview, Slice};
use qingting_shared::{ErrorCode, Lang, Priority};

use crate::api::{self, Failure, push_param};
use crate::i18n::{self, AnalyticsWords};
use crate::inbox::local_time;
use crate::state::{Console, Directory, aw, failure_words, loading_view, page_title, uw};

mod echarts;
mod options;
mod query;

use echarts::{ChartSpec, EChart};
use options::{Bar, Mark};
use query::{DASH, GRANULARITIES, PRESETS, Trend, View};

/// The route.
pub struct AnalyticsRoute;

#[lazy_route]
impl LazyRoute for AnalyticsRoute {
    fn data() -> Self {
        AnalyticsRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <Dashboard/> }.into_any()
    }
}

/// The browser's zone as a whole-hour offset (`+08:00`); `None` for other offsets (the API then
/// uses Asia/Shanghai). Read from the local calendar time of now (the getters the console
/// already uses) against UTC.
fn zone() -> Option<String> {
    let now = js_sys::Date::now();
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(now));
    let local = query::civil_minutes(i64::from(d.get_full_year()), d.get_month() + 1, d.get_date(), d.get_hours(), d.get_minutes());
    query::zone_name(local - (now / 60_000.0).floor() as i64)
}

/// Whether ECharts could be loaded.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Charts {
    Loading,
    Ready,
    Failed,
}

#[component]
fn Dashboard() -> impl IntoView {
    let console = Console::get();
    page_title(|ui| ui.an.title);
    let platform = Directory::get().me.with_value(|m| m.memberships.iter().any(|m| m.scope == Scope::Platform));
    let query = use_query_map();
    let view = Memo::new(move |_| query.with(|m| View::from_address(|k| m.get(k))));
    let zone = zone();
    let overview = {
        let zone = zone.clone();
        LocalResource::new(move || {
            let q = view.get().api_query(zone.as_deref());
            async move { api::get_json::<Overview>(&format!("/v1/analytics/overview{q}")).await }
        })
    };
    let charts = RwSignal::new(Charts::Loading);
    echarts::when_ready(move |loaded| {
        charts.try_set(if loaded { Charts::Ready } else { Charts::Failed });
    });
    // The page shows once its stylesheet is in (a failed one does not hold it back).
    let styled = RwSignal::new(false);
    echarts::when_styled(move |_| {
        styled.try_set(true);
    });
    let updating = RwSignal::new(false);
    let status = move || {
        let an = &console.ui().an;
        match charts.get() {
            Charts::Failed => an.charts_failed,
            _ if updating.get() => an.updating,
            Charts::Loading => an.charts_loading,
            Charts::Ready => "",
        }
    };
    let failed = move |errors: ArcRwSignal<Errors>| {
        // A refused range says why (the server's words name the rule).
        let detail = errors.with(|e| {
            e.iter().find_map(|(_, e)| match e.downcast_ref::<Failure>() {
                Some(Failure::Refused { code: Some(ErrorCode::InvalidQuery), message, .. }) if !message.is_empty() => Some(message.clone()),
                _ => None,
            })
        });
        view! {
            <div class="alert" role="alert">
                <p>{failure_words(console, errors)}</p>
                {detail.map(|d| view! { <p class="hint">{d}</p> })}
            </div>
            <button type="button" class="secondary" on:click=move |_| overview.refetch()>{uw(|u| u.retry)}</button>
        }
    };
    view! {
        <Show when=move || styled.get() fallback=loading_view>
            <div class="analytics" class:tables-shown=move || charts.get() == Charts::Failed>
                <h1>{aw(|a| a.title)}</h1>
                <p class="lead">{aw(|a| a.intro)}</p>
                <Controls view=view overview=overview platform=platform zone=zone.clone()/>
                <p class="an-status" role="status">{status}</p>
                <Transition fallback=loading_view set_pending=updating.write_only()>
                    <ErrorBoundary fallback=failed>
                        {move || Suspend::new(async move {
                            let o = overview.await?;
                            Ok::<_, Failure>(view! { <Body o=o view=view.get_untracked() platform=platform/> })
                        })}
                    </ErrorBoundary>
                </Transition>
            </div>
        </Show>
    }
}

/// A preset's words.
fn preset_word(days: u32) -> fn(&AnalyticsWords) -> &'static str {
    match days {
        1 => |a| a.today,
        7 => |a| a.last_7,
        30 => |a| a.last_30,
        _ => |a| a.last_90,
    }
}

fn granularity_word(g: &str) -> fn(&AnalyticsWords) -> &'static str {
    match g {
        "hour" => |a| a.hour,
        "day" => |a| a.day,
        _ => |a| a.week,
    }
}

/// Range presets, custom dates, granularity, filters, export and refresh.
#[component]
fn Controls(view: Memo<View>, overview: LocalResource<Result<Overview, Failure>>, platform: bool, zone: Option<String>) -> impl IntoView {
    let console = Console::get();
    let navigate = use_navigate();
    let an = move || &console.ui().an;
    let lang = move || console.lang.get();
    let go = move |v: View| navigate(&format!("/console/analytics{}", v.address()), NavigateOptions { resolve: false, ..Default::default() });
    // The pickers' lists: every merchant (the platform's staff) and every site one may see.
    let merchants = platform.then(|| LocalResource::new(crate::settings::api::merchants));
    let sites = LocalResource::new(crate::settings::api::sites);

    // Custom dates: what the address says, else the range the server understood.
    let (from, to, date_error) = (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(false));
    Effect::new(move |_| {
        let (f, t) = match view.get().dates {
            Some(d) => d,
            None => match overview.get() {
                Some(Ok(o)) => (o.from, o.to),
                _ => return,
            },
        };
        from.set(f);
        to.set(t);
    });
    let apply_dates = {
        let go = go.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let (f, t) = (from.get_untracked(), to.get_untracked());
            let ok = query::is_date(&f) && query::is_date(&t) && f <= t;
            date_error.set(!ok);
            if ok {
                go(view.get_untracked().with_dates(&f, &t));
            }
        }
    };

    let select = {
        let go = go.clone();
        move |key: &'static str, label: fn(&crate::i18n::Ui) -> &'static str, options: Signal<Vec<(String, String)>>| {
            let go = go.clone();
            let id = format!("an-{key}");
            let current = move || view.with(|v| v.filter(key).to_string());
            view! {
                <div class="filter">
                    <label for=id.clone()>{move || label(console.ui())}</label>
                    <select id=id on:change=move |ev| go(view.get_untracked().with_filter(key, &event_target_value(&ev))) prop:value=current>
                        <option value="">{move || console.ui().tk.any}</option>
                        {move || {
                            let current = current();
                            let mut options = options.get();
                            // A value from a shared address that the lists do not hold still shows.
                            if !current.is_empty() && !options.iter().any(|(v, _)| *v == current) {
                                options.push((current.clone(), current.clone()));
                            }
                            options
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
    let categories = Signal::derive(move || {
        let mut c = i18n::categories(lang());
        c.push(("-".into(), console.ui().tk.no_category.into()));
        c
    });
    let priorities = Signal::derive(move || {
        let mut p: Vec<(String, String)> = Priority::ALL.iter().map(|p| (p.as_str().to_string(), i18n::priority_label(lang(), Some(p.as_str())))).collect();
        p.push(("-".into(), console.ui().tk.no_priority.into()));
        p
    });
    let channels = Signal::derive(move || vec![("widget".into(), console.ui().tk.channel_widget.into()), ("api".into(), an().channel_api.into())]);
    let merchant_options = Signal::derive(move || {
        let mut list: Vec<(String, String)> = match merchants.and_then(|m| m.get()) {
            Some(Ok(list)) => list.into_iter().map(|m| (m.id, m.name)).collect(),
            _ => Vec::new(),
        };
        list.push(("-".into(), an().no_merchant.into()));
        list
    });
    let site_options = Signal::derive(move || match sites.get() {
        Some(Ok(list)) => list.into_iter().map(|s| (s.site.clone(), format!("{}（{}）", s.merchant_name, s.site))).collect(),
        _ => Vec::new(),
    });
    let regions = Signal::derive(move || match overview.get() {
        Some(Ok(o)) => {
            o.by_region.iter().map(|s| if s.key.is_empty() { ("-".to_string(), an().unknown.to_string()) } else { (s.key.clone(), s.key.clone()) }).collect()
        }
        _ => Vec::new(),
    });

    let export = move || {
        let mut q = view.get().api_query(zone.as_deref());
        push_param(&mut q, "lang", lang().tag());
        format!("/v1/analytics/export.csv{q}")
    };
    let go_granularity = go.clone();
    view! {
        <section class="an-controls" aria-label=aw(|a| a.filters)>
            <div class="an-row">
                <div class="presets" role="group" aria-labelledby="an-range">
                    <span id="an-range" class="group-label">{aw(|a| a.range)}</span>
                    {PRESETS
                        .map(|d| {
                            let words = preset_word(d);
                            view! {
                                <a
                                    href=move || format!("/console/analytics{}", view.with(|v| v.with_days(d).address()))
                                    aria-current=move || view.with(|v| v.days == Some(d)).then_some("page")
                                >
                                    {move || words(an())}
                                </a>
                            }
                        })}
                </div>
                <form class="dates" novalidate on:submit=apply_dates>
                    <div class="filter">
                        <label for="an-from">{aw(|a| a.from)}</label>
                        <input id="an-from" type="date" bind:value=from aria-invalid=move || date_error.get().to_string()/>
                    </div>
                    <div class="filter">
                        <label for="an-to">{aw(|a| a.to)}</label>
                        <input id="an-to" type="date" bind:value=to aria-invalid=move || date_error.get().to_string()/>
                    </div>
                    <button type="submit" class="secondary">{aw(|a| a.apply)}</button>
                    <Show when=move || date_error.get()>
                        <p class="field-error" role="alert">{aw(|a| a.err_dates)}</p>
                    </Show>
                </form>
            </div>
            <div class="an-row">
                <div class="filter">
                    <label for="an-granularity">{aw(|a| a.granularity)}</label>
                    <select
                        id="an-granularity"
                        on:change=move |ev| go_granularity(view.get_untracked().with_granularity(&event_target_value(&ev)))
                        prop:value=move || view.with(|v| v.granularity.clone().unwrap_or_default())
                    >
                        <option value="">{aw(|a| a.auto)}</option>
                        {GRANULARITIES
                            .map(|g| {
                                let words = granularity_word(g);
                                view! {
                                    <option
                                        value=g
                                        disabled=move || !view.with(|v| v.allows(g))
                                        selected=move || view.with(|v| v.granularity.as_deref() == Some(g))
                                    >
                                        {move || words(an())}
                                    </option>
                                }
                            })}
                    </select>
                </div>
                {select("category", |u| u.tk.category, categories)}
                {select("priority", |u| u.tk.priority, priorities)}
                {select("channel", |u| u.tk.channel, channels)}
                {platform.then(|| select("merchant", |u| u.an.merchant, merchant_options))}
                {select("site", |u| u.tk.site, site_options)}
                {select("region", |u| u.an.region, regions)}
            </div>
            <div class="an-row an-actions">
                <a class="button secondary" href=export download="" aria-describedby="an-export-hint">
                    {aw(|a| a.export)}
                </a>
                <span id="an-export-hint" class="sr-only">{aw(|a| a.export_hint)}</span>
                <button type="button" class="secondary" on:click=move |_| overview.refetch()>{aw(|a| a.refresh)}</button>
            </div>
        </section>
    }
}

/// One breakdown chart: what it groups by and how its keys read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Dim {
    Category,
    Priority,
    Merchant,
    Site,
    Channel,
    Region,
}

impl Dim {
    /// The inbox's (and the API's) filter.
    fn filter(self) -> &'static str {
        match self {
            Dim::Category => "category",
            Dim::Priority => "priority",
            Dim::Merchant => "merchant",
            Dim::Site => "site",
            Dim::Channel => "channel",
            Dim::Region => "region",
        }
    }

    fn title(self) -> fn(&AnalyticsWords) -> &'static str {
        match self {
            Dim::Category => |a| a.by_category,
            Dim::Priority => |a| a.by_priority,
            Dim::Merchant => |a| a.by_merchant,
            Dim::Site => |a| a.by_site,
            Dim::Channel => |a| a.by_channel,
            Dim::Region => |a| a.by_region,
        }
    }

    /// A slice's name in `lang`.
    fn label(self, lang: Lang, s: &Slice) -> String {
        let ui = i18n::ui(lang);
        match self {
            Dim::Category if s.key.is_empty() => ui.tk.no_category.to_string(),
            Dim::Category => i18n::category_name(lang, Some(&s.key)),
            Dim::Priority => i18n::priority_label(lang, Some(&s.key)),
            Dim::Channel if s.key == "widget" => ui.tk.channel_widget.to_string(),
            Dim::Channel if s.key == "api" => ui.an.channel_api.to_string(),
            Dim::Merchant if s.key.is_empty() => ui.an.no_merchant.to_string(),
            Dim::Site if !s.key.is_empty() && s.label != s.key && !s.label.is_empty() => format!("{}（{}）", s.label, s.key),
            _ if s.key.is_empty() => ui.an.unknown.to_string(),
            _ if s.label.is_empty() => s.key.clone(),
            _ => s.label.clone(),
        }
    }
}

/// A row of a chart's data table: the name (a link when it drills down), its numbers, and the
/// bar's value.
#[derive(Clone)]
struct Row {
    label: String,
    href: Option<String>,
    values: Vec<String>,
    n: u64,
}

/// The table of a chart's numbers: visually hidden until a link in it has the focus (keyboard
/// users see where they are), always read by screen readers.
#[component]
fn DataTable(caption: Signal<String>, heads: Signal<Vec<String>>, rows: Signal<Vec<Row>>) -> impl IntoView {
    view! {
        <div class="data-table">
            <table>
                <caption>{caption}</caption>
                <thead>
                    <tr>{move || heads.get().into_iter().map(|h| view! { <th scope="col">{h}</th> }).collect_view()}</tr>
                </thead>
                <tbody>
                    {move || {
                        rows.get()
                            .into_iter()
                            .map(|r| {
                                let name = match r.href {
                                    Some(href) => view! { <a href=href>{r.label}</a> }.into_any(),
                                    None => r.label.into_any(),
                                };
                                view! {
                                    <tr>
                                        <th scope="row">{name}</th>
                                        {r.values.into_iter().map(|v| view! { <td>{v}</td> }).collect_view()}
                                    </tr>
                                }
                            })
                            .collect_view()
                    }}
                </tbody>
            </table>
        </div>
    }
}

/// A card with a chart and its table; "no data" instead of an empty chart.
#[component]
fn ChartCard(
    id: &'static str,
    title: fn(&AnalyticsWords) -> &'static str,
    spec: Signal<ChartSpec>,
    heads: Signal<Vec<String>>,
    rows: Signal<Vec<Row>>,
    #[prop(optional)] wide: bool,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let console = Console::get();
    let name = Signal::derive(move || title(&console.ui().an).to_string());
    let caption = Signal::derive(move || format!("{} · {}", name.get(), console.ui().an.drill_hint));
    let empty = move || rows.with(Vec::is_empty);
    view! {
        <section class="card chart-card" class:wide=wide aria-labelledby=id>
            <h2 id=id>{name}</h2>
            <Show when=move || !empty() fallback=move || view! { <p class="none">{aw(|a| a.no_data)}</p> }>
                <EChart spec=spec label=name tall=wide/>
            </Show>
            <DataTable caption=caption heads=heads rows=rows/>
            {children.map(|c| c())}
        </section>
    }
}

/// At most this many bars are drawn (the table lists every one).
const MAX_BARS: usize = 10;

/// The page below the controls, for one loaded overview.
#[component]
fn Body(o: Overview, view: View, platform: bool) -> impl IntoView {
    let console = Console::get();
    let lang = move || console.lang.get();
    let o = StoredValue::new(o);
    let view = StoredValue::new(view);
    let count_heads = Signal::derive(move || {
        let an = &console.ui().an;
        vec![an.item.to_string(), an.count.to_string()]
    });

    // The volume: this range and the previous one; spikes as marks and as a list with links.
    let volume_spec = Signal::derive(move || {
        o.with_value(|o| {
            let lang = lang();
            let an = &i18n::ui(lang).an;
            let labels: Vec<String> = o.volume.iter().map(|p| p.label.clone()).collect();
            let tickets: Vec<u64> = o.volume.iter().map(|p| p.tickets).collect();
            let previous: Vec<u64> = o.volume.iter().map(|p| p.previous).collect();
            let mut marks = Vec::new();
            let mut mark_links = Vec::new();
            for s in view.with_value(|v| shown_spikes(o, v)) {
                if let Some(i) = query::period_of(o, &s.hour) {
                    marks.push(Mark {
                        period: i,
                        tickets: o.volume[i].tickets,
                        observed: s.observed,
                        name: format!("{} · {}", spike_kind(an, &s.kind), i18n::category_name(lang, Some(&s.category))),
                    });
                    mark_links.push(query::spike_href(s));
                }
            }
            let links = view.with_value(|v| {
                o.volume.iter().map(|p| query::inbox_href(v, &query::Drill { inbox_view: "all", from: Some(&p.start), to: Some(&p.end) }, &[])).collect()
            });
            ChartSpec {
                option: options::volume(&labels, &tickets, &previous, (an.this_period, an.previous_period), &marks).to_string(),
                links,
                marks: mark_links,
            }
        })
    });
    let volume_heads = Signal::derive(move || {
        let an = &console.ui().an;
        vec![an.period.to_string(), an.this_period.to_string(), an.previous_period.to_string()]
    });
    let volume_rows = Signal::derive(move || {
        o.with_value(|o| {
            view.with_value(|v| {
                o.volume
                    .iter()
                    .map(|p| Row {
                        label: p.label.clone(),
                        href: Some(query::inbox_href(v, &query::Drill { inbox_view: "all", from: Some(&p.start), to: Some(&p.end) }, &[])),
                        values: vec![p.tickets.to_string(), p.previous.to_string()],
                        n: p.tickets,
                    })
                    .collect()
            })
        })
    });

    // A breakdown's chart and table.
    let breakdown = move |dim: Dim, slices: fn(&Overview) -> &Vec<Slice>| {
        let rows = Signal::derive(move || {
            let lang = lang();
            o.with_value(|o| {
                view.with_value(|v| {
                    slices(o)
                        .iter()
                        .map(|s| Row {
                            label: dim.label(lang, s),
                            href: Some(query::range_href(o, v, &[(dim.filter(), s.key.as_str())])),
                            values: vec![s.tickets.to_string()],
                            n: s.tickets,
                        })
                        .collect::<Vec<_>>()
                })
            })
        });
        let spec = Signal::derive(move || {
            let rows = rows.get();
            let shown = &rows[..rows.len().min(MAX_BARS)];
            let bars: Vec<Bar> = shown.iter().map(|r| Bar { label: r.label.clone(), value: r.n }).collect();
            ChartSpec {
                option: options::bars(&bars, true, console.ui().an.count, true).to_string(),
                links: shown.iter().map(|r| r.href.clone().unwrap_or_default()).collect(),
                marks: Vec::new(),
            }
        });
        let id = match dim {
            Dim::Category => "an-c-category",
            Dim::Priority => "an-c-priority",
            Dim::Merchant => "an-c-merchant",
            Dim::Site => "an-c-site",
            Dim::Channel => "an-c-channel",
            Dim::Region => "an-c-region",
        };
        view! { <ChartCard id=id title=dim.title() spec=spec heads=count_heads rows=rows/> }
    };

    // Ratings 1–5 (no inbox filter for a score: not clickable).
    let csat_rows = Signal::derive(move || {
        let an = &console.ui().an;
        o.with_value(|o| {
            if o.kpis.csat_n == 0 {
                return Vec::new();
            }
            o.kpis
                .csat_dist
                .iter()
                .enumerate()
                .map(|(i, n)| Row { label: an.score_n.replace("{n}", &(i + 1).to_string()), href: None, values: vec![n.to_string()], n: *n })
                .collect()
        })
    });
    let csat_spec = Signal::derive(move || {
        let bars: Vec<Bar> = csat_rows.get().into_iter().map(|r| Bar { value: r.n, label: r.label }).collect();
        ChartSpec { option: options::bars(&bars, false, console.ui().an.count, false).to_string(), ..ChartSpec::default() }
    });
    // The backlog by age: the pending tickets of each band.
    let now_hour = (js_sys::Date::now() / 3_600_000.0).floor() as i64;
    let backlog_rows = Signal::derive(move || {
        let an = &console.ui().an;
        o.with_value(|o| {
            if o.backlog.iter().all(|b| b.tickets == 0) {
                return Vec::new();
            }
            view.with_value(|v| {
                o.backlog
                    .iter()
                    .enumerate()
                    .map(|(i, b)| Row {
                        label: an.backlog_bands.get(i).map_or_else(|| b.label.clone(), |w| w.to_string()),
                        href: Some(query::backlog_href(v, i, now_hour)),
                        values: vec![b.tickets.to_string()],
                        n: b.tickets,
                    })
                    .collect()
            })
        })
    });
    let backlog_spec = Signal::derive(move || {
        let rows = backlog_rows.get();
        let bars: Vec<Bar> = rows.iter().map(|r| Bar { value: r.n, label: r.label.clone() }).collect();
        ChartSpec {
            option: options::bars(&bars, true, console.ui().an.count, true).to_string(),
            links: rows.into_iter().map(|r| r.href.unwrap_or_default()).collect(),
            marks: Vec::new(),
        }
    });

    let range_line = move || {
        let an = &console.ui().an;
        o.with_value(|o| an.range_line.replace("{from}", &o.from).replace("{to}", &o.to).replace("{tz}", &o.tz))
    };
    let merchants_shown = platform && o.with_value(|o| !o.merchants.is_empty());
    view! {
        <p class="an-range">{range_line}</p>
        <Kpis o=o/>
        <div class="chart-grid">
            <ChartCard id="an-c-volume" title=|a| a.volume spec=volume_spec heads=volume_heads rows=volume_rows wide=true>
                <Spikes o=o view=view/>
            </ChartCard>
            {breakdown(Dim::Category, |o| &o.by_category)}
            {breakdown(Dim::Priority, |o| &o.by_priority)}
            {platform.then(|| breakdown(Dim::Merchant, |o| &o.by_merchant))}
            {breakdown(Dim::Site, |o| &o.by_site)}
            {breakdown(Dim::Channel, |o| &o.by_channel)}
            {breakdown(Dim::Region, |o| &o.by_region)}
            <ChartCard id="an-c-csat" title=|a| a.csat_dist spec=csat_spec heads=count_heads rows=csat_rows/>
            <ChartCard id="an-c-backlog" title=|a| a.backlog spec=backlog_spec heads=count_heads rows=backlog_rows/>
        </div>
        {merchants_shown.then(|| view! { <Merchants o=o view=view/> })}
        <Words o=o/>
    }
}

/// The spikes the view is about: the API narrows them by category; a merchant's view keeps that
/// merchant's (the platform's own, across merchants, are not about it).
fn shown_spikes<'a>(o: &'a Overview, v: &View) -> Vec<&'a qingting_shared::api::analytics::SpikeEvent> {
    let merchant = v.filter("merchant");
    o.spikes.iter().filter(|s| merchant.is_empty() || merchant == "-" || s.merchant.as_deref() == Some(merchant)).collect()
}

fn spike_kind(an: &AnalyticsWords, kind: &str) -> &'static str {
    match kind {
        "slow_rise" => an.slow_rise,
        "food_safety_burst" => an.food_safety_burst,
        _ => an.spike,
    }
}

/// One KPI tile: its name, the figure (after a small tag such as P50), lines below.
struct Tile {
    label: &'static str,
    tag: Option<&'static str>,
    value: String,
    sub: Vec<String>,
}

/// The headline figures as tiles.
fn tiles(o: &Overview, an: &'static AnalyticsWords) -> Vec<Tile> {
    let k = &o.kpis;
    let previous: u64 = o.volume.iter().map(|p| p.previous).sum();
    // Business time first (what the SLA counts), wall-clock time below; nothing measured: "—".
    let timing = |label, p: &qingting_shared::api::analytics::Percentiles| {
        let measured = an.measured_n.replace("{n}", &p.n.to_string());
        match p.p50 {
            Some(_) if p.n > 0 => Tile {
                label,
                tag: Some("P50"),
                value: query::duration(an, p.p50),
                sub: vec![
                    format!("P90 {}", query::duration(an, p.p90)),
                    an.wall_line.replace("{a}", &query::duration(an, p.wall_p50)).replace("{b}", &query::duration(an, p.wall_p90)),
                    measured,
                ],
            },
            _ => Tile { label, tag: None, value: DASH.to_string(), sub: vec![measured] },
        }
    };
    let rate = |label, r: Option<f64>| Tile { label, tag: None, value: query::percent(r), sub: Vec::new() };
    vec![
        Tile { label: an.tickets, tag: None, value: k.tickets.to_string(), sub: vec![an.vs_previous.replace("{n}", &previous.to_string())] },
        timing(an.first_response, &k.first_response),
        timing(an.resolution, &k.resolution),
        timing(an.merchant_response, &k.merchant_response),
        rate(an.sla_met, k.sla_met),
        rate(an.window_met, k.window_met),
        rate(an.escalated, k.escalated_rate),
        rate(an.reopened, k.reopen_rate),
        rate(an.urged, k.urge_rate),
        Tile {
            label: an.csat,
            tag: None,
            value: k.csat_avg.map_or_else(|| DASH.to_string(), |a| format!("{a:.1}")),
            sub: vec![an.ratings_n.replace("{n}", &k.csat_n.to_string())],
        },
        rate(an.auto_replied, k.auto_reply_rate),
        Tile {
            label: an.deflections,
            tag: None,
            value: k.deflections.to_string(),
            sub: vec![an.deflection_rate.replace("{p}", &query::percent(k.deflection_rate))],
        },
    ]
}

#[component]
fn Kpis(o: StoredValue<Overview>) -> impl IntoView {
    let console = Console::get();
    view! {
        <section aria-labelledby="an-kpis">
            <h2 id="an-kpis" class="sr-only">{aw(|a| a.kpis)}</h2>
            <ul class="kpis">
                {move || {
                    let an = &console.ui().an;
                    o.with_value(|o| tiles(o, an))
                        .into_iter()
                        .map(|t| {
                            view! {
                                <li class="kpi">
                                    <p class="kpi-label">{t.label}</p>
                                    <p class="kpi-value">
                                        {t.tag.map(|tag| view! { <span class="kpi-tag">{tag}</span> })}
                                        {t.value}
                                    </p>
                                    {t.sub.into_iter().map(|s| view! { <p class="kpi-sub">{s}</p> }).collect_view()}
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
        </section>
    }
}

/// The spike alerts of the range, each with a link to its tickets.
#[component]
fn Spikes(o: StoredValue<Overview>, view: StoredValue<View>) -> impl IntoView {
    let console = Console::get();
    view! {
        <h3 class="spikes-title">{aw(|a| a.spikes)}</h3>
        {move || {
            let lang = console.lang.get();
            let an = &i18n::ui(lang).an;
            o.with_value(|o| {
                let spikes = view.with_value(|v| shown_spikes(o, v));
                if spikes.is_empty() {
                    return view! { <p class="none">{an.no_spikes}</p> }.into_any();
                }
                view! {
                    <ul class="spikes">
                        {spikes
                            .into_iter()
                            .map(|s| {
                                let observed = an.observed.replace("{n}", &s.observed.to_string()).replace("{p}", &query::one_decimal(s.expected));
                                view! {
                                    <li>
                                        <span class="badge spike-kind">{spike_kind(an, &s.kind)}</span>
                                        <time datetime=s.hour.clone()>{local_time(&s.hour)}</time>
                                        <span class="spike-what">{i18n::category_name(lang, Some(&s.category))}</span>
                                        {s.merchant_name.clone().map(|m| view! { <span class="spike-what">{m}</span> })}
                                        <span class="spike-n">{observed}</span>
                                        <a href=query::spike_href(s)>{an.open_tickets}</a>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                .into_any()
            })
        }}
    }
}

/// The platform's table of merchants, each row drilling down to its tickets.
#[component]
fn Merchants(o: StoredValue<Overview>, view: StoredValue<View>) -> impl IntoView {
    let rows = o.with_value(|o| {
        view.with_value(|v| {
            o.merchants
                .iter()
                .map(|m| {
                    let href = query::range_href(o, v, &[("merchant", &m.merchant)]);
                    view! {
                        <tr>
                            <th scope="row"><a href=href>{m.name.clone()}</a></th>
                            <td class="num">{m.tickets.to_string()}</td>
                            <td class="num">{query::percent(m.window_met)}</td>
                            <td class="num">{query::percent(m.escalated_rate)}</td>
                        </tr>
                    }
                })
                .collect_view()
        })
    });
    view! {
        <section class="card" aria-labelledby="an-merchants">
            <h2 id="an-merchants">{aw(|a| a.merchants)}</h2>
            <div class="table-scroll" role="region" tabindex="0" aria-labelledby="an-merchants">
                <table class="an-table merchant-table">
                    <thead>
                        <tr>
                            <th scope="col">{aw(|a| a.merchant)}</th>
                            <th scope="col" class="num">{aw(|a| a.count)}</th>
                            <th scope="col" class="num">{aw(|a| a.window_met)}</th>
                            <th scope="col" class="num">{aw(|a| a.escalated)}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
}

/// "What customers complain about": each category's words, this week against last.
#[component]
fn Words(o: StoredValue<Overview>) -> impl IntoView {
    let console = Console::get();
    view! {
        <section class="card" aria-labelledby="an-words">
            <h2 id="an-words">{aw(|a| a.words)}</h2>
            <p class="lead">{aw(|a| a.words_intro)}</p>
            {move || {
                let lang = console.lang.get();
                let an = &i18n::ui(lang).an;
                o.with_value(|o| {
                    if o.words.is_empty() {
                        return view! { <p class="none">{an.no_data}</p> }.into_any();
                    }
                    view! {
                        <div class="words-grid">
                            {o
                                .words
                                .iter()
                                .map(|c| {
                                    view! {
                                        <div class="word-card">
                                            <h3>{i18n::category_name(lang, Some(&c.category))}</h3>
                                            <table class="an-table words">
                                                <thead>
                                                    <tr>
                                                        <th scope="col">{an.word}</th>
                                                        <th scope="col" class="num">{an.this_week}</th>
                                                        <th scope="col" class="num">{an.last_week}</th>
                                                        <th scope="col" class="num">{an.change}</th>
                                                    </tr>
                                                </thead>
                                                <tbody>
                                                    {c
                                                        .words
                                                        .iter()
                                                        .map(|w| {
                                                            let trend = Trend::of(w.this_week, w.last_week);
                                                            let (shown, said) = trend.words(an);
                                                            view! {
                                                                <tr>
                                                                    <th scope="row">{w.word.clone()}</th>
                                                                    <td class="num">{w.this_week.to_string()}</td>
                                                                    <td class="num">{w.last_week.to_string()}</td>
                                                                    <td class="num">
                                                                        <span class=trend.class() aria-hidden="true">{shown}</span>
                                                                        <span class="sr-only">{said}</span>
                                                                    </td>
                                                                </tr>
                                                            }
                                                        })
                                                        .collect_view()}
                                                </tbody>
                                            </table>
                                        </div>
                                    }
                                })
                                .collect_view()}
                        </div>
                    }
                    .into_any()
                })
            }}
        </section>
    }
}
