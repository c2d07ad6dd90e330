//! `/console/tickets/:id`: one ticket. The complaint (masked), its classification with the words
//! that drove it, the conversation (internal notes set apart from public replies), the timeline,
//! and every action: claim, assign, transfer, reply (optionally waiting for the customer),
//! internal note, correct, resolve, close, reopen, merge, follow.
//!
//! Every action sends `If-Match: <version>` of the ticket on screen. A stale write (`409
//! version_conflict`) shows "此工单已被他人更新" with the ticket from the answer and keeps what
//! was typed: never a silent overwrite. Shortcuts (`r` reply, `n` note, `c` claim, `e` resolve,
//! `?` the list) never fire while typing in a field. Customer and staff text is rendered only as
//! text nodes.

use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use leptos_router::{LazyRoute, lazy_route};
use qingting_shared::workflow::Action;
use qingting_shared::{Category, Priority, TicketStatus};
use wasm_bindgen::JsCast;

use crate::api::{self, ActFailure, Event, Failure, Message, Ticket};
use crate::i18n::{self, SlaWord, TicketWord};
use crate::inbox::{Now, SlaDue, local_time, priority_class, status_class};
use crate::state::{Console, Directory, failure_words, loading_view, page_title, tw, uw};

/// What an action's outcome was, for the status line and the alert.
#[derive(Clone, Copy)]
struct Work {
    ticket: RwSignal<Ticket>,
    /// The last write was stale: the fresh ticket is on screen.
    stale: RwSignal<bool>,
    failure: RwSignal<Option<Failure>>,
    /// Words for the polite status line (saved, sending …).
    status: RwSignal<Option<TicketWord>>,
    busy: RwSignal<bool>,
}

impl Work {
    /// Sends `action` at the version on screen; `done` runs after it applied.
    fn act(self, action: Action, done: impl FnOnce() + 'static) {
        if self.busy.get_untracked() {
            return;
        }
        let (id, version) = self.ticket.with_untracked(|t| (t.id.clone(), t.version));
        self.busy.set(true);
        self.failure.set(None);
        self.status.set(Some(|t| t.working));
        spawn_local(async move {
            let result = api::act(&id, version, &action).await;
            self.busy.set(false);
            match result {
                Ok(fresh) => {
                    self.ticket.set(fresh);
                    self.stale.set(false);
                    self.status.set(Some(|t| t.saved));
                    done();
                }
                Err(ActFailure::Stale(fresh)) => {
                    self.ticket.set(*fresh);
                    self.stale.set(true);
                    self.status.set(None);
                }
                Err(ActFailure::Failed(f)) => {
                    self.status.set(None);
                    self.failure.set(Some(f));
                }
            }
        });
    }
}

/// Whether the status table lets a ticket in `status` take a person's `event`.
fn allows(status: &str, event: qingting_shared::workflow::state::TicketEvent) -> bool {
    TicketStatus::parse(status).is_some_and(|s| s.after(event).is_ok())
}

/// The route: a lazily loaded chunk, fetched when the first ticket is opened (the inbox, where a
/// session starts, does not pay for it). Its data are loaded in the page, inside the chunk.
pub struct TicketRoute;

#[lazy_route]
impl LazyRoute for TicketRoute {
    fn data() -> Self {
        TicketRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <TicketPage/> }.into_any()
    }
}

#[component]
fn TicketPage() -> impl IntoView {
    let console = Console::get();
    page_title(|ui| ui.ticket_title);
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id")).unwrap_or_default();
    // The heading names the address's id until the ticket (and its number) is loaded.
    let heading = RwSignal::new(String::new());
    Effect::new(move |_| heading.set(id()));
    let ticket = LocalResource::new(move || {
        let id = id();
        async move { api::ticket(&id).await }
    });
    let ui = move || console.ui();
    let loading = loading_view;
    let failed = move |errors: ArcRwSignal<Errors>| {
        let words = failure_words(console, errors);
        view! {
            <div class="alert" role="alert">
                <p>{words}</p>
            </div>
            <p>
                <A href="/console/tickets">{move || ui().tk.back}</A>
            </p>
        }
    };
    view! {
        <div class="ticket-page">
            <p class="back">
                <A href="/console/tickets">{move || format!("← {}", ui().tk.back)}</A>
            </p>
            <h1>{move || format!("{} {}", ui().ticket_title, heading.get())}</h1>
            <Suspense fallback=loading>
                <ErrorBoundary fallback=failed>
                    {move || Suspend::new(async move { ticket.await.map(|t| view! { <TicketView initial=t heading=heading/> }) })}
                </ErrorBoundary>
            </Suspense>
        </div>
    }
}

