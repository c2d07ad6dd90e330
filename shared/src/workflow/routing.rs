//! Routing rules: ordered rules at platform and merchant level that look at a new or changed ticket
//! and set its team, assignee, priority or holder, add followers and notify destinations. Pure: the
//! worker loads the rules (stored as JSON in D1), describes the ticket as [`TicketFacts`] and
//! applies the [`Effects`]; the console edits the rules and previews one on a complaint with
//! [`RoutingRule::explain`].
//!
//! Invariants of [`evaluate`]:
//!
//! - Order: enabled merchant rules first, then enabled platform rules, each level in the order
//!   given, so the platform has the last word (a merchant cannot lower what the platform's rules
//!   decide). Disabled rules never fire.
//! - On [`Trigger::Created`] every rule is considered; on [`Trigger::Updated`] only the rules with
//!   a condition that reads a changed [`Field`].
//! - Actions apply to the facts as rules fire: a rule sees the priority an earlier one set. When a
//!   firing changes a field, the rules that read it and have not fired yet are considered again (as
//!   an update of that field), so rules chain.
//! - Loop guards: a rule fires at most once per evaluation, and at most [`MAX_FIRINGS_PER_RUN`]
//!   rules fire in one evaluation; [`Evaluation::capped`] says that a rule was left out for it.
//! - Precedence: a single-valued effect (team, assignee, priority) is the one the last firing
//!   action set, so a platform rule overrides a merchant rule and a later rule an earlier one;
//!   `holder_platform` once set stays set; followers and destinations accumulate in firing order,
//!   without repeats.
//! - A rule without conditions matches nothing ([`RoutingRule::validate`] refuses it anyway).
//!
//! Words are looked for in the masked text, both in the crate's normal form
//! ([`normalize`]: ASCII letters lower-cased, full-width forms half-width, Traditional characters
//! Simplified), so `late` finds `LATE` and `质量` finds `質量`.
//!
//! A rule as JSON, and what it does to a complaint:
//!
//! ```
//! use qingting_shared::workflow::routing::{Channel, RoutingRule, TicketFacts, Trigger, evaluate};
//! use qingting_shared::{Category, Lang, Priority};
//! let rule: RoutingRule = serde_json::from_str(r#"{
//!     "id": "r-safety", "name": "食品安全转平台", "enabled": true, "level": "platform", "match": "any",
//!     "conditions": [
//!         {"field": "category", "any_of": ["food_safety"]},
//!         {"field": "text", "words": ["拉肚子", "食物中毒"]}
//!     ],
//!     "actions": [
//!         {"action": "priority", "priority": "P1"},
//!         {"action": "holder_platform"},
//!         {"action": "notify", "destination": "ops-safety"}
//!     ]
//! }"#).unwrap();
//! assert_eq!(rule.validate(), Ok(()));
//! let facts = TicketFacts {
//!     category: Some(Category::from_static("delivery")),
//!     priority: Some(Priority::P3),
//!     site: "s-1".into(),
//!     channel: Channel::Widget,
//!     lang: Lang::ZhCn,
//!     text: "吃完拉肚子了".into(),
//!     has_order_id: true,
//!     urges: 0,
//! };
//! // The console's preview: which conditions held.
//! assert_eq!(rule.explain(&facts), [false, true]);
//! let run = evaluate(&[rule], &facts, &Trigger::Created);
//! assert_eq!(run.fired, ["r-safety"]);
//! assert_eq!((run.effects.priority, run.effects.holder_platform), (Some(Priority::P1), true));
//! assert_eq!(run.effects.notify, ["ops-safety"]);
//! ```

use std::cell::OnceCell;

use serde::{Deserialize, Serialize};

use crate::lang::Lang;
use crate::str_enum::str_enum;
use crate::taxonomy::{Category, Priority};
use crate::understand::text::normalize;

/// At most this many rules fire in one evaluation (the cap per run).
pub const MAX_FIRINGS_PER_RUN: usize = 25;
/// Longest rule name, in characters (after trimming).
pub const MAX_NAME_CHARS: usize = 80;
/// Most conditions in one rule.
pub const MAX_CONDITIONS: usize = 20;
/// Most actions in one rule.
pub const MAX_ACTIONS: usize = 10;
/// Most words in one text condition.
pub const MAX_WORDS: usize = 50;
/// Longest word of a text condition, in characters (after trimming).
pub const MAX_WORD_CHARS: usize = 40;

str_enum! {
    /// How a complaint came in.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub enum Channel {
        /// The widget embedded in a page.
        #[default]
        Widget = "widget",
        /// The API directly, or an import.
        Api = "api",
    }
}

str_enum! {
    /// A fact of a ticket that a condition reads and that an update may change.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum Field {
        Category = "category",
        Priority = "priority",
        Site = "site",
        Channel = "channel",
        Language = "language",
        Text = "text",
        OrderId = "order_id",
        Urges = "urges",
    }
}

str_enum! {
    /// Whether a rule needs all of its conditions or any one of them.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub enum Match {
        #[default]
        All = "all",
        Any = "any",
    }
}

str_enum! {
    /// Who owns a rule. Platform rules run before merchant rules.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum Level {
        Platform = "platform",
        Merchant = "merchant",
    }
}

