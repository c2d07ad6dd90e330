//! Notifications: the header's bell with the unread count (looked up every minute) and
//! `/console/notifications`, the list — a new assignment, an SLA warning or breach, the platform
//! stepping in — each linking to its ticket, with 全部标为已读.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::{LazyRoute, lazy_route};
use qingting_shared::{Lang, PerLang};

use crate::api::{self, Failure, Notification};
use crate::inbox::local_time;
use crate::state::{Console, failure_alert, loading_view};

/// The unread count the header shows, shared with the list page (which lowers it).
#[derive(Clone, Copy)]
pub struct Unread(pub RwSignal<u32>);

struct Words {
    title: &'static str,
    bell: &'static str,
    mark_all: &'static str,
    none: &'static str,
    assigned: &'static str,
    warning: &'static str,
    breach: &'static str,
    escalated: &'static str,
    unread: &'static str,
}

const WORDS: PerLang<Words> = PerLang::new(
    Words {
        title: "通知",
        bell: "通知，{n} 条未读",
        mark_all: "全部标为已读",
        none: "暂无通知。",
        assigned: "分给了你",
        warning: "即将超时",
        breach: "已超时",
        escalated: "平台介入",
        unread: "未读",
    },
    Words {
        title: "通知",
        bell: "通知，{n} 則未讀",
        mark_all: "全部標為已讀",
        none: "暫無通知。",
        assigned: "分給了你",
        warning: "即將超時",
        breach: "已超時",
        escalated: "平台介入",
        unread: "未讀",
    },
    Words {
        title: "Notifications",
        bell: "Notifications, {n} unread",
        mark_all: "Mark all read",
        none: "No notifications.",
        assigned: "Assigned to you",
        warning: "Due soon",
        breach: "Breached",
        escalated: "The platform stepped in",
        unread: "unread",
    },
);

fn words(lang: Lang) -> &'static Words {
    WORDS.get(lang)
}

/// What a notification says, in words.
fn what(lang: Lang, n: &Notification) -> String {
    let w = words(lang);
    let clock = |r: &str| match r {
        "first_response" => crate::i18n::sla_word(lang, crate::i18n::SlaWord::FirstResponse),
        "resolution" => crate::i18n::sla_word(lang, crate::i18n::SlaWord::Resolution),
        _ => "",
    };
    match n.kind.as_str() {
        "assigned" => w.assigned.to_string(),
        "warning" => format!("{}（{}）", w.warning, clock(&n.reference)),
        "breach" => format!("{}（{}）", w.breach, clock(&n.reference)),
        "escalated" => format!("{}：{}", w.escalated, crate::i18n::escalation_reason(lang, &n.reference)),
        other => other.to_string(),
    }
}

/// The header's link to the list, with the unread count; provides [`Unread`].
#[component]
pub fn Bell() -> impl IntoView {
    let console = Console::get();
    let unread = Unread(RwSignal::new(0));
    provide_context(unread);
    let look = move || {
        spawn_local(async move {
            if let Ok(n) = api::unread_notifications().await {
                unread.0.set(n);
            }
        })
    };
    look();
    if let Ok(handle) = set_interval_with_handle(look, std::time::Duration::from_secs(60)) {
        on_cleanup(move || handle.clear());
    }
    let label = move || words(console.lang.get()).bell.replace("{n}", &unread.0.get().to_string());
    view! {
        <A href="/console/notifications" attr:class="bell" attr:aria-label=label>
            <span aria-hidden="true">{move || words(console.lang.get()).title}</span>
            <Show when=move || unread.0.get() != 0>
                <span class="count" aria-hidden="true">{move || unread.0.get().to_string()}</span>
            </Show>
        </A>
    }
}

/// `/console/notifications`, a lazily loaded chunk (its data are loaded in `view`, inside the
/// chunk: see `settings::people`).
pub struct NotificationsRoute;

#[lazy_route]
impl LazyRoute for NotificationsRoute {
    fn data() -> Self {
        NotificationsRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <NotificationsPage/> }.into_any()
    }
}

#[component]
fn NotificationsPage() -> impl IntoView {
    let console = Console::get();
    let unread = use_context::<Unread>();
    let lang = move || console.lang.get();
    Effect::new(move |_| document().set_title(&format!("{} · {}", words(lang()).title, console.ui().brand)));
    let list = LocalResource::new(api::notifications);
    let failure = RwSignal::new(None::<Failure>);
    let mark_all = move |_| {
        spawn_local(async move {
            match api::mark_notifications_read().await {
                Ok(n) => {
                    if let Some(u) = unread {
                        u.0.set(n);
                    }
                    list.refetch();
                }
                Err(f) => failure.set(Some(f)),
            }
        })
    };
    view! {
        <h1>{move || words(lang()).title}</h1>
        {move || failure.get().map(|f| view! { <div class="alert" role="alert">{console.ui().failure(&f)}</div> })}
        <Suspense fallback=loading_view>
            <ErrorBoundary fallback=failure_alert>
                {move || Suspend::new(async move {
                    let page = list.await?;
                    if let Some(u) = unread {
                        u.0.set(page.unread);
                    }
                    Ok::<_, Failure>(if page.notifications.is_empty() {
                        view! { <p class="none">{move || words(lang()).none}</p> }.into_any()
                    } else {
                        view! {
                            <button type="button" class="secondary" on:click=mark_all>{move || words(lang()).mark_all}</button>
                            <ul class="rows notifications">
                                {page
                                    .notifications
                                    .into_iter()
                                    .map(|n| {
                                        let unread = n.read_at.is_none();
                                        let text = what(lang(), &n);
                                        view! {
                                            <li class="row-card" class:unread=unread>
                                                <A href=format!("/console/tickets/{}", n.ticket_id)>{n.ticket_no.clone()}</A>
                                                <span class="what">{text}</span>
                                                {unread.then(|| view! { <span class="badge">{move || words(lang()).unread}</span> })}
                                                <time datetime=n.at.clone()>{local_time(&n.at)}</time>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        }
                        .into_any()
                    })
                })}
            </ErrorBoundary>
        </Suspense>
    }
}
