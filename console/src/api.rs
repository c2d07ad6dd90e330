//! The API as the console calls it: sign-in (`POST /v1/auth/login`, `GET /v1/auth/me`,
//! `POST /v1/auth/logout`), the tickets, people, teams and canned replies (same origin, so the
//! browser sends the `__Host-qt_session` cookie and `Origin` by
//! itself). Refusals come back as [`Failure`]s matched by [`ErrorCode`], never by message text.

use gloo_net::http::{Request, Response};
use qingting_shared::ErrorCode;
use qingting_shared::accounts::Membership;
use qingting_shared::workflow::Action;
use serde::{Deserialize, Serialize};

/// The signed-in staff member.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct User {
    pub id: String,
    pub email: String,
    pub display_name: String,
}

/// `{user, memberships, merchants}`: what `login` and `me` answer.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Me {
    pub user: User,
    pub memberships: Vec<Membership>,
    /// The names of the memberships' merchants.
    #[serde(default)]
    pub merchants: Vec<MerchantName>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct MerchantName {
    pub id: String,
    pub name: String,
}

impl Me {
    /// A membership's merchant by name (`None` for the platform, or a name not sent).
    pub fn merchant_name(&self, id: &str) -> Option<&str> {
        self.merchants.iter().find(|m| m.id == id).map(|m| m.name.as_str())
    }
}

/// Why a call did not give its answer.
#[derive(Clone, Debug, PartialEq)]
pub enum Failure {
    /// No answer at all (offline, DNS, a dropped connection).
    Network,
    /// The API refused: its code (`None` for a code this build does not know, or a body that is not
    /// the API's error shape), its message, and `Retry-After` in seconds when it said one.
    Refused { status: u16, code: Option<ErrorCode>, message: String, retry_after: Option<u32> },
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Network => f.write_str("network"),
            Failure::Refused { code, status, .. } => write!(f, "{} ({status})", code.map_or("unknown", |c| c.as_str())),
        }
    }
}

impl std::error::Error for Failure {}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorInfo,
}

#[derive(Deserialize)]
struct ErrorInfo {
    code: String,
    #[serde(default)]
    message: String,
}

/// The [`Failure`] an unsuccessful response stands for.
pub async fn refusal(response: Response) -> Failure {
    let status = response.status();
    let retry_after = response.headers().get("Retry-After").and_then(|s| s.trim().parse().ok());
    let (code, message) = match response.json::<ErrorBody>().await {
        Ok(body) => (ErrorCode::parse(&body.error.code), body.error.message),
        Err(_) => (None, String::new()),
    };
    Failure::Refused { status, code, message, retry_after }
}

async fn me_from(response: Response) -> Result<Me, Failure> {
    if !response.ok() {
        return Err(refusal(response).await);
    }
    response.json::<Me>().await.map_err(|_| Failure::Refused { status: response.status(), code: None, message: String::new(), retry_after: None })
}

#[derive(Serialize)]
struct LoginBody<'a> {
    email: &'a str,
    password: &'a str,
}

/// Signs in; the answer sets the session cookie.
pub async fn login(email: &str, password: &str) -> Result<Me, Failure> {
    let request = Request::post("/v1/auth/login").json(&LoginBody { email, password }).map_err(|_| Failure::Network)?;
    me_from(request.send().await.map_err(|_| Failure::Network)?).await
}

/// The signed-in user, or `None` when there is no valid session (any `401`).
pub async fn me() -> Result<Option<Me>, Failure> {
    let response = Request::get("/v1/auth/me").send().await.map_err(|_| Failure::Network)?;
    if response.status() == 401 {
        return Ok(None);
    }
    me_from(response).await.map(Some)
}

/// Ends this session. A session that had already ended counts as signed out.
pub async fn logout() -> Result<(), Failure> {
    let response = Request::post("/v1/auth/logout").send().await.map_err(|_| Failure::Network)?;
    if response.ok() || response.status() == 401 { Ok(()) } else { Err(refusal(response).await) }
}

/// Whether the signed-in person takes new tickets (`/v1/auth/availability`).
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
pub struct Availability {
    pub available: bool,
    #[serde(default)]
    pub capacity: u32,
}

pub async fn availability() -> Result<Availability, Failure> {
    get_json("/v1/auth/availability").await
}

/// The 接单 switch.
pub async fn set_availability(available: bool) -> Result<Availability, Failure> {
    let body = serde_json::json!({ "available": available });
    let response = Request::put("/v1/auth/availability").json(&body).map_err(|_| Failure::Network)?.send().await.map_err(|_| Failure::Network)?;
    if !response.ok() {
        return Err(refusal(response).await);
    }
    let status = response.status();
    response.json().await.map_err(|_| unreadable(status))
}