/// What the rules look at: a ticket as it is now.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketFacts {
    pub category: Option<Category>,
    pub priority: Option<Priority>,
    /// The id of the site the complaint came from.
    pub site: String,
    pub channel: Channel,
    pub lang: Lang,
    /// The masked complaint text (personal data already replaced), as stored.
    pub text: String,
    pub has_order_id: bool,
    /// How many times the customer has urged (催单).
    pub urges: u32,
}

impl TicketFacts {
    /// The fields in which `self` differs from `before`: what an update changed, for
    /// [`Trigger::Updated`].
    pub fn changed_since(&self, before: &TicketFacts) -> Vec<Field> {
        [
            (Field::Category, self.category != before.category),
            (Field::Priority, self.priority != before.priority),
            (Field::Site, self.site != before.site),
            (Field::Channel, self.channel != before.channel),
            (Field::Language, self.lang != before.lang),
            (Field::Text, self.text != before.text),
            (Field::OrderId, self.has_order_id != before.has_order_id),
            (Field::Urges, self.urges != before.urges),
        ]
        .into_iter()
        .filter_map(|(field, differs)| differs.then_some(field))
        .collect()
    }
}

/// One test on the facts. The JSON tag `field` is the [`Field`] it reads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "field", rename_all = "snake_case")]
pub enum Condition {
    /// The category is one of these (an unclassified ticket matches none).
    Category {
        any_of: Vec<Category>,
    },
    /// The priority is one of these (an unprioritised ticket matches none).
    Priority {
        any_of: Vec<Priority>,
    },
    /// The site id is one of these.
    Site {
        any_of: Vec<String>,
    },
    Channel {
        any_of: Vec<Channel>,
    },
    Language {
        any_of: Vec<Lang>,
    },
    /// The masked text contains at least one of the words (compared in normal form).
    Text {
        words: Vec<String>,
    },
    /// An order id was given (`true`) or not (`false`).
    OrderId {
        present: bool,
    },
    /// The customer urged at least this many times.
    Urges {
        at_least: u32,
    },
}

impl Condition {
    /// The field this condition reads.
    pub fn field(&self) -> Field {
        match self {
            Condition::Category { .. } => Field::Category,
            Condition::Priority { .. } => Field::Priority,
            Condition::Site { .. } => Field::Site,
            Condition::Channel { .. } => Field::Channel,
            Condition::Language { .. } => Field::Language,
            Condition::Text { .. } => Field::Text,
            Condition::OrderId { .. } => Field::OrderId,
            Condition::Urges { .. } => Field::Urges,
        }
    }

    /// Whether the condition holds for `facts`.
    pub fn holds(&self, facts: &TicketFacts) -> bool {
        self.holds_on(facts, &NormalText::new(&facts.text))
    }

    fn holds_on(&self, facts: &TicketFacts, text: &NormalText) -> bool {
        match self {
            Condition::Category { any_of } => facts.category.as_ref().is_some_and(|c| any_of.contains(c)),
            Condition::Priority { any_of } => facts.priority.is_some_and(|p| any_of.contains(&p)),
            Condition::Site { any_of } => any_of.contains(&facts.site),
            Condition::Channel { any_of } => any_of.contains(&facts.channel),
            Condition::Language { any_of } => any_of.contains(&facts.lang),
            Condition::Text { words } => contains_any(text.get(), words),
            Condition::OrderId { present } => facts.has_order_id == *present,
            Condition::Urges { at_least } => facts.urges >= *at_least,
        }
    }

    fn validate(&self) -> Result<(), RuleError> {
        let empty = match self {
            Condition::Category { any_of } => any_of.is_empty(),
            Condition::Priority { any_of } => any_of.is_empty(),
            Condition::Site { any_of } => {
                if any_of.iter().any(|s| s.trim().is_empty()) {
                    return Err(RuleError::EmptySite);
                }
                any_of.is_empty()
            }
            Condition::Channel { any_of } => any_of.is_empty(),
            Condition::Language { any_of } => any_of.is_empty(),
            Condition::Text { words } => return validate_words(words),
            Condition::OrderId { .. } | Condition::Urges { .. } => false,
        };
        if empty { Err(RuleError::EmptyChoice(self.field())) } else { Ok(()) }
    }
}

/// The facts' text in normal form, computed at most once and only when a text condition asks.
struct NormalText<'a> {
    raw: &'a str,
    normal: OnceCell<String>,
}

impl<'a> NormalText<'a> {
    fn new(raw: &'a str) -> NormalText<'a> {
        NormalText { raw, normal: OnceCell::new() }
    }

    fn get(&self) -> &str {
        self.normal.get_or_init(|| normalize(self.raw))
    }
}

/// Whether the normalised `text` contains one of `words`; a word that is empty in normal form
/// matches nothing.
fn contains_any(text: &str, words: &[String]) -> bool {
    words.iter().map(|w| normalize(w)).any(|w| !w.is_empty() && text.contains(&w))
}

fn validate_words(words: &[String]) -> Result<(), RuleError> {
    if words.is_empty() {
        return Err(RuleError::NoWords);
    }
    if words.len() > MAX_WORDS {
        return Err(RuleError::TooManyWords);
    }
    for word in words {
        if normalize(word).is_empty() {
            return Err(RuleError::EmptyWord);
        }
        if word.trim().chars().count() > MAX_WORD_CHARS {
            return Err(RuleError::LongWord);
        }
    }
    Ok(())
}

/// What a rule does when it fires. The JSON tag is `action`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum RuleAction {
    /// Put the ticket in this team.
    Team { team: String },
    /// Give the ticket to this user.
    Assignee { user: String },
    /// Set the priority (later rules see it).
    Priority { priority: Priority },
    /// The platform holds the ticket (平台介入).
    HolderPlatform,
    /// Add this user to the followers.
    Follower { user: String },
    /// Tell this destination (its id).
    Notify { destination: String },
}

