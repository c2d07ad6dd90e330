//! A ticket's working state and the actions staff and customers take on it.
//!
//! [`apply`] is the whole workflow: from a [`TicketState`], an [`Actor`] and an [`Action`] it
//! returns the next state and the one [`Change`] event that records it, or why not. The worker
//! stores both in one D1 batch, the row guarded by `version`.
//!
//! Architecture invariant (tested as properties below): every successful action raises `version`
//! by exactly one and produces exactly one event; a closed ticket changes only by `reopen`; status
//! changes come only from [`crate::workflow::state::TRANSITIONS`].

use serde::{Deserialize, Serialize};

use crate::str_enum::str_enum;
use crate::taxonomy::{Category, Priority};
use crate::workflow::state::{Holder, TicketEvent, TicketStatus, TransitionError};

/// Longest reply, note or reason, in characters.
pub const MAX_MESSAGE_CHARS: usize = 5_000;

/// What a ticket is now: the fields actions read and change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketState {
    pub status: TicketStatus,
    pub holder: Holder,
    pub team: Option<String>,
    pub assignee: Option<String>,
    pub category: Option<Category>,
    pub priority: Option<Priority>,
    /// Raised by one with every change; writes are guarded by it.
    pub version: u64,
    /// Set when this ticket was merged into another (it is then closed).
    pub merged_into: Option<String>,
    /// Staff ids following it, sorted.
    pub followers: Vec<String>,
}

str_enum! {
    /// Who acts.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum ActorKind {
        Staff = "staff",
        Customer = "customer",
        /// Intake, the cron, routing rules.
        System = "system",
    }
}

/// Who acts: a kind and, for staff, their user id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub kind: ActorKind,
    pub id: Option<String>,
}

impl Actor {
    pub fn staff(id: impl Into<String>) -> Actor {
        Actor { kind: ActorKind::Staff, id: Some(id.into()) }
    }

    pub fn customer() -> Actor {
        Actor { kind: ActorKind::Customer, id: None }
    }

    /// Qingting itself: intake, the SLA sweep, routing rules.
    pub fn system() -> Actor {
        Actor { kind: ActorKind::System, id: None }
    }
}

str_enum! {
    /// Why a ticket went to the platform (平台介入).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum EscalationReason {
        /// The merchant let its first-response window pass.
        MerchantWindow = "merchant_window",
        /// P1: the platform takes it at once; the merchant is told.
        Urgent = "urgent",
        /// The customer said the merchant's resolution did not solve it (未解决).
        Unresolved = "unresolved",
        /// The customer urged (催单) as often as the policy allows before the platform steps in.
        Urged = "urged",
    }
}

/// What someone does to a ticket. The wire form is `POST /v1/tickets/{id}/{action}` with the
/// fields as the JSON body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Take it yourself.
    Claim,
    /// Give it to someone (in the ticket's team).
    Assign {
        user: String,
    },
    /// 转派: hand it to another team and/or person, with a note saying why.
    Transfer {
        team: Option<String>,
        user: Option<String>,
        note: String,
    },
    /// A reply the customer reads; `wait` asks them something and waits for the answer.
    Reply {
        text: String,
        #[serde(default)]
        wait: bool,
    },
    /// A note only staff read.
    Note {
        text: String,
    },
    /// A correction of the classifier: who, from, to, why (the best training labels there are).
    Correct {
        category: Option<Category>,
        priority: Option<Priority>,
        reason: String,
    },
    Resolve,
    Close,
    Reopen,
    /// This ticket repeats `into`: it is closed with a pointer there.
    Merge {
        into: String,
    },
    Follow,
    Unfollow,
    /// The customer says it is not solved (an automatic answer or a resolution).
    CustomerReopen,
    /// The customer adds information (补充信息).
    CustomerMessage {
        text: String,
    },
    /// 催单: the customer asks for it to be hurried.
    CustomerUrge,
    /// 平台介入: the platform takes the ticket from the merchant (Qingting itself decides).
    Escalate {
        reason: EscalationReason,
    },
    /// What routing rules decided (Qingting itself): the rules that fired and their effects
    /// (`workflow::routing::Effects::action`).
    Route {
        rules: Vec<String>,
        #[serde(default)]
        team: Option<String>,
        #[serde(default)]
        assignee: Option<String>,
        #[serde(default)]
        priority: Option<Priority>,
        #[serde(default)]
        holder_platform: bool,
        #[serde(default)]
        followers: Vec<String>,
        /// Site destinations to notify (sent by the worker; recorded here).
        #[serde(default)]
        notify: Vec<String>,
    },
}