/// A notification (`GET /v1/notifications`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Notification {
    pub ticket_id: String,
    pub ticket_no: String,
    pub kind: String,
    #[serde(rename = "ref", default)]
    pub reference: String,
    pub at: String,
    #[serde(default)]
    pub read_at: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct NotificationPage {
    pub notifications: Vec<Notification>,
    pub unread: u32,
}

pub async fn notifications() -> Result<NotificationPage, Failure> {
    get_json("/v1/notifications?limit=100").await
}

/// How many notifications are unread (the bell; reads only the count, so the list's types stay in
/// its lazily loaded chunk).
pub async fn unread_notifications() -> Result<u32, Failure> {
    #[derive(Deserialize)]
    struct Unread {
        unread: u32,
    }
    get_json::<Unread>("/v1/notifications?unread=1&limit=1").await.map(|u| u.unread)
}

/// Marks every notification read; how many stay unread (none, unless new ones came).
pub async fn mark_notifications_read() -> Result<u32, Failure> {
    #[derive(Deserialize)]
    struct Unread {
        unread: u32,
    }
    let response =
        Request::post("/v1/notifications/read").json(&serde_json::json!({})).map_err(|_| Failure::Network)?.send().await.map_err(|_| Failure::Network)?;
    if !response.ok() {
        return Err(refusal(response).await);
    }
    let status = response.status();
    response.json::<Unread>().await.map(|u| u.unread).map_err(|_| unreadable(status))
}

// ---------------------------------------------------------------------------------------------
// Tickets: the inbox, one ticket, its actions (always with `If-Match: <version>`), bulk actions,
// counts per saved view, people and teams for the pickers, canned replies.

/// A failed answer's body that is not the API's error shape.
pub fn unreadable(status: u16) -> Failure {
    Failure::Refused { status, code: None, message: String::new(), retry_after: None }
}

/// `GET path` → `T`, refusals as [`Failure`]s.
pub async fn get_json<T: serde::de::DeserializeOwned>(path: &str) -> Result<T, Failure> {
    let response = Request::get(path).send().await.map_err(|_| Failure::Network)?;
    if !response.ok() {
        return Err(refusal(response).await);
    }
    let status = response.status();
    response.json::<T>().await.map_err(|_| unreadable(status))
}

/// A ticket in the inbox (`GET /v1/tickets`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct TicketRow {
    pub id: String,
    pub ticket_no: String,
    pub status: String,
    pub holder: String,
    pub priority: Option<String>,
    pub category: Option<String>,
    pub site: String,
    #[serde(default)]
    pub assignee: Option<String>,
    pub version: f64,
    pub created_at: String,
    #[serde(default)]
    pub preview: String,
    /// The earliest due time of the clocks that run.
    #[serde(default)]
    pub sla_due_at: Option<String>,
    /// 1 when a clock has breached.
    #[serde(default)]
    pub sla_breached: f64,
}

/// One page of the inbox and where the next one starts.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct TicketPage {
    pub tickets: Vec<TicketRow>,
    pub next_cursor: Option<String>,
}

/// Appends `key=value` (encoded) to a query string.
pub fn push_param(query: &mut String, key: &str, value: &str) {
    query.push(if query.is_empty() { '?' } else { '&' });
    query.push_str(key);
    query.push('=');
    query.push_str(&encode(value));
}

/// `value` percent-encoded for a URL's path segment or query (unreserved characters kept).
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `GET /v1/tickets` with the query string `query` (from [`push_param`]).
pub async fn tickets(query: &str) -> Result<TicketPage, Failure> {
    get_json(&format!("/v1/tickets{query}")).await
}

/// How many tickets each saved view holds (`GET /v1/tickets/counts`).
pub async fn counts() -> Result<std::collections::HashMap<String, f64>, Failure> {
    #[derive(Deserialize)]
    struct Counts {
        counts: std::collections::HashMap<String, f64>,
    }
    Ok(get_json::<Counts>("/v1/tickets/counts").await?.counts)
}

/// A message on a ticket: a public reply (also automatic FAQ answers) or an internal note.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Message {
    pub author: String,
    #[serde(default)]
    pub internal: f64,
    #[serde(default)]
    pub user_id: Option<String>,
    pub text: String,
    pub created_at: String,
}