impl RuleAction {
    /// The action's wire name (its JSON `action` tag).
    pub fn name(&self) -> &'static str {
        match self {
            RuleAction::Team { .. } => "team",
            RuleAction::Assignee { .. } => "assignee",
            RuleAction::Priority { .. } => "priority",
            RuleAction::HolderPlatform => "holder_platform",
            RuleAction::Follower { .. } => "follower",
            RuleAction::Notify { .. } => "notify",
        }
    }

    /// Records the action in `effects` and in `facts`; returns the fact it changed, if any.
    fn apply(&self, facts: &mut TicketFacts, effects: &mut Effects) -> Option<Field> {
        match self {
            RuleAction::Team { team } => effects.team = Some(team.clone()),
            RuleAction::Assignee { user } => effects.assignee = Some(user.clone()),
            RuleAction::Priority { priority } => {
                effects.priority = Some(*priority);
                if facts.priority != Some(*priority) {
                    facts.priority = Some(*priority);
                    return Some(Field::Priority);
                }
            }
            RuleAction::HolderPlatform => effects.holder_platform = true,
            RuleAction::Follower { user } => push_new(&mut effects.followers, user),
            RuleAction::Notify { destination } => push_new(&mut effects.notify, destination),
        }
        None
    }

    fn validate(&self) -> Result<(), RuleError> {
        let (value, error) = match self {
            RuleAction::Team { team } => (team, RuleError::EmptyTeam),
            RuleAction::Assignee { user } => (user, RuleError::EmptyAssignee),
            RuleAction::Follower { user } => (user, RuleError::EmptyFollower),
            RuleAction::Notify { destination } => (destination, RuleError::EmptyDestination),
            RuleAction::Priority { .. } | RuleAction::HolderPlatform => return Ok(()),
        };
        if value.trim().is_empty() { Err(error) } else { Ok(()) }
    }
}

fn push_new(list: &mut Vec<String>, value: &str) {
    if !list.iter().any(|v| v == value) {
        list.push(value.to_string());
    }
}

/// One routing rule as the console edits it and the worker stores it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutingRule {
    pub id: String,
    pub name: String,
    pub enabled: bool,
    pub level: Level,
    #[serde(rename = "match")]
    pub r#match: Match,
    pub conditions: Vec<Condition>,
    pub actions: Vec<RuleAction>,
}

/// Why a rule was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("the rule needs an id")]
    MissingId,
    #[error("the name must have 1–{MAX_NAME_CHARS} characters")]
    BadName,
    #[error("a rule needs at least one condition")]
    NoConditions,
    #[error("a rule has at most {MAX_CONDITIONS} conditions")]
    TooManyConditions,
    #[error("a rule needs at least one action")]
    NoActions,
    #[error("a rule has at most {MAX_ACTIONS} actions")]
    TooManyActions,
    #[error("the {0} condition lists no values")]
    EmptyChoice(Field),
    #[error("a site of the site condition is empty")]
    EmptySite,
    #[error("the text condition needs at least one word")]
    NoWords,
    #[error("the text condition has at most {MAX_WORDS} words")]
    TooManyWords,
    #[error("a word of the text condition is empty")]
    EmptyWord,
    #[error("a word of the text condition is longer than {MAX_WORD_CHARS} characters")]
    LongWord,
    #[error("the team action names no team")]
    EmptyTeam,
    #[error("the assignee action names no user")]
    EmptyAssignee,
    #[error("the follower action names no user")]
    EmptyFollower,
    #[error("the notify action names no destination")]
    EmptyDestination,
}

/// Checks a list's length: at least one, at most `max`.
fn count(n: usize, max: usize, none: RuleError, too_many: RuleError) -> Result<(), RuleError> {
    match n {
        0 => Err(none),
        n if n > max => Err(too_many),
        _ => Ok(()),
    }
}

impl RoutingRule {
    /// Checks the rule as the console sends it; the first failure is returned.
    pub fn validate(&self) -> Result<(), RuleError> {
        if self.id.trim().is_empty() {
            return Err(RuleError::MissingId);
        }
        if !(1..=MAX_NAME_CHARS).contains(&self.name.trim().chars().count()) {
            return Err(RuleError::BadName);
        }
        count(self.conditions.len(), MAX_CONDITIONS, RuleError::NoConditions, RuleError::TooManyConditions)?;
        count(self.actions.len(), MAX_ACTIONS, RuleError::NoActions, RuleError::TooManyActions)?;
        self.conditions.iter().try_for_each(Condition::validate)?;
        self.actions.iter().try_for_each(RuleAction::validate)
    }

