//! `/console/settings/sites` (the sites the caller administers; a new site) and
//! `/console/settings/sites/:key` (one site: name and allowed origins, the embed snippet,
//! destinations, the merchant's FAQ pack, thresholds). Every save answers the whole configuration,
//! which replaces what the page shows; destination secrets come back as `********` and are kept
//! by the server when sent back unchanged.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use leptos_router::{LazyRoute, NavigateOptions, lazy_route};
use qingting_shared::forward::{Destination, DestinationKind};

use super::api::{self, Merchant, SiteConfig, SiteSummary};
use super::{CopyField, Outcome, outcome_view, powers, section_title, submit_button};
use crate::api::Failure;
use crate::state::{Console, failure_alert, loading_view, sw};

/// The route (its data are loaded in `view`, inside the lazy chunk: see `people`).
pub struct SitesRoute;

#[lazy_route]
impl LazyRoute for SitesRoute {
    fn data() -> Self {
        SitesRoute
    }

    fn view(_this: Self) -> AnyView {
        let (sites, merchants) = (LocalResource::new(api::sites), LocalResource::new(api::merchants));
        let powers = powers();
        view! {
            {section_title(|s| s.sites)}
            <NewSite merchants=merchants/>
            <Suspense fallback=loading_view>
                <ErrorBoundary fallback=failure_alert>
                    {move || {
                        let powers = powers.clone();
                        Suspend::new(async move {
                            let list = sites.await?;
                            // Only the sites this person may open (a platform agent sees them all
                            // in lists, but administers none).
                            let list: Vec<SiteSummary> = list
                                .into_iter()
                                .filter(|s| powers.manages(&s.merchant.clone().map_or(qingting_shared::accounts::Scope::Platform, qingting_shared::accounts::Scope::Merchant)))
                                .collect();
                            Ok::<_, Failure>(if list.is_empty() {
                                view! { <p class="none">{sw(|s| s.none_yet)}</p> }.into_any()
                            } else {
                                view! {
                                    <ul class="rows" aria-label=sw(|s| s.sites)>
                                        {list.into_iter().map(|s| view! { <SiteRow site=s/> }).collect_view()}
                                    </ul>
                                }
                                .into_any()
                            })
                        })
                    }}
                </ErrorBoundary>
            </Suspense>
        }
        .into_any()
    }
}

#[component]
fn SiteRow(site: SiteSummary) -> impl IntoView {
    let href = format!("/console/settings/sites/{}", crate::api::encode(&site.site));
    let origins = if site.allowed_origins.is_empty() { "—".to_string() } else { site.allowed_origins.join(" ") };
    view! {
        <li class="row-card">
            <div class="who">
                <span class="name">{site.merchant_name.clone()}</span>
                <span class="email mono">{site.site.clone()}</span>
            </div>
            <div class="roles mono">{origins}</div>
            <div class="row-actions"><A href=href>{sw(|s| s.open_site)}<span class="sr-only">" "{site.merchant_name}</span></A></div>
        </li>
    }
}

/// One origin per line, blank lines ignored.
fn origin_lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(|l| l.trim_end_matches('/').to_string()).collect()
}