/// Whether a key press happened while typing somewhere (then it is text, not a shortcut).
fn typing(ev: &web_sys::KeyboardEvent) -> bool {
    let Some(el) = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return false };
    matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT") || el.dyn_ref::<web_sys::HtmlElement>().is_some_and(|h| h.is_content_editable())
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Reply,
    Note,
}

#[component]
fn TicketView(initial: Ticket, heading: RwSignal<String>) -> impl IntoView {
    let console = Console::get();
    let directory = Directory::get();
    let work = Work {
        ticket: RwSignal::new(initial),
        stale: RwSignal::new(false),
        failure: RwSignal::new(None),
        status: RwSignal::new(None),
        busy: RwSignal::new(false),
    };
    let ticket = work.ticket;
    Now::provide();
    Effect::new(move |_| heading.set(ticket.with(|t| t.ticket_no.clone())));
    let tk = move || &console.ui().tk;
    let mode = RwSignal::new(Mode::Reply);
    let compose = NodeRef::<html::Textarea>::new();
    let help = RwSignal::new(false);
    let help_close = NodeRef::<html::Button>::new();
    let stale_box = NodeRef::<html::Div>::new();

    let status = move || ticket.with(|t| t.status.clone());
    let me = directory.my_id();
    let can_claim = {
        let me = me.clone();
        move || {
            ticket.with(|t| {
                let s = t.status.as_str();
                (s == "open" && t.assignee.as_deref() != Some(me.as_str())) || allows(s, qingting_shared::workflow::state::TicketEvent::Take)
            })
        }
    };
    let claim = move || work.act(Action::Claim, || {});
    let resolve = move || {
        if allows(&status(), qingting_shared::workflow::state::TicketEvent::Resolve) {
            work.act(Action::Resolve, || {});
        }
    };
    let start_writing = move |m: Mode| {
        mode.set(m);
        if let Some(el) = compose.get_untracked() {
            let _ = el.focus();
        }
    };
    // Keyboard shortcuts, page-wide, never while typing in a field or with a modifier.
    let keys = window_event_listener(leptos::ev::keydown, {
        let can_claim = can_claim.clone();
        move |ev| {
            if ev.ctrl_key() || ev.meta_key() || ev.alt_key() || typing(&ev) {
                return;
            }
            match ev.key().as_str() {
                "r" => start_writing(Mode::Reply),
                "n" => start_writing(Mode::Note),
                "c" if can_claim() => claim(),
                "e" => resolve(),
                "?" => {
                    help.update(|h| *h = !*h);
                    if help.get_untracked() {
                        request_animation_frame(move || {
                            if let Some(b) = help_close.get_untracked() {
                                let _ = b.focus();
                            }
                        });
                    }
                }
                "Escape" if help.get_untracked() => help.set(false),
                _ => return,
            }
            ev.prevent_default();
        }
    });
    on_cleanup(move || keys.remove());
    // A stale write: the alert takes the focus so the keyboard is where the news is.
    Effect::new(move |_| {
        if work.stale.get()
            && let Some(el) = stale_box.get_untracked()
        {
            let _ = el.focus();
        }
    });

    let following = {
        let me = me.clone();
        move || ticket.with(|t| t.followers.contains(&me))
    };
    let lang = move || console.lang.get();
    view! {
        {move || {
            work.stale
                .get()
                .then(|| {
                    view! {
                        <div class="alert stale" role="alert" tabindex="-1" node_ref=stale_box>
                            <p>
                                <strong>{uw(|u| u.err_version_conflict)}</strong>
                            </p>
                            <p>{tw(|t| t.stale_detail)}</p>
                        </div>
                    }
                })
        }}
        {move || work.failure.get().map(|f| view! { <div class="alert" role="alert">{console.ui().failure(&f)}</div> })}
        <p class="status-line" role="status">{move || work.status.get().map(|w| w(tk()))}</p>
        <div class="ticket-summary">
            <span class=move || status_class(&status())>{move || i18n::status_label(lang(), &status())}</span>
            <span class=move || ticket.with(|t| priority_class(t.priority.as_deref()))>
                {move || ticket.with(|t| i18n::priority_label(lang(), t.priority.as_deref()))}
            </span>
            <span class="holder">
                {move || format!("{}：", tk().holder)}
                {move || ticket.with(|t| if t.holder == "platform" { tk().holder_platform } else { tk().holder_merchant })}
            </span>
            <span class="assignee">
                {move || format!("{}：", tk().assignee)}
                {move || ticket.with(|t| t.assignee.clone()).map_or_else(|| tk().unassigned.to_string(), |a| directory.name(&a))}
            </span>
            {move || {
                ticket
                    .with(|t| t.team.clone())
                    .map(|team| {
                        view! {
                            <span class="team">
                                {move || format!("{}：", tk().team)}
                                {move || directory.team_name(&team)}
                            </span>
                        }
                    })
            }}
            {move || {
                let (due, breached) = ticket.with(|t| t.sla.next_due());
                view! { <SlaDue due_at=due breached=breached/> }
            }}
            <span class="hint">{tw(|t| t.shortcuts_hint)}</span>
        </div>
        {move || ticket.with(|t| (t.kind.as_deref() == Some("alert"), t.linked.clone())).0.then(|| {
            let linked = ticket.with(|t| t.linked.clone());
            view! {
                <div class="alert-ticket" role="note">
                    <p><strong class="kind-badge">{tw(|t| t.alert_kind)}</strong>" "{tw(|t| t.alert_hint)}</p>
                    {linked.map(|l| view! {
                        <p>{move || format!("{}：", tk().alert_original)}<A href=format!("/console/tickets/{}", l.id)>{l.ticket_no.clone()}</A></p>
                    })}
                </div>
            }
        })}
        {move || ticket.with(|t| t.csat.clone()).and_then(|c| c.score.map(|score| (score, c))).map(|(score, c)| view! {
            <p class=if score <= 2 { "csat csat-low" } else { "csat" }>
                {move || format!("{}：{score}/5", tk().csat)}
                {c.reason.as_deref().and_then(qingting_shared::workflow::customer::RatingReason::parse).map(|r| format!(" · {}", r.label(lang())))}
                {c.comment.filter(|s| !s.is_empty()).map(|s| format!(" · {s}"))}
            </p>
        })}
        <Show when=move || help.get()>
            <section class="shortcuts" role="dialog" aria-labelledby="shortcuts-title">
                <h2 id="shortcuts-title">{tw(|t| t.shortcuts)}</h2>
                <dl>
                    <dt><kbd>"r"</kbd></dt>
                    <dd>{tw(|t| t.key_reply)}</dd>
                    <dt><kbd>"n"</kbd></dt>
                    <dd>{tw(|t| t.key_note)}</dd>
                    <dt><kbd>"c"</kbd></dt>
                    <dd>{tw(|t| t.key_claim)}</dd>
                    <dt><kbd>"e"</kbd></dt>
                    <dd>{tw(|t| t.key_resolve)}</dd>
                    <dt><kbd>"?"</kbd></dt>
                    <dd>{tw(|t| t.key_help)}</dd>
                </dl>
                <button type="button" class="secondary" node_ref=help_close on:click=move |_| help.set(false)>{tw(|t| t.close_help)}</button>
            </section>
        </Show>
        <div class="ticket-grid">
            <div class="ticket-col">
                <Delivery ticket=ticket/>
                <Complaint ticket=ticket/>
                <Conversation ticket=ticket/>
                <Composer work=work mode=mode compose=compose/>
            </div>
            <div class="ticket-col side">
                <SlaPanel ticket=ticket/>
                <section class="panel" aria-labelledby="actions-h">
                    <h2 id="actions-h">{tw(|t| t.actions)}</h2>
                    <div class="buttons">
                        <Show when=can_claim.clone()>
                            <button type="button" class="primary" aria-keyshortcuts="c" on:click=move |_| claim()>
                                {tw(|t| t.claim)}
                                <kbd aria-hidden="true">"c"</kbd>
                            </button>
                        </Show>
                        <Show when=move || allows(&status(), qingting_shared::workflow::state::TicketEvent::Resolve)>
                            <button type="button" class="secondary" aria-keyshortcuts="e" on:click=move |_| resolve()>
                                {tw(|t| t.resolve)}
                                <kbd aria-hidden="true">"e"</kbd>
                            </button>
                        </Show>
                        <Show when=move || allows(&status(), qingting_shared::workflow::state::TicketEvent::Close)>
                            <button type="button" class="secondary" on:click=move |_| work.act(Action::Close, || {})>{tw(|t| t.close)}</button>
                        </Show>
                        <Show when=move || allows(&status(), qingting_shared::workflow::state::TicketEvent::Reopen)>
                            <button type="button" class="secondary" on:click=move |_| work.act(Action::Reopen, || {})>{tw(|t| t.reopen)}</button>
                        </Show>
                        {
                            let following = following.clone();
                            move || {
                                let on = following();
                                view! {
                                    <button
                                        type="button"
                                        class="secondary"
                                        aria-pressed=on.to_string()
                                        on:click=move |_| work.act(if on { Action::Unfollow } else { Action::Follow }, || {})
                                    >
                                        {move || if on { tk().unfollow } else { tk().follow }}
                                    </button>
                                }
                            }
                        }
                    </div>
                    <Show when=move || status() != "closed">
                        <Assign work=work/>
                        <Transfer work=work/>
                        <Correct work=work/>
                        <Merge work=work/>
                    </Show>
                </section>
                <Classification ticket=ticket/>
                <Timeline ticket=ticket/>
            </div>
        </div>
    }
}