impl Action {
    /// The action's wire name: the `{action}` of `POST /v1/tickets/{id}/{action}` and the `action`
    /// tag of its JSON form (the worker reads the body with the path's name as the tag).
    ///
    /// ```
    /// use qingting_shared::workflow::Action;
    /// let reply = Action::Reply { text: "已为您补发".into(), wait: false };
    /// assert_eq!(reply.name(), "reply");
    /// assert_eq!(serde_json::to_value(&reply).unwrap()["action"], "reply");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            Action::Claim => "claim",
            Action::Assign { .. } => "assign",
            Action::Transfer { .. } => "transfer",
            Action::Reply { .. } => "reply",
            Action::Note { .. } => "note",
            Action::Correct { .. } => "correct",
            Action::Resolve => "resolve",
            Action::Close => "close",
            Action::Reopen => "reopen",
            Action::Merge { .. } => "merge",
            Action::Follow => "follow",
            Action::Unfollow => "unfollow",
            Action::CustomerReopen => "customer_reopen",
            Action::CustomerMessage { .. } => "customer_message",
            Action::CustomerUrge => "customer_urge",
            Action::Escalate { .. } => "escalate",
            Action::Route { .. } => "route",
        }
    }
}

str_enum! {
    /// The kind of a recorded change (the `ticket_events.kind` column).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum ChangeKind {
        Created = "created",
        Claimed = "claimed",
        Assigned = "assigned",
        Transferred = "transferred",
        Replied = "replied",
        Noted = "noted",
        Corrected = "corrected",
        Resolved = "resolved",
        Closed = "closed",
        Reopened = "reopened",
        Merged = "merged",
        Followed = "followed",
        Unfollowed = "unfollowed",
        CustomerReopened = "customer_reopened",
        CustomerMessaged = "customer_messaged",
        CustomerUrged = "customer_urged",
        Escalated = "escalated",
        Routed = "routed",
    }
}

/// The one event a successful action records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub kind: ChangeKind,
    pub actor: Actor,
    pub from_status: TicketStatus,
    pub to_status: TicketStatus,
    /// The version the change produced.
    pub version: u64,
    /// What changed besides the status (old and new values, texts), as JSON.
    pub payload: serde_json::Value,
}

impl Change {
    /// A resolved or closed ticket taken up again (by staff or by the customer's 未解决), as the
    /// dashboards' reopen rate counts it; an automatic answer the customer rejects is not one.
    pub fn is_reopen(&self) -> bool {
        matches!(self.kind, ChangeKind::Reopened | ChangeKind::CustomerReopened) && matches!(self.from_status, TicketStatus::Resolved | TicketStatus::Closed)
    }
}

/// Why an action was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    #[error(transparent)]
    NotNow(#[from] TransitionError),
    #[error("a closed ticket changes only by reopen")]
    Closed,
    #[error("only staff can do this")]
    StaffOnly,
    #[error("only the customer can do this")]
    CustomerOnly,
    #[error("only Qingting itself does this")]
    SystemOnly,
    #[error("the text must have 1–{MAX_MESSAGE_CHARS} characters")]
    BadText,
    #[error("a transfer names a team or a person")]
    NowhereToTransfer,
    #[error("a correction changes the category or the priority, with a reason")]
    EmptyCorrection,
    #[error("a ticket cannot be merged into itself")]
    MergeIntoSelf,
    /// Nothing would change (already assigned, already following…): answered as success with the
    /// ticket as it is, and nothing written.
    #[error("nothing to change")]
    NoChange,
}