    /// Whether the rule's conditions hold for `facts` (all or any of them, by [`Match`]). A rule
    /// without conditions matches nothing. Does not look at `enabled`.
    pub fn matches(&self, facts: &TicketFacts) -> bool {
        self.matches_on(facts, &NormalText::new(&facts.text))
    }

    /// Which conditions hold for `facts`, one per condition in order: the console's preview.
    pub fn explain(&self, facts: &TicketFacts) -> Vec<bool> {
        let text = NormalText::new(&facts.text);
        self.conditions.iter().map(|c| c.holds_on(facts, &text)).collect()
    }

    /// Whether a condition of the rule reads `field`.
    pub fn reads(&self, field: Field) -> bool {
        self.conditions.iter().any(|c| c.field() == field)
    }

    fn matches_on(&self, facts: &TicketFacts, text: &NormalText) -> bool {
        let mut held = self.conditions.iter().map(|c| c.holds_on(facts, text));
        match self.r#match {
            Match::All => !self.conditions.is_empty() && held.all(|h| h),
            Match::Any => held.any(|h| h),
        }
    }

    fn reads_any(&self, fields: Fields) -> bool {
        self.conditions.iter().any(|c| fields.contains(c.field()))
    }

    /// Applies every action; returns the facts that changed.
    fn apply(&self, facts: &mut TicketFacts, effects: &mut Effects) -> Fields {
        self.actions.iter().filter_map(|a| a.apply(facts, effects)).fold(Fields::NONE, Fields::with)
    }
}

/// A set of [`Field`]s, one bit each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Fields(u16);

impl Fields {
    const NONE: Fields = Fields(0);
    const ALL: Fields = Fields(u16::MAX);

    fn with(self, field: Field) -> Fields {
        Fields(self.0 | (1 << field as u16))
    }

    fn union(self, other: Fields) -> Fields {
        Fields(self.0 | other.0)
    }

    fn contains(self, field: Field) -> bool {
        self.0 & (1 << field as u16) != 0
    }

    fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// Why the rules run. JSON: `{"on": "created"}`, `{"on": "updated", "changed": ["priority"]}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "on", rename_all = "snake_case")]
pub enum Trigger {
    /// A new ticket: every rule is considered.
    Created,
    /// These fields changed: only rules reading one of them are considered.
    Updated { changed: Vec<Field> },
}

impl Trigger {
    fn fields(&self) -> Fields {
        match self {
            Trigger::Created => Fields::ALL,
            Trigger::Updated { changed } => changed.iter().fold(Fields::NONE, |set, &f| set.with(f)),
        }
    }
}

/// What the fired rules ask for, for the worker to apply.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Effects {
    /// Set by the last firing team action.
    pub team: Option<String>,
    /// Set by the last firing assignee action.
    pub assignee: Option<String>,
    /// Set by the last firing priority action (it may equal the ticket's priority: the worker
    /// compares).
    pub priority: Option<Priority>,
    /// Some rule said the platform holds the ticket.
    pub holder_platform: bool,
    /// Users to add as followers, in firing order, without repeats.
    pub followers: Vec<String>,
    /// Destination ids to notify, in firing order, without repeats.
    pub notify: Vec<String>,
}

impl Evaluation {
    /// The workflow action that records and applies what fired (`None` when nothing did).
    pub fn action(&self) -> Option<crate::workflow::ticket::Action> {
        (!self.fired.is_empty()).then(|| crate::workflow::ticket::Action::Route {
            rules: self.fired.clone(),
            team: self.effects.team.clone(),
            assignee: self.effects.assignee.clone(),
            priority: self.effects.priority,
            holder_platform: self.effects.holder_platform,
            followers: self.effects.followers.clone(),
            notify: self.effects.notify.clone(),
        })
    }
}

/// The result of [`evaluate`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    /// The ids of the rules that fired, in firing order.
    pub fired: Vec<String>,
    pub effects: Effects,
    /// A rule would have fired but [`MAX_FIRINGS_PER_RUN`] rules had fired already.
    pub capped: bool,
}

/// Where an evaluation stands: the facts as the fired actions left them, which rules fired.
struct Run<'r> {
    order: Vec<&'r RoutingRule>,
    fired: Vec<bool>,
    facts: TicketFacts,
    out: Evaluation,
}

/// Runs `rules` on a ticket for `trigger` (see the module's invariants for order, chaining,
/// guards and precedence).
pub fn evaluate(rules: &[RoutingRule], facts: &TicketFacts, trigger: &Trigger) -> Evaluation {
    let order = in_order(rules);
    let mut run = Run { fired: vec![false; order.len()], order, facts: facts.clone(), out: Evaluation::default() };
    // Only priorities change, so the text normalised once serves the whole run.
    let text = NormalText::new(&facts.text);
    let mut changed = trigger.fields();
    while !changed.is_empty() && !run.out.capped {
        changed = pass(&mut run, &text, changed);
    }
    run.out
}

/// Enabled merchant rules, then enabled platform rules (which so have the last word), each in
/// the given order.
fn in_order(rules: &[RoutingRule]) -> Vec<&RoutingRule> {
    let at = |level: Level| rules.iter().filter(move |r| r.enabled && r.level == level);
    at(Level::Merchant).chain(at(Level::Platform)).collect()
}

