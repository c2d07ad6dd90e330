//! D1 access, one file per resource: [`complaints`] (tickets, replies, the customer's reopen),
//! [`sites`] (sites, destinations, FAQ packs, thresholds), [`deliveries`] (leases, the delivery
//! log, the sweep, lists by state), [`faq_events`] (deflection counters), [`accounts`] (users,
//! sessions, sign-in failures), [`staff`] (merchants, invitations, staff lists, teams), [`sla`]
//! (policies and calendars, a ticket's clock columns), [`routing`] (routing rules per scope), [`notifications`] (who is told what), [`customer`] (the customer's space: timeline,
//! 我的投诉, the survey, linked tickets).
//!
//! Architecture invariant: every statement binds its values ([`query!`]); no SQL is built from
//! input. Status and delivery changes are conditional updates on the state they leave
//! (`WHERE … AND status = ?from`, `WHERE … AND delivery = 'queued'`), made from
//! `qingting_shared::workflow`'s table and `forward::DeliveryState`.

pub mod accounts;
pub mod analytics;
pub mod canned;
pub mod complaints;
pub mod customer;
pub mod deliveries;
pub mod faq_events;
pub mod notifications;
pub mod routing;
pub mod sites;
pub mod sla;
pub mod staff;
pub mod tickets;

use qingting_shared::Priority;
use qingting_shared::accounts::Role;
use qingting_shared::accounts::membership::Visibility;
use qingting_shared::faq::Decision;
use qingting_shared::forward::{AttemptOutcome, DeliveryState, DestinationKind};
use qingting_shared::workflow::{ActorKind, ChangeKind, Holder, TicketStatus};
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, D1Result};

use crate::error::ApiError;

/// The D1 binding `DB`.
pub fn db(env: &worker::Env) -> Result<D1Database, ApiError> {
    env.d1("DB").map_err(|_| ApiError::Misconfigured("no D1 binding named DB"))
}

/// A value bound to a `?N` parameter.
pub trait Bind {
    fn js(self) -> JsValue;
}

impl Bind for &str {
    fn js(self) -> JsValue {
        JsValue::from(self)
    }
}

impl Bind for &String {
    fn js(self) -> JsValue {
        JsValue::from(self.as_str())
    }
}

impl Bind for u32 {
    fn js(self) -> JsValue {
        JsValue::from(self)
    }
}

impl Bind for f64 {
    fn js(self) -> JsValue {
        JsValue::from_f64(self)
    }
}

impl Bind for f32 {
    fn js(self) -> JsValue {
        JsValue::from_f64(f64::from(self))
    }
}

/// Stored as 0 or 1.
impl Bind for bool {
    fn js(self) -> JsValue {
        JsValue::from(i32::from(self))
    }
}

/// `None` is SQL `NULL`.
impl<T: Bind> Bind for Option<T> {
    fn js(self) -> JsValue {
        self.map_or(JsValue::NULL, Bind::js)
    }
}

/// The wire enums of `qingting_shared` are stored by their wire names.
macro_rules! bind_wire_name {
    ($($t:ty),+) => {
        $(impl Bind for $t {
            fn js(self) -> JsValue {
                JsValue::from(self.as_str())
            }
        })+
    };
}
bind_wire_name!(TicketStatus, DeliveryState, AttemptOutcome, Priority, Decision, DestinationKind, Role, Holder, ActorKind, ChangeKind);

/// A prepared statement with its values bound: `query!(db, "… ?1 … ?2", a, b)?`.
macro_rules! query {
    ($db:expr, $sql:expr $(, $arg:expr)* $(,)?) => {
        $crate::store::statement(&$db, $sql, &[$($crate::store::Bind::js($arg)),*])
    };
}

/// A prepared statement with `args` bound to `?1`, `?2`, …: every statement the worker sends goes
/// through here (or [`query!`], which calls it), so [`statements`] counts them.
pub fn statement(db: &D1Database, sql: impl AsRef<str>, args: &[JsValue]) -> worker::Result<D1PreparedStatement> {
    STATEMENTS.with(|n| n.set(n.get() + 1));
    db.prepare(sql.as_ref()).bind(args)
}

thread_local! {
    static STATEMENTS: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// Statements prepared (each is one D1 query, alone or in a batch) since the last call, which
/// starts the count again. The cron's sweeps start from zero and keep within their budget with
/// [`statements_used`]; the sweep's benchmark reads the count through `/__dev/scheduled`.
pub fn statements() -> u32 {
    STATEMENTS.with(|n| n.replace(0))
}

/// Statements prepared since [`statements`] last started the count.
pub fn statements_used() -> u32 {
    STATEMENTS.with(|n| n.get())
}
pub(crate) use query;

/// The tenancy condition on `column` (a merchant id): `1 = 1` for the platform's staff, else the
/// caller's merchants (bound as parameters after `args`, never spliced), plus the platform's own
/// rows (`''`) when `with_platform`. Every staff query about tenant data goes through it.
pub fn tenancy_clause(visibility: &Visibility, column: &str, with_platform: bool, args: &mut Vec<JsValue>) -> String {
    let Visibility::Merchants(ids) = visibility else {
        return "1 = 1".into();
    };
    let mut marks: Vec<String> = ids
        .iter()
        .map(|id| {
            args.push(id.as_str().js());
            format!("?{}", args.len())
        })
        .collect();
    if with_platform {
        marks.push("''".into());
    }
    if marks.is_empty() { "0 = 1".into() } else { format!("{column} IN ({})", marks.join(", ")) }
}

/// Whether a query returns any row (an existence check: select `1` with `LIMIT 1`).
pub async fn any_row(stmt: D1PreparedStatement) -> Result<bool, ApiError> {
    Ok(stmt.first::<serde_json::Value>(None).await?.is_some())
}

/// Whether a write that matches at most one row took. D1 counts the rows its triggers wrote as
/// well (the analytics counts of migration 0020 follow every ticket write), so a ticket write
/// that took reports one change or more: test this, never `changes == 1`.
pub fn took(result: &D1Result) -> bool {
    changes(result) > 0
}

/// How many rows a write changed (its triggers' rows included).
pub fn changes(result: &D1Result) -> usize {
    result.meta().ok().flatten().and_then(|m| m.changes).unwrap_or(0)
}