fn text_ok(t: &str) -> Result<(), ActionError> {
    let n = t.trim().chars().count();
    if n == 0 || n > MAX_MESSAGE_CHARS { Err(ActionError::BadText) } else { Ok(()) }
}

/// The status after `event`, or the status as it is when `event` is `None`.
fn moved(s: &TicketState, event: Option<TicketEvent>) -> Result<TicketStatus, ActionError> {
    match event {
        Some(e) => Ok(s.status.after(e)?.to),
        None => Ok(s.status),
    }
}

/// Applies `action` by `actor` to a ticket `id` in state `s`.
pub fn apply(id: &str, s: &TicketState, actor: &Actor, action: &Action) -> Result<(TicketState, Change), ActionError> {
    use serde_json::json;
    let staff = actor.kind != ActorKind::Customer;
    let me = actor.id.clone();
    if s.status == TicketStatus::Closed && !matches!(action, Action::Reopen) {
        return Err(ActionError::Closed);
    }
    let staff_only = |ok: bool| if ok { Ok(()) } else { Err(ActionError::StaffOnly) };
    // Taking a new (or auto-replied, or waiting) ticket opens it; an open one stays open.
    let take = |s: &TicketState| if s.status == TicketStatus::Open { None } else { Some(TicketEvent::Take) };
    let mut next = s.clone();
    let (kind, payload) = match action {
        Action::Claim => {
            staff_only(staff && me.is_some())?;
            if s.assignee == me && s.status == TicketStatus::Open {
                return Err(ActionError::NoChange);
            }
            next.status = moved(s, take(s))?;
            next.assignee = me.clone();
            (ChangeKind::Claimed, json!({"from": s.assignee, "to": me}))
        }
        Action::Assign { user } => {
            staff_only(staff)?;
            if s.assignee.as_deref() == Some(user.as_str()) {
                return Err(ActionError::NoChange);
            }
            next.status = moved(s, take(s))?;
            next.assignee = Some(user.clone());
            (ChangeKind::Assigned, json!({"from": s.assignee, "to": user}))
        }
        Action::Transfer { team, user, note } => {
            staff_only(staff)?;
            if team.is_none() && user.is_none() {
                return Err(ActionError::NowhereToTransfer);
            }
            text_ok(note)?;
            if team.is_some() {
                next.team = team.clone();
            }
            next.assignee = user.clone();
            (ChangeKind::Transferred, json!({"team": {"from": s.team, "to": next.team}, "assignee": {"from": s.assignee, "to": next.assignee}, "note": note}))
        }
        Action::Reply { text, wait } => {
            staff_only(staff)?;
            text_ok(text)?;
            let event = if *wait { Some(TicketEvent::AwaitCustomer) } else { take(s) };
            next.status = moved(s, event)?;
            (ChangeKind::Replied, json!({"text": text, "wait": wait}))
        }
        Action::Note { text } => {
            staff_only(staff)?;
            text_ok(text)?;
            (ChangeKind::Noted, json!({"text": text}))
        }
        Action::Correct { category, priority, reason } => {
            staff_only(staff)?;
            let changes_category = category.is_some() && *category != s.category;
            let changes_priority = priority.is_some() && *priority != s.priority;
            if !(changes_category || changes_priority) || reason.trim().is_empty() {
                return Err(ActionError::EmptyCorrection);
            }
            text_ok(reason)?;
            if changes_category {
                next.category = category.clone();
            }
            if changes_priority {
                next.priority = *priority;
            }
            let json_of = |c: &Option<Category>| c.as_ref().map(|c| c.as_str().to_string());
            (
                ChangeKind::Corrected,
                json!({
                    "category": {"from": json_of(&s.category), "to": json_of(&next.category)},
                    "priority": {"from": s.priority.map(|p| p.as_str()), "to": next.priority.map(|p| p.as_str())},
                    "reason": reason,
                }),
            )
        }
        Action::Resolve => {
            staff_only(staff)?;
            next.status = moved(s, Some(TicketEvent::Resolve))?;
            (ChangeKind::Resolved, json!({}))
        }
        Action::Close => {
            staff_only(staff)?;
            next.status = moved(s, Some(TicketEvent::Close))?;
            (ChangeKind::Closed, json!({}))
        }
        Action::Reopen => {
            staff_only(staff)?;
            next.status = moved(s, Some(TicketEvent::Reopen))?;
            next.merged_into = None;
            (ChangeKind::Reopened, json!({}))
        }
        Action::Merge { into } => {
            staff_only(staff)?;
            if into == id {
                return Err(ActionError::MergeIntoSelf);
            }
            next.status = moved(s, Some(TicketEvent::Close))?;
            next.merged_into = Some(into.clone());
            (ChangeKind::Merged, json!({"into": into}))
        }
        Action::Follow | Action::Unfollow => {
            staff_only(staff)?;
            let who = me.clone().ok_or(ActionError::StaffOnly)?;
            let following = s.followers.contains(&who);
            let follow = matches!(action, Action::Follow);
            if following == follow {
                return Err(ActionError::NoChange);
            }
            if follow {
                next.followers.push(who);
                next.followers.sort();
            } else {
                next.followers.retain(|f| *f != who);
            }
            (if follow { ChangeKind::Followed } else { ChangeKind::Unfollowed }, json!({}))
        }
        Action::CustomerReopen => {
            if staff {
                return Err(ActionError::CustomerOnly);
            }
            next.status = moved(s, Some(TicketEvent::CustomerReopen))?;
            (ChangeKind::CustomerReopened, json!({}))
        }
        Action::CustomerMessage { text } => {
            if staff {
                return Err(ActionError::CustomerOnly);
            }
            text_ok(text)?;
            let event = (s.status == TicketStatus::WaitingCustomer).then_some(TicketEvent::CustomerMessage);
            next.status = moved(s, event)?;
            (ChangeKind::CustomerMessaged, json!({"text": text}))
        }
        Action::CustomerUrge => {
            if staff {
                return Err(ActionError::CustomerOnly);
            }
            if !s.status.is_active() {
                return Err(ActionError::NotNow(TransitionError { from: s.status, event: TicketEvent::CustomerMessage }));
            }
            (ChangeKind::CustomerUrged, json!({}))
        }
        Action::Escalate { reason } => {
            if actor.kind != ActorKind::System {
                return Err(ActionError::SystemOnly);
            }
            if s.holder == Holder::Platform {
                return Err(ActionError::NoChange);
            }
            next.holder = Holder::Platform;
            (ChangeKind::Escalated, json!({"reason": reason.as_str(), "holder": {"from": s.holder.as_str(), "to": "platform"}}))
        }
        Action::Route { rules, team, assignee, priority, holder_platform, followers, notify } => {
            if actor.kind != ActorKind::System {
                return Err(ActionError::SystemOnly);
            }
            if let Some(t) = team {
                next.team = Some(t.clone());
            }
            if let Some(a) = assignee {
                next.assignee = Some(a.clone());
                if s.status == TicketStatus::New {
                    next.status = moved(s, Some(TicketEvent::Take))?;
                }
            }
            if priority.is_some() {
                next.priority = *priority;
            }
            if *holder_platform {
                next.holder = Holder::Platform;
            }
            for f in followers {
                if !next.followers.contains(f) {
                    next.followers.push(f.clone());
                }
            }
            next.followers.sort();
            // A rule that only notifies still fired: that is recorded.
            if notify.is_empty()
                && (&next.team, &next.assignee, next.priority, next.holder, &next.followers) == (&s.team, &s.assignee, s.priority, s.holder, &s.followers)
            {
                return Err(ActionError::NoChange);
            }
            let added: Vec<&String> = next.followers.iter().filter(|f| !s.followers.contains(f)).collect();
            (
                ChangeKind::Routed,
                json!({
                    "rules": rules,
                    "team": {"from": s.team, "to": next.team},
                    "assignee": {"from": s.assignee, "to": next.assignee},
                    "priority": {"from": s.priority.map(|p| p.as_str()), "to": next.priority.map(|p| p.as_str())},
                    "holder": {"from": s.holder.as_str(), "to": next.holder.as_str()},
                    "followers": added,
                    "notify": notify,
                }),
            )
        }
    };
    next.version = s.version + 1;
    let change = Change { kind, actor: actor.clone(), from_status: s.status, to_status: next.status, version: next.version, payload };
    Ok((next, change))
}