/// The SLA clocks: each one's due time with the time left or overdue, answered, paused or
/// breached, and the merchant's window while the merchant holds the ticket.
#[component]
fn SlaPanel(ticket: RwSignal<Ticket>) -> impl IntoView {
    let console = Console::get();
    let word = move |w: SlaWord| move || i18n::sla_word(console.lang.get(), w);
    let clock = move |pick: fn(&api::SlaView) -> &api::ClockView| {
        move || {
            let c = ticket.with(|t| pick(&t.sla).clone());
            let lang = console.lang.get();
            let done = c.responded_at.as_deref().map(|at| format!("{} · {}", i18n::sla_word(lang, SlaWord::Answered), local_time(at)));
            let paused = c.paused_at.as_ref().map(|_| i18n::sla_word(lang, SlaWord::Paused).to_string());
            let breached = c.breached.then(|| i18n::sla_word(lang, SlaWord::Breached));
            view! {
                <span class="sla-when">{c.due_at.as_deref().map(local_time).or(done).or(paused)}</span>
                {breached.map(|b| view! { <span class="sla breached">{b}</span> })}
                {c.due_at.clone().filter(|_| !c.breached).map(|due| view! { <SlaDue due_at=Some(due) breached=false/> })}
            }
        }
    };
    view! {
        <Show when=move || ticket.with(|t| t.sla.running)>
            <section class="panel" aria-labelledby="sla-h">
                <h2 id="sla-h">{word(SlaWord::Sla)}</h2>
                <dl class="facts">
                    <div>
                        <dt>{word(SlaWord::FirstResponse)}</dt>
                        <dd>{clock(|s| &s.first_response)}</dd>
                    </div>
                    <div>
                        <dt>{word(SlaWord::Resolution)}</dt>
                        <dd>{clock(|s| &s.resolution)}</dd>
                    </div>
                    <Show when=move || ticket.with(|t| t.holder == "merchant" && t.sla.merchant_due_at.is_some())>
                        <div>
                            <dt>{word(SlaWord::MerchantWindow)}</dt>
                            <dd>{move || ticket.with(|t| t.sla.merchant_due_at.as_deref().map(local_time))}</dd>
                        </div>
                    </Show>
                </dl>
            </section>
        </Show>
    }
}