#[component]
fn NewSite(merchants: LocalResource<Result<Vec<Merchant>, Failure>>) -> impl IntoView {
    let console = Console::get();
    let powers = powers();
    let navigate = use_navigate();
    let (key, name, origins) = (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(String::new()));
    let merchant = RwSignal::new(String::new());
    let outcome = RwSignal::new(Outcome::Idle);
    let platform_admin = powers.platform_admin();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if outcome.with_untracked(Outcome::is_busy) {
            return;
        }
        let (k, n) = (key.get_untracked().trim().to_string(), name.get_untracked().trim().to_string());
        if k.is_empty() || n.is_empty() {
            return outcome.set(Outcome::Invalid(|s| s.err_name_missing));
        }
        let o = origin_lines(&origins.get_untracked());
        let m = merchant.get_untracked();
        outcome.set(Outcome::Busy);
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::put_site(&k, &n, &o, (!m.is_empty()).then_some(m.as_str())).await {
                Ok(cfg) => {
                    outcome.set(Outcome::Idle);
                    // The whole path, not resolved against the router's base (as sign-in does).
                    navigate(&format!("/console/settings/sites/{}", crate::api::encode(&cfg.site)), NavigateOptions { resolve: false, ..Default::default() });
                }
                Err(f) => outcome.set(Outcome::Failed(f)),
            }
        });
    };
    let merchant_field = platform_admin.then(|| {
        view! {
            <div class="field">
                <label for="site-merchant">{sw(|s| s.merchant)}</label>
                <select id="site-merchant" on:change=move |ev| merchant.set(event_target_value(&ev))>
                    <option value="">{sw(|s| s.platform_own)}</option>
                    {move || {
                        merchants.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|m| view! { <option value=m.id>{m.name}</option> }).collect_view()
                    }}
                </select>
            </div>
        }
    });
    let _ = console;
    view! {
        <details class="card">
            <summary>{sw(|s| s.new_site)}</summary>
            <form novalidate on:submit=submit class="grid-form">
                {outcome_view(outcome)}
                <div class="field">
                    <label for="site-key">{sw(|s| s.site_key)}</label>
                    <input id="site-key" type="text" class="mono" maxlength="64" autocapitalize="none" spellcheck="false" aria-describedby="site-key-hint" bind:value=key/>
                    <p class="hint" id="site-key-hint">{sw(|s| s.site_key_hint)}</p>
                </div>
                <div class="field">
                    <label for="site-name">{sw(|s| s.shop_name)}</label>
                    <input id="site-name" type="text" maxlength="100" bind:value=name/>
                </div>
                {merchant_field}
                <div class="field wide">
                    <label for="site-origins">{sw(|s| s.origins)}</label>
                    <textarea id="site-origins" rows="2" class="mono" spellcheck="false" aria-describedby="site-origins-hint" bind:value=origins></textarea>
                    <p class="hint" id="site-origins-hint">{sw(|s| s.origins_hint)}</p>
                </div>
                <div class="form-end">{submit_button(|s| s.create, outcome)}</div>
            </form>
        </details>
    }
}

/// The route (its data are loaded in `view`, inside the lazy chunk: see `people`).
pub struct SiteRoute;

#[lazy_route]
impl LazyRoute for SiteRoute {
    fn data() -> Self {
        SiteRoute
    }

    fn view(_this: Self) -> AnyView {
        let key = use_params_map().with_untracked(|p| p.get("key")).unwrap_or_default();
        let k = key.clone();
        let config = LocalResource::new(move || {
            let k = k.clone();
            async move { api::site(&k).await }
        });
        view! {
            <p class="back"><A href="/console/settings/sites">{sw(|s| s.back_to_sites)}</A></p>
            {section_title(|s| s.sites)}
            <p class="lead mono">{key}</p>
            <Suspense fallback=loading_view>
                <ErrorBoundary fallback=failure_alert>
                    {move || Suspend::new(async move {
                        let cfg = config.await?;
                        Ok::<_, Failure>(view! { <SiteSettings cfg=cfg/> })
                    })}
                </ErrorBoundary>
            </Suspense>
        }
        .into_any()
    }
}

/// Every part of one site's configuration, each saved on its own.
#[component]
fn SiteSettings(cfg: SiteConfig) -> impl IntoView {
    let shown = RwSignal::new(cfg.clone());
    view! {
        <Basics cfg=cfg.clone() shown=shown/>
        <section class="card" aria-labelledby="embed-title">
            <h2 id="embed-title">{sw(|s| s.embed)}</h2>
            <p class="hint">{sw(|s| s.embed_intro)}</p>
            <CopyField id="embed" label=|s| s.embed text=cfg.embed_snippet.clone() multiline=true/>
        </section>
        <Destinations cfg=cfg.clone() shown=shown/>
        <Faq cfg=cfg.clone() shown=shown/>
        <ThresholdsForm cfg=cfg shown=shown/>
    }
}