/// One pass over the rules that have not fired, considering those that read a field in `changed`
/// or in what this pass changed so far. Returns what the pass changed.
fn pass(run: &mut Run, text: &NormalText, changed: Fields) -> Fields {
    let (mut live, mut next) = (changed, Fields::NONE);
    for (i, rule) in run.order.iter().enumerate() {
        if run.fired[i] || !rule.reads_any(live) || !rule.matches_on(&run.facts, text) {
            continue;
        }
        if run.out.fired.len() >= MAX_FIRINGS_PER_RUN {
            run.out.capped = true;
            return Fields::NONE;
        }
        run.fired[i] = true;
        run.out.fired.push(rule.id.clone());
        let now_changed = rule.apply(&mut run.facts, &mut run.out.effects);
        live = live.union(now_changed);
        next = next.union(now_changed);
    }
    next
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn facts() -> TicketFacts {
        TicketFacts {
            category: Some(Category::from_static("delivery")),
            priority: Some(Priority::P3),
            site: "s-1".into(),
            channel: Channel::Widget,
            lang: Lang::ZhCn,
            text: "外卖超时一个小时 Order was LATE".into(),
            has_order_id: true,
            urges: 2,
        }
    }

    fn rule(id: &str, level: Level, conditions: Vec<Condition>, actions: Vec<RuleAction>) -> RoutingRule {
        RoutingRule { id: id.into(), name: format!("rule {id}"), enabled: true, level, r#match: Match::All, conditions, actions }
    }

    fn category(ids: &[&'static str]) -> Condition {
        Condition::Category { any_of: ids.iter().map(|id| Category::from_static(id)).collect() }
    }

    fn priority_is(p: Priority) -> Condition {
        Condition::Priority { any_of: vec![p] }
    }

    fn words(ws: &[&str]) -> Condition {
        Condition::Text { words: ws.iter().map(|w| w.to_string()).collect() }
    }

    fn set_priority(p: Priority) -> RuleAction {
        RuleAction::Priority { priority: p }
    }

    fn team(t: &str) -> RuleAction {
        RuleAction::Team { team: t.into() }
    }

    fn follower(u: &str) -> RuleAction {
        RuleAction::Follower { user: u.into() }
    }

    #[test]
    fn each_condition_kind_holds_or_not() {
        let base = facts();
        let unclassified = TicketFacts { category: None, priority: None, ..facts() };
        let zh_tw = TicketFacts { text: "商品質量很差".into(), ..facts() };
        let rows: Vec<(Condition, &TicketFacts, bool)> = vec![
            (category(&["refund", "delivery"]), &base, true),
            (category(&["refund"]), &base, false),
            (category(&["other"]), &unclassified, false),
            (Condition::Priority { any_of: vec![Priority::P3, Priority::P4] }, &base, true),
            (priority_is(Priority::P1), &base, false),
            (priority_is(Priority::P3), &unclassified, false),
            (Condition::Site { any_of: vec!["s-1".into()] }, &base, true),
            (Condition::Site { any_of: vec!["s-2".into()] }, &base, false),
            (Condition::Channel { any_of: vec![Channel::Widget] }, &base, true),
            (Condition::Channel { any_of: vec![Channel::Api] }, &base, false),
            (Condition::Language { any_of: vec![Lang::ZhCn, Lang::ZhTw] }, &base, true),
            (Condition::Language { any_of: vec![Lang::En] }, &base, false),
            (words(&["退款", "超时"]), &base, true),
            (words(&["late"]), &base, true),
            (words(&["Was Late"]), &base, true),
            (words(&["退款"]), &base, false),
            (words(&["  "]), &base, false),
            (words(&["质量"]), &zh_tw, true),
            (Condition::OrderId { present: true }, &base, true),
            (Condition::OrderId { present: false }, &base, false),
            (Condition::Urges { at_least: 2 }, &base, true),
            (Condition::Urges { at_least: 3 }, &base, false),
        ];
        for (condition, facts, expected) in rows {
            assert_eq!(condition.holds(facts), expected, "{condition:?}");
        }
    }

    #[test]
    fn all_needs_every_condition_and_any_one() {
        let mut r = rule("r", Level::Platform, vec![category(&["delivery"]), priority_is(Priority::P1)], vec![team("t")]);
        assert_eq!(r.explain(&facts()), [true, false]);
        assert!(!r.matches(&facts()));
        r.r#match = Match::Any;
        assert!(r.matches(&facts()));
        r.conditions.clear();
        assert!(!r.matches(&facts()), "no conditions, no match");
        r.r#match = Match::All;
        assert!(!r.matches(&facts()), "no conditions, no match");
    }

    #[test]
    fn disabled_rules_never_fire() {
        let mut off = rule("off", Level::Platform, vec![category(&["delivery"])], vec![team("t-off")]);
        off.enabled = false;
        let on = rule("on", Level::Merchant, vec![category(&["delivery"])], vec![team("t-on")]);
        let run = evaluate(&[off, on], &facts(), &Trigger::Created);
        assert_eq!((run.fired, run.effects.team.as_deref()), (vec!["on".to_string()], Some("t-on")));
    }

    #[test]
    fn platform_rules_run_last_and_have_the_last_word() {
        let rules = [
            rule("m1", Level::Merchant, vec![category(&["delivery"])], vec![team("merchant-cs"), follower("u-m")]),
            rule("p1", Level::Platform, vec![category(&["delivery"])], vec![team("platform-ops"), follower("u-p"), RuleAction::HolderPlatform]),
            rule("m2", Level::Merchant, vec![Condition::OrderId { present: true }], vec![follower("u-p"), RuleAction::Assignee { user: "u-2".into() }]),
        ];
        let run = evaluate(&rules, &facts(), &Trigger::Created);
        assert_eq!(run.fired, ["m1", "m2", "p1"]);
        assert_eq!(run.effects.team.as_deref(), Some("platform-ops"), "the platform rule ran later");
        assert_eq!(run.effects.assignee.as_deref(), Some("u-2"));
        assert!(run.effects.holder_platform);
        assert_eq!(run.effects.followers, ["u-m", "u-p"], "no repeats, firing order");
        assert!(!run.capped);
    }

    #[test]
    fn an_update_considers_only_rules_reading_a_changed_field() {
        let rules = [
            rule("by-category", Level::Platform, vec![category(&["delivery"])], vec![follower("a")]),
            rule("by-text", Level::Platform, vec![words(&["超时"])], vec![follower("b")]),
            rule("by-urges", Level::Merchant, vec![Condition::Urges { at_least: 1 }, words(&["超时"])], vec![follower("c")]),
        ];
        let rows: [(&[Field], &[&str]); 5] = [
            (&[Field::Text], &["by-urges", "by-text"]),
            (&[Field::Urges], &["by-urges"]),
            (&[Field::Category, Field::Site], &["by-category"]),
            (&[Field::Channel], &[]),
            (&[], &[]),
        ];
        for (changed, expected) in rows {
            let run = evaluate(&rules, &facts(), &Trigger::Updated { changed: changed.to_vec() });
            assert_eq!(run.fired, expected, "changed {changed:?}");
        }
        assert_eq!(evaluate(&rules, &facts(), &Trigger::Created).fired, ["by-urges", "by-category", "by-text"]);
    }

    #[test]
    fn a_priority_action_triggers_rules_reading_priority() {
        let raise = rule("raise", Level::Merchant, vec![words(&["中毒"])], vec![set_priority(Priority::P1)]);
        let escalate = rule("escalate", Level::Platform, vec![priority_is(Priority::P1)], vec![RuleAction::HolderPlatform]);
        let poisoned = TicketFacts { text: "疑似食物中毒".into(), ..facts() };
        // `escalate` comes first and does not match P3; `raise` makes it P1, and `escalate` is
        // considered again.
        for trigger in [Trigger::Created, Trigger::Updated { changed: vec![Field::Text] }] {
            let run = evaluate(&[raise.clone(), escalate.clone()], &poisoned, &trigger);
            assert_eq!(run.fired, ["raise", "escalate"], "{trigger:?}");
            assert_eq!((run.effects.priority, run.effects.holder_platform), (Some(Priority::P1), true));
        }
        // Setting the priority it already has changes nothing, so nothing is considered again.
        let already = TicketFacts { priority: Some(Priority::P1), ..poisoned.clone() };
        let run = evaluate(&[raise, escalate], &already, &Trigger::Updated { changed: vec![Field::Text] });
        assert_eq!(run.fired, ["raise"]);
    }

    #[test]
    fn rules_that_ping_pong_fire_once_each() {
        let facts = TicketFacts { priority: Some(Priority::P1), ..facts() };
        let rules = [
            rule("down", Level::Merchant, vec![priority_is(Priority::P1)], vec![set_priority(Priority::P2)]),
            rule("up", Level::Merchant, vec![priority_is(Priority::P2)], vec![set_priority(Priority::P1)]),
        ];
        let run = evaluate(&rules, &facts, &Trigger::Created);
        assert_eq!(run.fired, ["down", "up"]);
        assert_eq!((run.effects.priority, run.capped), (Some(Priority::P1), false));
        // In the other order `up` does not match at first; it fires in a second pass, then nothing
        // more.
        let run = evaluate(&[rules[1].clone(), rules[0].clone()], &facts, &Trigger::Created);
        assert_eq!(run.fired, ["down", "up"]);
        assert_eq!((run.effects.priority, run.capped), (Some(Priority::P1), false));
    }

    #[test]
    fn the_cap_per_run_stops_a_long_chain() {
        let flip = |i: usize| {
            let (from, to) = if i.is_multiple_of(2) { (Priority::P1, Priority::P2) } else { (Priority::P2, Priority::P1) };
            rule(&format!("r{i}"), Level::Merchant, vec![priority_is(from)], vec![set_priority(to)])
        };
        let facts = TicketFacts { priority: Some(Priority::P1), ..facts() };
        let chain: Vec<RoutingRule> = (0..30).map(flip).collect();
        let run = evaluate(&chain, &facts, &Trigger::Created);
        assert_eq!(run.fired.len(), MAX_FIRINGS_PER_RUN);
        assert!(run.capped);
        assert_eq!(run.fired.last().map(String::as_str), Some("r24"));
        // Exactly the cap and no more wanted: not capped.
        let run = evaluate(&chain[..MAX_FIRINGS_PER_RUN], &facts, &Trigger::Created);
        assert_eq!((run.fired.len(), run.capped), (MAX_FIRINGS_PER_RUN, false));
    }

    #[test]
    fn validation_names_the_failure() {
        let ok = rule("r-1", Level::Merchant, vec![category(&["refund"])], vec![team("t")]);
        assert_eq!(ok.validate(), Ok(()));
        let with = |f: &dyn Fn(&mut RoutingRule)| {
            let mut r = ok.clone();
            f(&mut r);
            r.validate()
        };
        let cond = |c: Condition| move |r: &mut RoutingRule| r.conditions = vec![c.clone()];
        let act = |a: RuleAction| move |r: &mut RoutingRule| r.actions = vec![a.clone()];
        let rows: Vec<(Result<(), RuleError>, RuleError)> = vec![
            (with(&|r| r.id = " ".into()), RuleError::MissingId),
            (with(&|r| r.name = "  ".into()), RuleError::BadName),
            (with(&|r| r.name = "名".repeat(MAX_NAME_CHARS + 1)), RuleError::BadName),
            (with(&|r| r.conditions.clear()), RuleError::NoConditions),
            (with(&|r| r.conditions = vec![category(&["refund"]); MAX_CONDITIONS + 1]), RuleError::TooManyConditions),
            (with(&|r| r.actions.clear()), RuleError::NoActions),
            (with(&|r| r.actions = vec![team("t"); MAX_ACTIONS + 1]), RuleError::TooManyActions),
            (with(&cond(category(&[]))), RuleError::EmptyChoice(Field::Category)),
            (with(&cond(Condition::Priority { any_of: vec![] })), RuleError::EmptyChoice(Field::Priority)),
            (with(&cond(Condition::Site { any_of: vec![] })), RuleError::EmptyChoice(Field::Site)),
            (with(&cond(Condition::Channel { any_of: vec![] })), RuleError::EmptyChoice(Field::Channel)),
            (with(&cond(Condition::Language { any_of: vec![] })), RuleError::EmptyChoice(Field::Language)),
            (with(&cond(Condition::Site { any_of: vec!["s-1".into(), " ".into()] })), RuleError::EmptySite),
            (with(&cond(words(&[]))), RuleError::NoWords),
            (with(&cond(Condition::Text { words: vec!["退款".into(); MAX_WORDS + 1] })), RuleError::TooManyWords),
            (with(&cond(words(&["退款", " "]))), RuleError::EmptyWord),
            (with(&cond(words(&["\u{200B}"]))), RuleError::EmptyWord),
            (with(&cond(words(&["长".repeat(MAX_WORD_CHARS + 1).as_str()]))), RuleError::LongWord),
            (with(&act(team(""))), RuleError::EmptyTeam),
            (with(&act(RuleAction::Assignee { user: " ".into() })), RuleError::EmptyAssignee),
            (with(&act(follower(""))), RuleError::EmptyFollower),
            (with(&act(RuleAction::Notify { destination: "".into() })), RuleError::EmptyDestination),
        ];
        for (got, expected) in rows {
            assert_eq!(got, Err(expected));
        }
        // The limits themselves are allowed.
        assert_eq!(with(&|r| r.name = format!(" {} ", "名".repeat(MAX_NAME_CHARS))), Ok(()));
        assert_eq!(with(&cond(Condition::Text { words: vec![" 长 ".to_string(); MAX_WORDS] })), Ok(()));
        assert_eq!(with(&cond(words(&["长".repeat(MAX_WORD_CHARS).as_str()]))), Ok(()));
        assert_eq!(RuleError::EmptyChoice(Field::OrderId).to_string(), "the order_id condition lists no values");
    }

    #[test]
    fn rules_round_trip_as_json() {
        let r = RoutingRule {
            id: "r-1".into(),
            name: "催单三次以上转平台".into(),
            enabled: true,
            level: Level::Platform,
            r#match: Match::Any,
            conditions: vec![Condition::Urges { at_least: 3 }, Condition::Language { any_of: vec![Lang::ZhTw] }, Condition::OrderId { present: false }],
            actions: vec![RuleAction::HolderPlatform, set_priority(Priority::P2), RuleAction::Notify { destination: "ops".into() }],
        };
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(
            json,
            r#"{"id":"r-1","name":"催单三次以上转平台","enabled":true,"level":"platform","match":"any","conditions":[{"field":"urges","at_least":3},{"field":"language","any_of":["zh-TW"]},{"field":"order_id","present":false}],"actions":[{"action":"holder_platform"},{"action":"priority","priority":"P2"},{"action":"notify","destination":"ops"}]}"#
        );
        assert_eq!(serde_json::from_str::<RoutingRule>(&json).unwrap(), r);
        let trigger = Trigger::Updated { changed: vec![Field::OrderId] };
        assert_eq!(serde_json::to_string(&trigger).unwrap(), r#"{"on":"updated","changed":["order_id"]}"#);
        assert_eq!(serde_json::to_string(&Trigger::Created).unwrap(), r#"{"on":"created"}"#);
        assert!(serde_json::from_str::<RoutingRule>(&json.replace("\"any\"", "\"some\"")).is_err());
    }

    #[test]
    fn json_tags_are_the_field_and_action_names() {
        let conditions = [
            category(&["refund"]),
            priority_is(Priority::P1),
            Condition::Site { any_of: vec!["s".into()] },
            Condition::Channel { any_of: vec![Channel::Api] },
            Condition::Language { any_of: vec![Lang::En] },
            words(&["x"]),
            Condition::OrderId { present: true },
            Condition::Urges { at_least: 1 },
        ];
        let fields: Vec<Field> = conditions.iter().map(Condition::field).collect();
        assert_eq!(fields, Field::ALL, "one condition kind per field");
        for c in conditions {
            assert_eq!(serde_json::to_value(&c).unwrap()["field"], c.field().as_str());
        }
        let actions = [
            team("t"),
            RuleAction::Assignee { user: "u".into() },
            set_priority(Priority::P4),
            RuleAction::HolderPlatform,
            follower("u"),
            RuleAction::Notify { destination: "d".into() },
        ];
        for a in actions {
            let json = serde_json::to_value(&a).unwrap();
            assert_eq!(json["action"], a.name());
            assert_eq!(serde_json::from_value::<RuleAction>(json).unwrap(), a);
        }
        for &f in Field::ALL {
            assert_eq!(serde_json::to_string(&f).unwrap(), format!("\"{f}\""));
            assert_eq!(Field::parse(f.as_str()), Some(f));
        }
        for &c in Channel::ALL {
            assert_eq!(serde_json::from_str::<Channel>(&format!("\"{c}\"")).unwrap(), c);
        }
        assert_eq!((Match::ALL.len(), Level::ALL.len()), (2, 2));
    }

    #[test]
    fn changed_fields_are_the_ones_that_differ() {
        let before = facts();
        assert_eq!(before.changed_since(&before), Vec::<Field>::new());
        let after = TicketFacts { priority: Some(Priority::P1), urges: 3, text: "又超时".into(), ..before.clone() };
        assert_eq!(after.changed_since(&before), [Field::Priority, Field::Text, Field::Urges]);
    }

    fn any_rule(i: usize) -> impl Strategy<Value = RoutingRule> {
        let p = || prop::sample::select(Priority::ALL.to_vec());
        let condition = prop_oneof![
            p().prop_map(priority_is),
            prop::sample::select(vec!["超时", "退款", "late"]).prop_map(|w| words(&[w])),
            (0u32..4).prop_map(|n| Condition::Urges { at_least: n }),
        ];
        let action = prop_oneof![
            p().prop_map(set_priority),
            prop::sample::select(vec!["t1", "t2"]).prop_map(team),
            prop::sample::select(vec!["u1", "u2"]).prop_map(follower),
        ];
        (any::<bool>(), any::<bool>(), any::<bool>(), prop::collection::vec(condition, 1..3), prop::collection::vec(action, 1..3)).prop_map(
            move |(enabled, merchant, any, conditions, actions)| RoutingRule {
                id: format!("r{i}"),
                name: format!("rule {i}"),
                enabled: enabled || !i.is_multiple_of(3),
                level: if merchant { Level::Merchant } else { Level::Platform },
                r#match: if any { Match::Any } else { Match::All },
                conditions,
                actions,
            },
        )
    }

    fn any_rules() -> impl Strategy<Value = Vec<RoutingRule>> {
        (0usize..40).prop_flat_map(|n| (0..n).map(any_rule).collect::<Vec<_>>())
    }

    proptest! {
        /// Whatever the rules, each fires at most once, never beyond the cap, only when enabled;
        /// the priority is the last one set; and unless capped no rule is left that would still fire.
        #[test]
        fn evaluation_keeps_its_guards(rules in any_rules(), start in prop::sample::select(Priority::ALL.to_vec()), urges in 0u32..4) {
            let facts = TicketFacts { priority: Some(start), urges, ..facts() };
            let run = evaluate(&rules, &facts, &Trigger::Created);
            let by_id = |id: &String| rules.iter().find(|r| &r.id == id).expect("a fired rule exists");
            let mut seen = std::collections::BTreeSet::new();
            prop_assert!(run.fired.iter().all(|id| seen.insert(id.clone())), "a rule fired twice: {:?}", run.fired);
            prop_assert!(run.fired.len() <= MAX_FIRINGS_PER_RUN);
            prop_assert!(!run.capped || run.fired.len() == MAX_FIRINGS_PER_RUN);
            prop_assert!(run.fired.iter().all(|id| by_id(id).enabled));
            let last_set = run.fired.iter().flat_map(|id| &by_id(id).actions).filter_map(|a| match a {
                RuleAction::Priority { priority } => Some(*priority),
                _ => None,
            }).next_back();
            prop_assert_eq!(run.effects.priority, last_set);
            if !run.capped {
                let end = TicketFacts { priority: run.effects.priority.or(facts.priority), ..facts.clone() };
                for r in rules.iter().filter(|r| r.enabled && !seen.contains(&r.id)) {
                    prop_assert!(!r.matches(&end), "{} would still fire", r.id);
                }
            }
        }
    }
}