/// The complaint as the customer wrote it (masked), with where it came from.
#[component]
fn Complaint(ticket: RwSignal<Ticket>) -> impl IntoView {
    let console = Console::get();
    let tk = move || &console.ui().tk;
    let field = move |f: fn(&Ticket) -> Option<String>| move || ticket.with(f).unwrap_or_else(|| tk().none.to_string());
    view! {
        <section class="panel complaint" aria-labelledby="complaint-h">
            <h2 id="complaint-h">{tw(|t| t.complaint)}</h2>
            <p class="complaint-text">{move || ticket.with(|t| t.text.clone())}</p>
            <dl class="facts">
                <div>
                    <dt>{tw(|t| t.order_id)}</dt>
                    <dd>{field(|t| t.order_id.clone())}</dd>
                </div>
                <div>
                    <dt>{tw(|t| t.site)}</dt>
                    <dd>{move || ticket.with(|t| t.site.clone())}</dd>
                </div>
                <div>
                    <dt>{tw(|t| t.channel)}</dt>
                    <dd>{move || ticket.with(|t| if t.channel == "widget" { tk().channel_widget.to_string() } else { t.channel.clone() })}</dd>
                </div>
                <div>
                    <dt>{tw(|t| t.created)}</dt>
                    <dd>{move || ticket.with(|t| local_time(&t.created_at))}</dd>
                </div>
                <Show when=move || ticket.with(|t| t.merged_into.is_some())>
                    <div>
                        <dt>{tw(|t| t.merged_into)}</dt>
                        <dd>
                            {move || {
                                ticket
                                    .with(|t| t.merged_into.clone())
                                    .map(|into| view! { <A href=format!("/console/tickets/{into}")>{into.clone()}</A> })
                            }}
                        </dd>
                    </div>
                </Show>
            </dl>
        </section>
    }
}