#[component]
fn Basics(cfg: SiteConfig, shown: RwSignal<SiteConfig>) -> impl IntoView {
    let name = RwSignal::new(cfg.merchant_name.clone());
    let origins = RwSignal::new(cfg.allowed_origins.join("\n"));
    let outcome = RwSignal::new(Outcome::Idle);
    let key = StoredValue::new(cfg.site.clone());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if outcome.with_untracked(Outcome::is_busy) {
            return;
        }
        let n = name.get_untracked().trim().to_string();
        if n.is_empty() {
            return outcome.set(Outcome::Invalid(|s| s.err_name_missing));
        }
        let o = origin_lines(&origins.get_untracked());
        outcome.set(Outcome::Busy);
        spawn_local(async move {
            match api::put_site(&key.get_value(), &n, &o, None).await {
                Ok(c) => {
                    origins.set(c.allowed_origins.join("\n"));
                    shown.set(c);
                    outcome.set(Outcome::Done(|s| s.saved));
                }
                Err(f) => outcome.set(Outcome::Failed(f)),
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="basics-title">
            <h2 id="basics-title">{sw(|s| s.site_basics)}</h2>
            <form novalidate on:submit=submit class="grid-form">
                {outcome_view(outcome)}
                <div class="field">
                    <label for="b-name">{sw(|s| s.shop_name)}</label>
                    <input id="b-name" type="text" maxlength="100" bind:value=name/>
                </div>
                <div class="field wide">
                    <label for="b-origins">{sw(|s| s.origins)}</label>
                    <textarea id="b-origins" rows="3" class="mono" spellcheck="false" aria-describedby="b-origins-hint" bind:value=origins></textarea>
                    <p class="hint" id="b-origins-hint">{sw(|s| s.origins_hint)}</p>
                </div>
                <div class="form-end">{submit_button(|s| s.save, outcome)}</div>
            </form>
        </section>
    }
}

/// One destination being edited.
#[derive(Clone, Copy)]
struct Row {
    /// Stable while the list is edited (keys the `<For>` and the field ids).
    n: u32,
    id: RwSignal<String>,
    kind: RwSignal<String>,
    url: RwSignal<String>,
    secret: RwSignal<String>,
}

impl Row {
    fn new(n: u32, d: &Destination) -> Row {
        Row {
            n,
            id: RwSignal::new(d.id.clone()),
            kind: RwSignal::new(d.kind.as_str().to_string()),
            url: RwSignal::new(d.url.clone()),
            secret: RwSignal::new(d.secret.clone().unwrap_or_default()),
        }
    }

    fn destination(&self) -> Destination {
        let secret = self.secret.get_untracked();
        Destination {
            id: self.id.get_untracked().trim().to_string(),
            kind: DestinationKind::parse(&self.kind.get_untracked()).unwrap_or(DestinationKind::Webhook),
            url: self.url.get_untracked().trim().to_string(),
            secret: (!secret.trim().is_empty()).then(|| secret.trim().to_string()),
        }
    }
}

#[component]
fn Destinations(cfg: SiteConfig, shown: RwSignal<SiteConfig>) -> impl IntoView {
    let console = Console::get();
    let next = StoredValue::new(cfg.destinations.len() as u32);
    let rows = RwSignal::new(cfg.destinations.iter().enumerate().map(|(i, d)| Row::new(i as u32, d)).collect::<Vec<_>>());
    let outcome = RwSignal::new(Outcome::Idle);
    let key = StoredValue::new(cfg.site.clone());
    let add = move |_| {
        let n = next.get_value();
        next.set_value(n + 1);
        let blank = Destination { id: format!("dest-{}", n + 1), kind: DestinationKind::Webhook, url: String::new(), secret: None };
        rows.update(|r| r.push(Row::new(n, &blank)));
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if outcome.with_untracked(Outcome::is_busy) {
            return;
        }
        let list: Vec<Destination> = rows.get_untracked().iter().map(Row::destination).collect();
        outcome.set(Outcome::Busy);
        spawn_local(async move {
            match api::put_destinations(&key.get_value(), &list).await {
                Ok(c) => {
                    rows.set(c.destinations.iter().enumerate().map(|(i, d)| Row::new(i as u32, d)).collect());
                    next.set_value(c.destinations.len() as u32);
                    shown.set(c);
                    outcome.set(Outcome::Done(|s| s.saved));
                }
                Err(f) => outcome.set(Outcome::Failed(f)),
            }
        });
    };
    let ui = move || console.ui();
    let row_view = move |row: Row| {
        let f = |name: &str| format!("d{}-{name}", row.n);
        let title = move || ui().st.destination_n.replace("{n}", &(rows.with(|r| r.iter().position(|x| x.n == row.n).unwrap_or(0)) + 1).to_string());
        let remove = move |_| rows.update(|r| r.retain(|x| x.n != row.n));
        view! {
            <fieldset class="dest">
                <legend>{title}</legend>
                <div class="field">
                    <label for=f("id")>{sw(|s| s.dest_id)}</label>
                    <input id=f("id") type="text" class="mono" maxlength="32" autocapitalize="none" spellcheck="false" bind:value=row.id/>
                </div>
                <div class="field">
                    <label for=f("kind")>{sw(|s| s.dest_kind)}</label>
                    <select id=f("kind") on:change=move |ev| row.kind.set(event_target_value(&ev))>
                        {DestinationKind::ALL
                            .iter()
                            .map(|k| view! { <option value=k.as_str() selected=move || row.kind.get() == k.as_str()>{kind_name(*k)}</option> })
                            .collect_view()}
                    </select>
                </div>
                <div class="field wide">
                    <label for=f("url")>{sw(|s| s.dest_url)}</label>
                    <input id=f("url") type="url" class="mono" spellcheck="false" bind:value=row.url/>
                </div>
                <div class="field wide">
                    <label for=f("secret")>{sw(|s| s.dest_secret)}</label>
                    <input id=f("secret") type="text" class="mono" autocomplete="off" spellcheck="false" aria-describedby="dest-secret-hint" bind:value=row.secret/>
                </div>
                <button type="button" class="secondary danger" on:click=remove>{sw(|s| s.remove)}<span class="sr-only">" "{title}</span></button>
            </fieldset>
        }
    };
    view! {
        <section class="card" aria-labelledby="dest-title">
            <h2 id="dest-title">{sw(|s| s.destinations)}</h2>
            <p class="hint">{sw(|s| s.destinations_intro)}</p>
            <p class="hint" id="dest-secret-hint">{sw(|s| s.dest_secret_hint)}</p>
            <form novalidate on:submit=submit>
                {outcome_view(outcome)}
                {move || rows.with(Vec::is_empty).then(|| view! { <p class="none">{sw(|s| s.no_destinations)}</p> })}
                <For each=move || rows.get() key=|r| r.n children=row_view/>
                <div class="form-row">
                    <button type="button" class="secondary" on:click=add>{sw(|s| s.add_destination)}</button>
                    {submit_button(|s| s.save, outcome)}
                </div>
            </form>
        </section>
    }
}

pub(super) fn kind_name(kind: DestinationKind) -> &'static str {
    match kind {
        DestinationKind::Webhook => "Webhook",
        DestinationKind::Feishu => "飞书 Feishu",
        DestinationKind::Dingtalk => "钉钉 DingTalk",
        DestinationKind::Wecom => "企业微信 WeCom",
    }
}

#[component]
fn Faq(cfg: SiteConfig, shown: RwSignal<SiteConfig>) -> impl IntoView {
    let console = Console::get();
    let pretty = |c: &SiteConfig| c.faq_pack.as_ref().and_then(|p| serde_json::to_string_pretty(p).ok()).unwrap_or_default();
    let text = RwSignal::new(pretty(&cfg));
    let outcome = RwSignal::new(Outcome::Idle);
    let key = StoredValue::new(cfg.site.clone());
    let save = move |reset: bool| {
        if outcome.with_untracked(Outcome::is_busy) {
            return;
        }
        let body = text.get_untracked();
        outcome.set(Outcome::Busy);
        spawn_local(async move {
            let k = key.get_value();
            let r = if reset { api::delete_faq(&k).await } else { api::put_faq(&k, &body).await };
            match r {
                Ok(c) => {
                    text.set(pretty(&c));
                    shown.set(c);
                    outcome.set(Outcome::Done(|s| s.saved));
                }
                Err(f) => outcome.set(Outcome::Failed(f)),
            }
        });
    };
    let state = move || {
        let st = &console.ui().st;
        shown.with(|c| match &c.faq_pack {
            Some(p) => st.faq_own.replace("{n}", &p.entries.len().to_string()),
            None => st.faq_default.to_string(),
        })
    };
    view! {
        <section class="card" aria-labelledby="faq-title">
            <h2 id="faq-title">{sw(|s| s.faq)}</h2>
            <p class="hint">{sw(|s| s.faq_intro)}</p>
            <p role="status">{state}</p>
            <form novalidate on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                save(false);
            }>
                {outcome_view(outcome)}
                <div class="field">
                    <label for="faq-json">{sw(|s| s.faq_json)}</label>
                    <textarea id="faq-json" rows="10" class="mono" spellcheck="false" bind:value=text></textarea>
                </div>
                <div class="form-row">
                    {move || shown.with(|c| c.faq_pack.is_some()).then(|| view! {
                        <button type="button" class="secondary" on:click=move |_| save(true)>{sw(|s| s.faq_reset)}</button>
                    })}
                    {submit_button(|s| s.save, outcome)}
                </div>
            </form>
        </section>
    }
}

