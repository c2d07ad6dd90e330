//! The customer's space on the API: 我的投诉's lines (`POST /v1/complaints/status`), a ticket's
//! page (`GET /v1/complaints/{id}`) and the customer's actions on it (`messages`, `urge`,
//! `reopen`, `solved`, `rating`), each with the ticket's token.
//!
//! Answers are read with `JSON.parse` and `Reflect` into the few fields the panel shows (as in
//! `submit.rs`: serde_json's deserializer would cost the widget several KB). Network failures and
//! 5xx are retried; refusals (4xx, 429 included: a second 催单 too soon is an answer, not a
//! failure) never are.

use gloo_net::http::{Request, RequestBuilder};
use gloo_timers::future::TimeoutFuture;
use js_sys::{Array, JSON, Reflect};
use qingting_shared::workflow::{ChangeKind, Holder};
use qingting_shared::{ErrorCode, TicketStatus};
use wasm_bindgen::JsValue;

use crate::space::Kept;
use crate::submit::SubmitError;

fn get(obj: &JsValue, name: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

fn text(obj: &JsValue, name: &str) -> Option<String> {
    get(obj, name).as_string()
}

fn num(obj: &JsValue, name: &str) -> u32 {
    get(obj, name).as_f64().unwrap_or(0.0) as u32
}

fn list(obj: &JsValue, name: &str) -> Vec<JsValue> {
    let v = get(obj, name);
    if Array::is_array(&v) { Array::from(&v).iter().collect() } else { Vec::new() }
}

/// One line of 我的投诉.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub id: String,
    pub ticket_no: String,
    pub status: TicketStatus,
    pub holder: Holder,
    pub created_at: String,
    pub promised_at: Option<String>,
    pub replies: u32,
    pub survey_open: bool,
}

/// A message on a ticket's page: a reply (`who` is its author's wire name) or the customer's 补充信息
/// (`who` empty).
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub at: String,
    /// `faq`, `merchant`, `support` for replies; `None` for a timeline event.
    pub who: Option<String>,
    pub kind: Option<ChangeKind>,
    pub text: Option<String>,
}

/// A ticket's page.
#[derive(Clone, Debug, PartialEq)]
pub struct Page {
    pub id: String,
    pub ticket_no: String,
    pub status: TicketStatus,
    pub holder: Holder,
    pub text: String,
    pub promised_at: Option<String>,
    /// Replies and public events, oldest first.
    pub entries: Vec<Entry>,
    pub replies: u32,
    pub urge_wait: u32,
    /// The survey: the score given, and whether it is open.
    pub survey: Option<(Option<u8>, bool)>,
    /// A follow-up ticket: id, number, token.
    pub follow_up: Option<(String, String, String)>,
    pub confirmed: bool,
}

fn line(v: &JsValue) -> Option<Line> {
    Some(Line {
        id: text(v, "id")?,
        ticket_no: text(v, "ticket_no")?,
        status: TicketStatus::parse(&text(v, "status")?)?,
        holder: Holder::parse(&text(v, "holder")?)?,
        created_at: text(v, "created_at").unwrap_or_default(),
        promised_at: text(v, "promised_at"),
        replies: num(v, "replies"),
        survey_open: get(v, "survey_open").as_bool().unwrap_or(false),
    })
}

fn page(v: &JsValue) -> Option<Page> {
    let replies = list(v, "replies");
    let mut entries: Vec<Entry> = list(v, "timeline")
        .iter()
        .filter_map(|e| Some(Entry { at: text(e, "at").unwrap_or_default(), who: None, kind: ChangeKind::parse(&text(e, "kind")?), text: text(e, "text") }))
        .chain(replies.iter().map(|r| Entry { at: text(r, "created_at").unwrap_or_default(), who: text(r, "author"), kind: None, text: text(r, "text") }))
        .collect();
    // RFC 3339 UTC times sort as strings; the stable sort keeps a reply after the event it
    // answers when both carry the same time.
    entries.sort_by(|a, b| a.at.cmp(&b.at));
    let survey = get(v, "survey");
    let follow = get(v, "follow_up");
    Some(Page {
        id: text(v, "id")?,
        ticket_no: text(v, "ticket_no")?,
        status: TicketStatus::parse(&text(v, "status")?)?,
        holder: text(v, "holder").as_deref().and_then(Holder::parse).unwrap_or(Holder::Merchant),
        text: text(v, "text").unwrap_or_default(),
        promised_at: text(v, "promised_at"),
        replies: replies.len() as u32,
        entries,
        urge_wait: num(v, "urge_wait"),
        survey: survey.is_object().then(|| (get(&survey, "score").as_f64().map(|s| s as u8), get(&survey, "open").as_bool().unwrap_or(false))),
        follow_up: follow.is_object().then(|| Some((text(&follow, "id")?, text(&follow, "ticket_no")?, text(&follow, "access_token")?))).flatten(),
        confirmed: get(v, "confirmed").as_bool().unwrap_or(false),
    })
}