/// Forwarding to the merchant that gave up (a dead letter), with 重新投递 (refused, and the refusal
/// shown, for those who do not administer the site). A ticket that had no destination is sent on
/// by itself once the site has one (saving destinations redrives it), so it needs no button.
#[component]
fn Delivery(ticket: RwSignal<Ticket>) -> impl IntoView {
    let console = Console::get();
    let dead = move || ticket.with(|t| t.delivery.as_deref() == Some("dead_letter"));
    let (busy, said) = (RwSignal::new(false), RwSignal::new(None::<String>));
    let press = move |_| {
        let id = ticket.with_untracked(|t| t.id.clone());
        busy.set(true);
        leptos::task::spawn_local(async move {
            match crate::api::redrive(&id).await {
                Ok(()) => {
                    if let Ok(fresh) = crate::api::ticket(&id).await {
                        ticket.set(fresh);
                    }
                    said.set(Some(console.ui().tk.redriven.to_string()));
                }
                Err(f) => said.set(Some(console.ui().failure(&f))),
            }
            busy.set(false);
        });
    };
    view! {
        <Show when=dead>
            <div class="alert delivery-failed" role="alert">
                <p>{tw(|t| t.delivery_dead)}</p>
                <button type="button" class="primary" on:click=press disabled=move || busy.get()>{tw(|t| t.redrive)}</button>
            </div>
        </Show>
        <p class="delivery-said" role="status">{move || said.get()}</p>
    }
}

/// The category, priority and the words that drove them.
#[component]
fn Classification(ticket: RwSignal<Ticket>) -> impl IntoView {
    let console = Console::get();
    let tk = move || &console.ui().tk;
    let lang = move || console.lang.get();
    view! {
        <section class="panel" aria-labelledby="class-h">
            <h2 id="class-h">{tw(|t| t.classification)}</h2>
            <dl class="facts">
                <div>
                    <dt>{tw(|t| t.category)}</dt>
                    <dd>
                        {move || {
                            ticket.with(|t| {
                                let mut all = vec![i18n::category_name(lang(), t.category.as_deref())];
                                all.extend(t.categories.iter().filter(|c| Some(c.as_str()) != t.category.as_deref()).map(|c| i18n::category_name(lang(), Some(c))));
                                all.join("、")
                            })
                        }}
                    </dd>
                </div>
                <div>
                    <dt>{tw(|t| t.priority)}</dt>
                    <dd>{move || ticket.with(|t| i18n::priority_label(lang(), t.priority.as_deref()))}</dd>
                </div>
                <div>
                    <dt>{tw(|t| t.drove)}</dt>
                    <dd>
                        <ul class="tokens">
                            {move || {
                                let tokens = ticket.with(|t| t.top_tokens.clone());
                                if tokens.is_empty() {
                                    view! { <li class="none">{tk().none}</li> }.into_any()
                                } else {
                                    tokens.into_iter().map(|w| view! { <li>{w}</li> }).collect_view().into_any()
                                }
                            }}
                        </ul>
                    </dd>
                </div>
            </dl>
        </section>
    }
}