#[cfg(test)]
mod name_tests {
    use super::*;

    #[test]
    fn every_action_name_is_its_serde_tag() {
        let all = [
            Action::Claim,
            Action::Assign { user: "u".into() },
            Action::Transfer { team: None, user: None, note: String::new() },
            Action::Reply { text: "t".into(), wait: true },
            Action::Note { text: "t".into() },
            Action::Correct { category: None, priority: Some(Priority::P1), reason: String::new() },
            Action::Resolve,
            Action::Close,
            Action::Reopen,
            Action::Merge { into: "x".into() },
            Action::Follow,
            Action::Unfollow,
            Action::CustomerReopen,
            Action::CustomerMessage { text: "t".into() },
            Action::CustomerUrge,
            Action::Escalate { reason: EscalationReason::MerchantWindow },
            Action::Route {
                rules: vec!["r".into()],
                team: Some("t".into()),
                assignee: None,
                priority: None,
                holder_platform: true,
                followers: vec![],
                notify: vec!["hook".into()],
            },
        ];
        for a in all {
            let json = serde_json::to_value(&a).unwrap();
            assert_eq!(json["action"], a.name(), "{a:?}");
            assert_eq!(serde_json::from_value::<Action>(json).unwrap(), a);
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use TicketStatus as S;

    fn fresh(status: TicketStatus) -> TicketState {
        TicketState {
            status,
            holder: Holder::Merchant,
            team: Some("team-a".into()),
            assignee: None,
            category: Some(Category::from_static("delivery")),
            priority: Some(Priority::P3),
            version: 1,
            merged_into: None,
            followers: vec![],
        }
    }

    fn ok(s: &TicketState, actor: &Actor, a: Action) -> TicketState {
        apply("t1", s, actor, &a).unwrap_or_else(|e| panic!("{a:?} on {:?}: {e}", s.status)).0
    }

    #[test]
    fn routing_applies_what_the_rules_decided_once() {
        let route = Action::Route {
            rules: vec!["r-1".into()],
            team: Some("team-b".into()),
            assignee: Some("u-2".into()),
            priority: Some(Priority::P2),
            holder_platform: true,
            followers: vec!["u-9".into()],
            notify: vec![],
        };
        assert_eq!(apply("t1", &fresh(S::New), &Actor::staff("u"), &route).unwrap_err(), ActionError::SystemOnly);
        let (t, change) = apply("t1", &fresh(S::New), &Actor::system(), &route).unwrap();
        assert_eq!((t.team.as_deref(), t.assignee.as_deref(), t.priority, t.holder), (Some("team-b"), Some("u-2"), Some(Priority::P2), Holder::Platform));
        assert_eq!((t.status, t.followers.as_slice(), change.kind), (S::Open, ["u-9".to_string()].as_slice(), ChangeKind::Routed));
        assert_eq!(change.payload["rules"][0], "r-1");
        // The same decision again changes nothing and records nothing…
        assert_eq!(apply("t1", &t, &Actor::system(), &route).unwrap_err(), ActionError::NoChange);
        // …unless a rule asks for a destination to be told: that firing is recorded.
        let notify = Action::Route {
            rules: vec!["r-2".into()],
            team: None,
            assignee: None,
            priority: None,
            holder_platform: false,
            followers: vec![],
            notify: vec!["hook".into()],
        };
        let (_, change) = apply("t1", &t, &Actor::system(), &notify).unwrap();
        assert_eq!(change.payload["notify"][0], "hook");
    }

    #[test]
    fn a_ticket_is_claimed_answered_resolved_and_closed() {
        let agent = Actor::staff("u-agent");
        let t = ok(&fresh(S::New), &agent, Action::Claim);
        assert_eq!((t.status, t.assignee.as_deref(), t.version), (S::Open, Some("u-agent"), 2));
        let t = ok(&t, &agent, Action::Reply { text: "您好，已为您联系骑手".into(), wait: true });
        assert_eq!(t.status, S::WaitingCustomer);
        let t = ok(&t, &Actor::customer(), Action::CustomerMessage { text: "好的，我在楼下".into() });
        assert_eq!(t.status, S::Open);
        let t = ok(&t, &agent, Action::Resolve);
        let t = ok(&t, &agent, Action::Close);
        assert_eq!((t.status, t.version), (S::Closed, 6), "five changes, five versions");
        assert_eq!(apply("t1", &t, &agent, &Action::Note { text: "x".into() }), Err(ActionError::Closed));
        assert_eq!(ok(&t, &agent, Action::Reopen).status, S::Open);
    }

    #[test]
    fn refusals_name_their_reason() {
        let agent = Actor::staff("u-agent");
        let s = fresh(S::New);
        assert_eq!(apply("t1", &s, &Actor::customer(), &Action::Resolve), Err(ActionError::StaffOnly));
        assert_eq!(apply("t1", &s, &agent, &Action::CustomerReopen), Err(ActionError::CustomerOnly));
        assert_eq!(apply("t1", &s, &agent, &Action::Note { text: "  ".into() }), Err(ActionError::BadText));
        assert_eq!(apply("t1", &s, &agent, &Action::Merge { into: "t1".into() }), Err(ActionError::MergeIntoSelf));
        assert_eq!(apply("t1", &s, &agent, &Action::Transfer { team: None, user: None, note: "x".into() }), Err(ActionError::NowhereToTransfer));
        let same = Action::Correct { category: Some(Category::from_static("delivery")), priority: None, reason: "同上".into() };
        assert_eq!(apply("t1", &s, &agent, &same), Err(ActionError::EmptyCorrection));
        assert!(matches!(apply("t1", &s, &agent, &Action::Reopen), Err(ActionError::NotNow(_))));
        let followed = ok(&s, &agent, Action::Follow);
        assert_eq!(apply("t1", &followed, &agent, &Action::Follow), Err(ActionError::NoChange));
    }

    #[test]
    fn corrections_record_who_from_to_and_why() {
        let s = fresh(S::Open);
        let a = Action::Correct { category: Some(Category::from_static("food_safety")), priority: Some(Priority::P1), reason: "顾客说吃坏肚子".into() };
        let (t, change) = apply("t1", &s, &Actor::staff("u-1"), &a).expect("applies");
        assert_eq!((t.category.as_ref().map(Category::as_str), t.priority), (Some("food_safety"), Some(Priority::P1)));
        assert_eq!(change.kind, ChangeKind::Corrected);
        assert_eq!(change.actor.id.as_deref(), Some("u-1"));
        assert_eq!(change.payload["category"]["from"], "delivery");
        assert_eq!(change.payload["priority"]["to"], "P1");
        assert_eq!(change.payload["reason"], "顾客说吃坏肚子");
    }

    #[test]
    fn only_qingting_escalates_and_only_once() {
        let s = fresh(S::Open);
        assert_eq!(s.holder, Holder::Merchant);
        let escalate = Action::Escalate { reason: EscalationReason::MerchantWindow };
        assert_eq!(apply("t1", &s, &Actor::staff("u"), &escalate).unwrap_err(), ActionError::SystemOnly);
        assert_eq!(apply("t1", &s, &Actor::customer(), &escalate).unwrap_err(), ActionError::SystemOnly);
        let (t, c) = apply("t1", &s, &Actor::system(), &escalate).expect("escalates");
        assert_eq!((t.holder, t.status, c.kind, c.payload["reason"].as_str()), (Holder::Platform, S::Open, ChangeKind::Escalated, Some("merchant_window")));
        assert_eq!(apply("t1", &t, &Actor::system(), &escalate).unwrap_err(), ActionError::NoChange, "a second sweep changes nothing");
        let mut closed = fresh(S::Open);
        closed.status = S::Closed;
        assert_eq!(apply("t1", &closed, &Actor::system(), &escalate).unwrap_err(), ActionError::Closed);
    }

    #[test]
    fn merging_closes_with_a_pointer_and_transfers_keep_a_note() {
        let s = fresh(S::Open);
        let (t, c) = apply("t1", &s, &Actor::staff("u"), &Action::Merge { into: "t2".into() }).expect("merges");
        assert_eq!((t.status, t.merged_into.as_deref(), c.kind), (S::Closed, Some("t2"), ChangeKind::Merged));
        let tr = Action::Transfer { team: Some("工程部".into()), user: None, note: "需要查系统日志".into() };
        let (t, c) = apply("t1", &s, &Actor::staff("u"), &tr).expect("transfers");
        assert_eq!((t.team.as_deref(), t.assignee, c.payload["note"].as_str()), (Some("工程部"), None, Some("需要查系统日志")));
    }

    fn any_action() -> impl Strategy<Value = (bool, Action)> {
        let text = prop_oneof![Just(String::new()), Just("好的".to_string()), Just("x".repeat(MAX_MESSAGE_CHARS + 1))];
        let user = prop_oneof![Just("u1".to_string()), Just("u2".to_string())];
        let action =
            prop_oneof![
                Just(Action::Claim),
                user.clone().prop_map(|user| Action::Assign { user }),
                (proptest::option::of(Just("t-b".to_string())), proptest::option::of(user.clone()), text.clone())
                    .prop_map(|(team, user, note)| Action::Transfer { team, user, note }),
                (text.clone(), any::<bool>()).prop_map(|(text, wait)| Action::Reply { text, wait }),
                text.clone().prop_map(|text| Action::Note { text }),
                (proptest::option::of(Just(Category::from_static("refund"))), proptest::option::of(Just(Priority::P1)), text.clone())
                    .prop_map(|(category, priority, reason)| Action::Correct { category, priority, reason }),
                Just(Action::Resolve),
                Just(Action::Close),
                Just(Action::Reopen),
                prop_oneof![Just("t1".to_string()), Just("t9".to_string())].prop_map(|into| Action::Merge { into }),
                Just(Action::Follow),
                Just(Action::Unfollow),
                Just(Action::CustomerReopen),
                text.prop_map(|text| Action::CustomerMessage { text }),
                Just(Action::Escalate { reason: EscalationReason::MerchantWindow }),
            ];
        (any::<bool>(), action)
    }

    proptest! {
        /// Any sequence of actions by staff and customers keeps the invariants.
        #[test]
        fn any_sequence_keeps_the_invariants(
            start in prop_oneof![Just(S::New), Just(S::AutoReplied)],
            steps in proptest::collection::vec(any_action(), 0..40),
        ) {
            let mut s = fresh(start);
            let mut events = 0u64;
            for (by_staff, action) in steps {
                let actor = if by_staff { Actor::staff("u1") } else { Actor::customer() };
                if let Ok((next, change)) = apply("t1", &s, &actor, &action) {
                    {
                        prop_assert_eq!(next.version, s.version + 1, "version strictly increases by one");
                        prop_assert_eq!(change.version, next.version);
                        prop_assert_eq!((change.from_status, change.to_status), (s.status, next.status));
                        if next.status != s.status {
                            prop_assert!(s.status.can_become(next.status), "{:?} → {:?} is in the table", s.status, next.status);
                        }
                        if s.status == S::Closed {
                            prop_assert_eq!(&action, &Action::Reopen, "a closed ticket changes only by reopen");
                        }
                        events += 1;
                        s = next;
                    }
                }
            }
            prop_assert_eq!(s.version, 1 + events, "exactly one event per change");
        }
    }
}