/// One recorded change (the timeline).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Event {
    pub version: f64,
    pub at: String,
    pub actor_kind: String,
    #[serde(default)]
    pub actor_id: Option<String>,
    pub kind: String,
    #[serde(default)]
    pub from_status: Option<String>,
    pub to_status: String,
    /// JSON text: what changed besides the status.
    #[serde(default)]
    pub payload: String,
}

/// One ticket as staff see it (`GET /v1/tickets/:id`, and every action's answer).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Ticket {
    pub id: String,
    pub ticket_no: String,
    pub status: String,
    pub holder: String,
    pub priority: Option<String>,
    pub category: Option<String>,
    #[serde(default)]
    pub categories: Vec<String>,
    /// The words that drove the classification.
    #[serde(default)]
    pub top_tokens: Vec<String>,
    pub site: String,
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub team: Option<String>,
    #[serde(default)]
    pub assignee: Option<String>,
    pub version: u64,
    #[serde(default)]
    pub merged_into: Option<String>,
    #[serde(default)]
    pub followers: Vec<String>,
    /// The complaint, personal data masked.
    pub text: String,
    #[serde(default)]
    pub order_id: Option<String>,
    #[serde(default)]
    pub lang: Option<String>,
    pub created_at: String,
    #[serde(default)]
    pub messages: Vec<Message>,
    #[serde(default)]
    pub events: Vec<Event>,
    #[serde(default)]
    pub sla: SlaView,
    /// `complaint`, or `alert` (a 预警工单).
    #[serde(default)]
    pub kind: Option<String>,
    /// The original of an alert or a follow-up ticket.
    #[serde(default)]
    pub linked: Option<Linked>,
    /// The customer's rating, once offered.
    #[serde(default)]
    pub csat: Option<Csat>,
    /// Where forwarding to the merchant stands: `queued`, `delivered`, `dead_letter`,
    /// `no_destination`, `none`.
    #[serde(default)]
    pub delivery: Option<String>,
}

/// Forwards a dead letter (or a ticket that had no destination) again (`POST
/// /v1/admin/complaints/{id}/redrive`): the site's admins and the platform's.
pub async fn redrive(id: &str) -> Result<(), Failure> {
    let path = format!("/v1/admin/complaints/{}/redrive", encode(id));
    let response = Request::post(&path).json(&serde_json::json!({})).map_err(|_| Failure::Network)?.send().await.map_err(|_| Failure::Network)?;
    if !response.ok() {
        return Err(refusal(response).await);
    }
    Ok(())
}

/// A linked ticket.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Linked {
    pub id: String,
    pub ticket_no: String,
}

/// The satisfaction survey on a ticket.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Csat {
    #[serde(default)]
    pub score: Option<u8>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub comment: Option<String>,
}

/// A ticket's SLA clocks as the worker shows them.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct SlaView {
    #[serde(default)]
    pub running: bool,
    #[serde(default)]
    pub first_response: ClockView,
    #[serde(default)]
    pub resolution: ClockView,
    #[serde(default)]
    pub merchant_due_at: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct ClockView {
    #[serde(default)]
    pub minutes: Option<f64>,
    #[serde(default)]
    pub due_at: Option<String>,
    #[serde(default)]
    pub responded_at: Option<String>,
    #[serde(default)]
    pub paused_at: Option<String>,
    #[serde(default)]
    pub warned: bool,
    #[serde(default)]
    pub breached: bool,
}

impl SlaView {
    /// The earliest due time of the clocks that run, and whether any clock breached.
    pub fn next_due(&self) -> (Option<String>, bool) {
        let due = [&self.first_response.due_at, &self.resolution.due_at].into_iter().flatten().min().cloned();
        (due, self.first_response.breached || self.resolution.breached)
    }
}

pub async fn ticket(id: &str) -> Result<Ticket, Failure> {
    if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
        // Not an id the API gives: the same answer it would give, without asking.
        return Err(Failure::Refused { status: 404, code: Some(ErrorCode::NotFound), message: String::new(), retry_after: None });
    }
    get_json(&format!("/v1/tickets/{id}")).await
}

/// Why an action did not apply.
#[derive(Clone, Debug, PartialEq)]
pub enum ActFailure {
    /// Someone changed the ticket first (`409 version_conflict`): the ticket as it is now.
    Stale(Box<Ticket>),
    Failed(Failure),
}

/// Old and new value in an event's payload.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct FromTo {
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
}