/// Public replies and internal notes, oldest first; notes look different and say so in words.
#[component]
fn Conversation(ticket: RwSignal<Ticket>) -> impl IntoView {
    let console = Console::get();
    let directory = Directory::get();
    let tk = move || &console.ui().tk;
    let author = move |m: &Message| match (m.author.as_str(), &m.user_id) {
        ("faq", _) => tk().author_faq.to_string(),
        (_, Some(user)) => directory.name(user),
        ("merchant", None) => tk().author_merchant.to_string(),
        _ => tk().author_support.to_string(),
    };
    view! {
        <section class="panel" aria-labelledby="conv-h">
            <h2 id="conv-h">{tw(|t| t.conversation)}</h2>
            {move || {
                let messages = ticket.with(|t| t.messages.clone());
                if messages.is_empty() {
                    return view! { <p class="none">{tk().no_messages}</p> }.into_any();
                }
                view! {
                    <ol class="messages">
                        {messages
                            .into_iter()
                            .map(|m| {
                                let note = m.internal != 0.0;
                                let who = author(&m);
                                view! {
                                    <li class="msg" class:note=note>
                                        <p class="msg-head">
                                            <span class="kind">{move || if note { tk().internal_note } else { tk().public_reply }}</span>
                                            <span class="who">{who}</span>
                                            <time datetime=m.created_at.clone()>{local_time(&m.created_at)}</time>
                                        </p>
                                        <p class="msg-text">{m.text}</p>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ol>
                }
                    .into_any()
            }}
        </section>
    }
}

/// Writing a public reply (optionally waiting for the customer) or an internal note.
#[component]
fn Composer(work: Work, mode: RwSignal<Mode>, compose: NodeRef<html::Textarea>) -> impl IntoView {
    let console = Console::get();
    let tk = move || &console.ui().tk;
    let text = RwSignal::new(String::new());
    let wait = RwSignal::new(false);
    let empty = RwSignal::new(false);
    let canned = LocalResource::new(api::canned_replies);
    let closed = move || work.ticket.with(|t| t.status == "closed");
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = text.get_untracked();
        if body.trim().is_empty() {
            empty.set(true);
            if let Some(el) = compose.get_untracked() {
                let _ = el.focus();
            }
            return;
        }
        empty.set(false);
        let clear = move || {
            text.set(String::new());
            wait.set(false);
        };
        match mode.get_untracked() {
            Mode::Reply => work.act(Action::Reply { text: body, wait: wait.get_untracked() }, clear),
            Mode::Note => work.act(Action::Note { text: body }, clear),
        }
    };
    // The canned reply picker goes back to its prompt once a reply is inserted.
    let picked = RwSignal::new(String::new());
    let insert = move |ev: leptos::ev::Event| {
        let id = event_target_value(&ev);
        picked.set(String::new());
        if let Some(Ok(replies)) = canned.get()
            && let Some(r) = replies.iter().find(|r| r.id == id)
        {
            text.update(|t| {
                if !t.is_empty() && !t.ends_with('\n') {
                    t.push('\n');
                }
                t.push_str(&r.text);
            });
            if let Some(el) = compose.get_untracked() {
                let _ = el.focus();
            }
        }
    };
    let note = move || mode.get() == Mode::Note;
    view! {
        <section class="panel composer" class:note-mode=note aria-labelledby="compose-h">
            <h2 id="compose-h">{move || if note() { tk().note } else { tk().reply }}</h2>
            <form on:submit=submit novalidate>
                <fieldset class="modes">
                    <legend class="sr-only">{tw(|t| t.actions)}</legend>
                    <label>
                        <input
                            type="radio"
                            name="mode"
                            id="mode-reply"
                            prop:checked=move || !note()
                            on:change=move |_| mode.set(Mode::Reply)
                            aria-keyshortcuts="r"
                        />
                        {tw(|t| t.reply)}
                        <kbd aria-hidden="true">"r"</kbd>
                    </label>
                    <label>
                        <input type="radio" name="mode" id="mode-note" prop:checked=note on:change=move |_| mode.set(Mode::Note) aria-keyshortcuts="n"/>
                        {tw(|t| t.note)}
                        <kbd aria-hidden="true">"n"</kbd>
                    </label>
                </fieldset>
                <Show when=move || !note()>
                    {move || match canned.get() {
                        Some(Ok(replies)) if !replies.is_empty() => {
                            Some(
                                view! {
                                    <div class="field">
                                        <label for="canned">{tw(|t| t.canned)}</label>
                                        <select id="canned" on:change=insert prop:value=picked>
                                            <option value="">{tw(|t| t.canned_pick)}</option>
                                            {replies.into_iter().map(|r| view! { <option value=r.id>{r.title}</option> }).collect_view()}
                                        </select>
                                    </div>
                                },
                            )
                        }
                        _ => None,
                    }}
                </Show>
                <div class="field">
                    <label for="compose">{move || if note() { tk().compose_note } else { tk().compose_reply }}</label>
                    <textarea
                        id="compose"
                        rows="4"
                        maxlength="5000"
                        node_ref=compose
                        aria-invalid=move || empty.get().to_string()
                        aria-describedby=move || empty.get().then_some("compose-error")
                        bind:value=text
                    ></textarea>
                    {move || empty.get().then(|| view! { <p class="field-error" id="compose-error">{tk().text_required}</p> })}
                </div>
                <Show when=move || !note()>
                    <label class="check">
                        <input type="checkbox" id="wait" bind:checked=wait/>
                        <span>{tw(|t| t.wait_customer)}</span>
                    </label>
                </Show>
                <button type="submit" class="primary" aria-disabled=move || (work.busy.get() || closed()).to_string()>
                    {move || if note() { tk().save_note } else { tk().send_reply }}
                </button>
            </form>
        </section>
    }
}

/// `<option>`s of the people who can hold tickets, with a first "choose" option.
fn people_options(first: &'static str) -> impl IntoView {
    let directory = Directory::get();
    view! {
        <option value="">{first}</option>
        {move || directory.pickable().into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
    }
}

/// Assign to a person.
#[component]
fn Assign(work: Work) -> impl IntoView {
    let console = Console::get();
    let tk = move || &console.ui().tk;
    let user = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let u = user.get_untracked();
        if !u.is_empty() {
            work.act(Action::Assign { user: u }, move || user.set(String::new()));
        }
    };
    view! {
        <form class="inline" on:submit=submit>
            <label for="assign-user">{tw(|t| t.assign_to)}</label>
            <div class="row">
                <select id="assign-user" bind:value=user>
                    {move || people_options(tk().pick_person)}
                </select>
                <button type="submit" class="secondary">{tw(|t| t.assign)}</button>
            </div>
        </form>
    }
}

/// 转派: to a team and/or a person, with a note.
#[component]
fn Transfer(work: Work) -> impl IntoView {
    let console = Console::get();
    let directory = Directory::get();
    let tk = move || &console.ui().tk;
    let (team, user, note) = (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(String::new()));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (t, u) = (team.get_untracked(), user.get_untracked());
        let body = Action::Transfer { team: (!t.is_empty()).then_some(t), user: (!u.is_empty()).then_some(u), note: note.get_untracked() };
        work.act(body, move || {
            team.set(String::new());
            user.set(String::new());
            note.set(String::new());
        });
    };
    view! {
        <details>
            <summary>{tw(|t| t.transfer)}</summary>
            <form on:submit=submit>
                <div class="field">
                    <label for="transfer-team">{tw(|t| t.transfer_team)}</label>
                    <select id="transfer-team" bind:value=team>
                        <option value="">{tw(|t| t.keep)}</option>
                        {move || match directory.teams.get() {
                            Some(Ok(teams)) => teams.into_iter().map(|t| view! { <option value=t.id>{t.name}</option> }).collect_view().into_any(),
                            _ => ().into_any(),
                        }}
                    </select>
                </div>
                <div class="field">
                    <label for="transfer-user">{tw(|t| t.transfer_user)}</label>
                    <select id="transfer-user" bind:value=user>
                        {move || people_options(tk().keep)}
                    </select>
                </div>
                <div class="field">
                    <label for="transfer-note">{tw(|t| t.transfer_note)}</label>
                    <textarea id="transfer-note" rows="2" maxlength="5000" bind:value=note></textarea>
                </div>
                <button type="submit" class="secondary">{tw(|t| t.transfer)}</button>
            </form>
        </details>
    }
}

/// A correction of the classifier: category and/or priority, with a reason.
#[component]
fn Correct(work: Work) -> impl IntoView {
    let console = Console::get();
    let lang = move || console.lang.get();
    let (category, priority, reason) = (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(String::new()));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (c, p) = (category.get_untracked(), priority.get_untracked());
        let body = Action::Correct { category: (!c.is_empty()).then(|| Category::new(c)), priority: Priority::parse(&p), reason: reason.get_untracked() };
        work.act(body, move || {
            category.set(String::new());
            priority.set(String::new());
            reason.set(String::new());
        });
    };
    view! {
        <details>
            <summary>{tw(|t| t.correct)}</summary>
            <form on:submit=submit>
                <div class="field">
                    <label for="correct-category">{tw(|t| t.category)}</label>
                    <select id="correct-category" bind:value=category>
                        <option value="">{tw(|t| t.keep)}</option>
                        {move || i18n::categories(lang()).into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="correct-priority">{tw(|t| t.priority)}</label>
                    <select id="correct-priority" bind:value=priority>
                        <option value="">{tw(|t| t.keep)}</option>
                        {move || {
                            Priority::ALL
                                .iter()
                                .map(|p| view! { <option value=p.as_str()>{i18n::priority_label(lang(), Some(p.as_str()))}</option> })
                                .collect_view()
                        }}
                    </select>
                </div>
                <div class="field">
                    <label for="correct-reason">{tw(|t| t.correct_reason)}</label>
                    <input id="correct-reason" type="text" maxlength="5000" bind:value=reason/>
                </div>
                <button type="submit" class="secondary">{tw(|t| t.correct_save)}</button>
            </form>
        </details>
    }
}

/// Whether `s` has the shape of a ticket id (a UUID).
fn looks_like_id(s: &str) -> bool {
    s.len() == 36 && s.bytes().enumerate().all(|(i, b)| if [8, 13, 18, 23].contains(&i) { b == b'-' } else { b.is_ascii_hexdigit() })
}

/// Merge this ticket into another, named by its number (looked up) or its id.
#[component]
fn Merge(work: Work) -> impl IntoView {
    let console = Console::get();
    let tk = move || &console.ui().tk;
    let target = RwSignal::new(String::new());
    let unknown = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let wanted = target.get_untracked().trim().to_string();
        if wanted.is_empty() {
            return;
        }
        unknown.set(false);
        spawn_local(async move {
            let into = if looks_like_id(&wanted) {
                Some(wanted.to_ascii_lowercase())
            } else {
                let mut q = String::new();
                api::push_param(&mut q, "view", "all");
                api::push_param(&mut q, "q", &wanted);
                api::push_param(&mut q, "limit", "20");
                match api::tickets(&q).await {
                    Ok(page) => page.tickets.into_iter().find(|t| t.ticket_no.eq_ignore_ascii_case(&wanted)).map(|t| t.id),
                    Err(f) => {
                        work.failure.set(Some(f));
                        return;
                    }
                }
            };
            match into {
                Some(into) => work.act(Action::Merge { into }, move || target.set(String::new())),
                None => unknown.set(true),
            }
        });
    };
    view! {
        <details>
            <summary>{tw(|t| t.merge)}</summary>
            <form on:submit=submit>
                <div class="field">
                    <label for="merge-into">{tw(|t| t.merge_into)}</label>
                    <input
                        id="merge-into"
                        type="text"
                        autocapitalize="characters"
                        spellcheck="false"
                        aria-invalid=move || unknown.get().to_string()
                        aria-describedby=move || unknown.get().then_some("merge-error")
                        bind:value=target
                    />
                    {move || unknown.get().then(|| view! { <p class="field-error" id="merge-error">{tk().merge_unknown}</p> })}
                </div>
                <button type="submit" class="secondary">{tw(|t| t.merge_do)}</button>
            </form>
        </details>
    }
}

/// The recorded changes, oldest first, with who, when, and what besides the status.
#[component]
fn Timeline(ticket: RwSignal<Ticket>) -> impl IntoView {
    let console = Console::get();
    let directory = Directory::get();
    let tk = move || &console.ui().tk;
    let lang = move || console.lang.get();
    let line = move |e: Event| {
        let lang = lang();
        let who = match (e.actor_kind.as_str(), &e.actor_id) {
            ("staff", Some(id)) => directory.name(id),
            ("customer", _) => tk().customer.to_string(),
            _ => tk().system.to_string(),
        };
        let moved = match &e.from_status {
            Some(from) if *from != e.to_status => Some(format!("{} → {}", i18n::status_label(lang, from), i18n::status_label(lang, &e.to_status))),
            _ => None,
        };
        let p = e.details();
        let changed = |ft: &Option<api::FromTo>| ft.as_ref().filter(|ft| ft.from != ft.to).cloned();
        let detail = match e.kind.as_str() {
            "transferred" => p.note,
            "corrected" => {
                let mut parts = Vec::new();
                if let Some(c) = changed(&p.category) {
                    parts.push(format!("{} → {}", i18n::category_name(lang, c.from.as_deref()), i18n::category_name(lang, c.to.as_deref())));
                }
                if let Some(c) = changed(&p.priority) {
                    parts.push(format!("{} → {}", i18n::priority_label(lang, c.from.as_deref()), i18n::priority_label(lang, c.to.as_deref())));
                }
                if let Some(r) = p.reason {
                    parts.push(format!("{}：{r}", tk().correct_reason));
                }
                Some(parts.join("；"))
            }
            "assigned" | "claimed" => p.to.map(|id| format!("{}：{}", tk().assignee, directory.name(&id))),
            "merged" => p.into,
            "escalated" => p.reason.map(|r| i18n::escalation_reason(lang, &r).to_string()),
            "customer_messaged" => p.text,
            _ => None,
        };
        view! {
            <li>
                <p class="ev-head">
                    <span class="ev-kind">{i18n::event_label(lang, &e.kind)}</span>
                    <span class="who">{who}</span>
                    <time datetime=e.at.clone()>{local_time(&e.at)}</time>
                </p>
                {moved.map(|m| view! { <p class="ev-move">{m}</p> })}
                {detail.filter(|d| !d.is_empty()).map(|d| view! { <p class="ev-detail">{d}</p> })}
            </li>
        }
    };
    view! {
        <section class="panel" aria-labelledby="timeline-h">
            <h2 id="timeline-h">{tw(|t| t.timeline)}</h2>
            <ol class="timeline">{move || ticket.with(|t| t.events.clone()).into_iter().map(line).collect_view()}</ol>
        </section>
    }
}