/// A threshold as typed: empty → the default (`Ok(None)`); else a number in 0.5–1.0.
fn threshold(text: &str) -> Result<Option<f32>, ()> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<f32>().ok().filter(|v| (0.5..=1.0).contains(v)).map(Some).ok_or(())
}

#[component]
fn ThresholdsForm(cfg: SiteConfig, shown: RwSignal<SiteConfig>) -> impl IntoView {
    let console = Console::get();
    let t = &cfg.thresholds;
    let as_text = |v: f32, d: f32| if (v - d).abs() < 1e-6 { String::new() } else { format!("{v}") };
    let resolve = RwSignal::new(as_text(t.resolve, t.defaults.resolve));
    let acknowledge = RwSignal::new(as_text(t.acknowledge, t.defaults.acknowledge));
    let outcome = RwSignal::new(Outcome::Idle);
    let key = StoredValue::new(cfg.site.clone());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if outcome.with_untracked(Outcome::is_busy) {
            return;
        }
        let (Ok(r), Ok(a)) = (threshold(&resolve.get_untracked()), threshold(&acknowledge.get_untracked())) else {
            return outcome.set(Outcome::Invalid(|s| s.err_threshold));
        };
        outcome.set(Outcome::Busy);
        spawn_local(async move {
            match api::put_thresholds(&key.get_value(), r, a).await {
                Ok(c) => {
                    shown.set(c);
                    outcome.set(Outcome::Done(|s| s.saved));
                }
                Err(f) => outcome.set(Outcome::Failed(f)),
            }
        });
    };
    let default_of = move |pick: fn(&api::ThresholdValues) -> f32| {
        move || console.ui().st.default_is.replace("{v}", &format!("{}", shown.with(|c| pick(&c.thresholds.defaults))))
    };
    view! {
        <section class="card" aria-labelledby="thr-title">
            <h2 id="thr-title">{sw(|s| s.thresholds)}</h2>
            <p class="hint">{sw(|s| s.thresholds_intro)}</p>
            <form novalidate on:submit=submit class="grid-form">
                {outcome_view(outcome)}
                <div class="field">
                    <label for="thr-resolve">{sw(|s| s.resolve)}</label>
                    <input id="thr-resolve" type="text" inputmode="decimal" placeholder=default_of(|d| d.resolve) aria-describedby="thr-resolve-d" bind:value=resolve/>
                    <p class="hint" id="thr-resolve-d">{default_of(|d| d.resolve)}</p>
                </div>
                <div class="field">
                    <label for="thr-ack">{sw(|s| s.acknowledge)}</label>
                    <input id="thr-ack" type="text" inputmode="decimal" placeholder=default_of(|d| d.acknowledge) aria-describedby="thr-ack-d" bind:value=acknowledge/>
                    <p class="hint" id="thr-ack-d">{default_of(|d| d.acknowledge)}</p>
                </div>
                <div class="form-end">{submit_button(|s| s.save, outcome)}</div>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_one_per_line_without_trailing_slashes() {
        assert_eq!(origin_lines(" https://a.example.cn/ \n\nhttp://localhost:8080\n"), ["https://a.example.cn", "http://localhost:8080"]);
    }

    #[test]
    fn thresholds_are_empty_or_within_range() {
        assert_eq!(threshold(""), Ok(None));
        assert_eq!(threshold(" 0.8 "), Ok(Some(0.8)));
        assert_eq!(threshold("0.2"), Err(()));
        assert_eq!(threshold("abc"), Err(()));
    }
}