/// The parts of an event's payload the timeline shows (other fields are ignored).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct Payload {
    /// Transfers.
    #[serde(default)]
    pub note: Option<String>,
    /// Corrections.
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub category: Option<FromTo>,
    #[serde(default)]
    pub priority: Option<FromTo>,
    /// Claims and assignments: the new assignee.
    #[serde(default)]
    pub to: Option<String>,
    /// Merges.
    #[serde(default)]
    pub into: Option<String>,
    /// The customer's 补充信息.
    #[serde(default)]
    pub text: Option<String>,
}

impl Event {
    /// The payload's known parts (empty if it cannot be read).
    pub fn details(&self) -> Payload {
        serde_json::from_str(&self.payload).unwrap_or_default()
    }
}

/// `POST /v1/tickets/:id/:action` with `If-Match: version`: the workflow's own [`Action`] (the
/// type the worker reads), named in the path and sent as the body. The ticket afterwards.
pub async fn act(id: &str, version: u64, action: &Action) -> Result<Ticket, ActFailure> {
    let request = Request::post(&format!("/v1/tickets/{id}/{}", action.name()))
        .header("If-Match", &version.to_string())
        .json(action)
        .map_err(|_| ActFailure::Failed(Failure::Network))?;
    let response = request.send().await.map_err(|_| ActFailure::Failed(Failure::Network))?;
    let status = response.status();
    if response.ok() {
        return response.json::<Ticket>().await.map_err(|_| ActFailure::Failed(unreadable(status)));
    }
    if status == 409 {
        #[derive(Deserialize)]
        struct Conflict {
            error: ErrorInfo,
            ticket: Option<Ticket>,
        }
        let text = response.text().await.map_err(|_| ActFailure::Failed(unreadable(status)))?;
        return Err(match serde_json::from_str::<Conflict>(&text) {
            Ok(Conflict { error, ticket: Some(t) }) if error.code == ErrorCode::VersionConflict.as_str() => ActFailure::Stale(Box::new(t)),
            Ok(Conflict { error, .. }) => {
                ActFailure::Failed(Failure::Refused { status, code: ErrorCode::parse(&error.code), message: error.message, retry_after: None })
            }
            Err(_) => ActFailure::Failed(unreadable(status)),
        });
    }
    Err(ActFailure::Failed(refusal(response).await))
}

/// One ticket's outcome in a bulk action.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct BulkResult {
    pub id: String,
    pub ok: bool,
    #[serde(default)]
    pub code: Option<String>,
}

/// `POST /v1/tickets/bulk` `{action, ids, user?}`: one result per id.
pub async fn bulk(action: &str, ids: &[String], user: Option<&str>) -> Result<Vec<BulkResult>, Failure> {
    #[derive(Serialize)]
    struct Body<'a> {
        action: &'a str,
        ids: &'a [String],
        #[serde(skip_serializing_if = "Option::is_none")]
        user: Option<&'a str>,
    }
    #[derive(Deserialize)]
    struct Results {
        results: Vec<BulkResult>,
    }
    let request = Request::post("/v1/tickets/bulk").json(&Body { action, ids, user }).map_err(|_| Failure::Network)?;
    let response = request.send().await.map_err(|_| Failure::Network)?;
    if !response.ok() {
        return Err(refusal(response).await);
    }
    let status = response.status();
    Ok(response.json::<Results>().await.map_err(|_| unreadable(status))?.results)
}

/// Staff as `GET /v1/users` lists them (admins and supervisors may ask; agents get `403`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Person {
    pub id: String,
    pub display_name: String,
    #[serde(default)]
    pub status: String,
}

pub async fn users() -> Result<Vec<Person>, Failure> {
    #[derive(Deserialize)]
    struct Users {
        users: Vec<Person>,
    }
    Ok(get_json::<Users>("/v1/users").await?.users)
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Team {
    pub id: String,
    #[serde(default)]
    pub merchant: Option<String>,
    pub name: String,
}

pub async fn teams() -> Result<Vec<Team>, Failure> {
    #[derive(Deserialize)]
    struct Teams {
        teams: Vec<Team>,
    }
    Ok(get_json::<Teams>("/v1/teams").await?.teams)
}

/// A reply kept for reuse, the platform's (`merchant` empty) or a merchant's.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct CannedReply {
    pub id: String,
    #[serde(default)]
    pub merchant: Option<String>,
    pub title: String,
    pub text: String,
}

pub async fn canned_replies() -> Result<Vec<CannedReply>, Failure> {
    #[derive(Deserialize)]
    struct Replies {
        replies: Vec<CannedReply>,
    }
    Ok(get_json::<Replies>("/v1/canned-replies").await?.replies)
}