/// Sends a request (built anew for each attempt), retrying network failures and 5xx twice; the
/// parsed answer of a success.
async fn send(build: impl Fn() -> Result<Request, SubmitError>) -> Result<JsValue, SubmitError> {
    let mut last = SubmitError::Network;
    for (attempt, pause) in [0u32, 600, 1_800].into_iter().enumerate() {
        if attempt > 0 {
            TimeoutFuture::new(pause).await;
        }
        let Ok(response) = build()?.send().await else { continue };
        // (Each request carries `submit::deadline()`: one that never answers is a failure to retry.)
        let status = response.status();
        let json = JSON::parse(&response.text().await.unwrap_or_default()).unwrap_or(JsValue::NULL);
        if (200..300).contains(&status) {
            return Ok(json);
        }
        last = SubmitError::Unavailable(status);
        if status < 500 {
            let error = get(&json, "error");
            return Err(match text(&error, "code") {
                Some(code) => SubmitError::Rejected { code: ErrorCode::parse(&code), message: text(&error, "message").unwrap_or_default() },
                None => SubmitError::Rejected { code: None, message: format!("HTTP {status}") },
            });
        }
    }
    Err(last)
}

fn built(r: Result<Request, gloo_net::Error>) -> Result<Request, SubmitError> {
    r.map_err(|_| SubmitError::Rejected { code: None, message: "could not build the request".into() })
}

fn bearer(b: RequestBuilder, token: &str) -> RequestBuilder {
    with_deadline(b).header("Authorization", &format!("Bearer {token}"))
}

fn with_deadline(b: RequestBuilder) -> RequestBuilder {
    let signal = crate::submit::deadline();
    b.abort_signal(signal.as_ref())
}

/// 我的投诉's lines for the kept tickets (those the server no longer knows are left out).
pub async fn status(api: &str, kept: &[Kept]) -> Result<Vec<Line>, SubmitError> {
    let url = format!("{api}/v1/complaints/status");
    let tickets: Vec<String> = kept.iter().map(|k| format!("{{\"id\":{},\"token\":{}}}", json_string(&k.id), json_string(&k.token))).collect();
    let body = format!("{{\"tickets\":[{}]}}", tickets.join(","));
    let json = send(|| built(with_deadline(Request::post(&url)).header("Content-Type", "application/json").body(body.clone()))).await?;
    Ok(list(&json, "tickets").iter().filter_map(line).collect())
}

/// A ticket's page.
pub async fn open(api: &str, id: &str, token: &str) -> Result<Page, SubmitError> {
    let url = format!("{api}/v1/complaints/{id}");
    let json = send(|| bearer(Request::get(&url), token).build().map_err(|_| SubmitError::Network)).await?;
    page(&json).ok_or(SubmitError::Unavailable(200))
}

/// A customer's action (`messages`, `urge`, `reopen`, `solved`, `rating`) with its JSON body and
/// idempotency key where it has them; the page afterwards.
pub async fn act(api: &str, id: &str, token: &str, action: &str, body: Option<String>, key: Option<&str>) -> Result<Page, SubmitError> {
    let url = format!("{api}/v1/complaints/{id}/{action}");
    let json = send(|| {
        let mut b = bearer(Request::post(&url), token);
        if let Some(key) = key {
            b = b.header("Idempotency-Key", key);
        }
        match &body {
            Some(body) => built(b.header("Content-Type", "application/json").body(body.clone())),
            None => b.build().map_err(|_| SubmitError::Network),
        }
    })
    .await?;
    page(&json).ok_or(SubmitError::Unavailable(200))
}

/// A string as a JSON string literal (for the few bodies the panel sends).
pub fn json_string(s: &str) -> String {
    JSON::stringify(&JsValue::from_str(s)).ok().and_then(|v| v.as_string()).unwrap_or_else(|| "\"\"".into())
}
