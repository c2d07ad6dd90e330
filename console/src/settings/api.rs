//! The settings pages' calls: people and invitations, teams, merchants, sites and their
//! configuration (`/v1/users`, `/v1/invitations`, `/v1/teams`, `/v1/merchants`, `/v1/sites`,
//! `/v1/admin/sites/:site…`), password change and invitation setup (`/v1/auth/…`).

use gloo_net::http::{Request, RequestBuilder};
use qingting_shared::accounts::{Membership, Role, Scope};
use qingting_shared::faq::FaqPack;
use qingting_shared::forward::Destination;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::api::{Failure, Me, get_json, refusal, unreadable};

/// Sends `request` with a JSON `body` (or the raw JSON text `raw`) and reads the answer as `T`.
async fn send<T: DeserializeOwned>(request: RequestBuilder, body: Body<'_, impl Serialize>) -> Result<T, Failure> {
    let request = match body {
        Body::Json(b) => request.json(b).map_err(|_| Failure::Network)?,
        Body::Raw(text) => request.header("Content-Type", "application/json").body(text).map_err(|_| Failure::Network)?,
        Body::None => request.build().map_err(|_| Failure::Network)?,
    };
    let response = request.send().await.map_err(|_| Failure::Network)?;
    if !response.ok() {
        return Err(refusal(response).await);
    }
    let status = response.status();
    response.json::<T>().await.map_err(|_| unreadable(status))
}

enum Body<'a, B> {
    Json(&'a B),
    Raw(&'a str),
    None,
}

const NO_BODY: Body<'static, ()> = Body::None;

/// A staff member as `GET /v1/users` lists them.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct StaffMember {
    pub id: String,
    pub email: String,
    pub display_name: String,
    /// `active`, `invited` or `deactivated`.
    pub status: String,
    #[serde(default)]
    pub memberships: Vec<Membership>,
}

pub async fn staff() -> Result<Vec<StaffMember>, Failure> {
    #[derive(Deserialize)]
    struct Users {
        users: Vec<StaffMember>,
    }
    Ok(get_json::<Users>("/v1/users").await?.users)
}

/// What an invitation (or a new link) answers: the person and their one-time setup link.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Invited {
    pub user: StaffMember,
    /// `/console/setup#token=…` (the page's origin goes in front).
    pub setup_url: String,
}

pub async fn invite(email: &str, display_name: &str, scope: &Scope, role: Role) -> Result<Invited, Failure> {
    #[derive(Serialize)]
    struct B<'a> {
        email: &'a str,
        display_name: &'a str,
        scope: &'a Scope,
        role: Role,
    }
    send(Request::post("/v1/invitations"), Body::Json(&B { email, display_name, scope, role })).await
}

pub async fn reinvite(user: &str) -> Result<Invited, Failure> {
    send(Request::post(&format!("/v1/users/{user}/invitation")), NO_BODY).await
}

pub async fn deactivate(user: &str) -> Result<(), Failure> {
    send::<serde::de::IgnoredAny>(Request::post(&format!("/v1/users/{user}/deactivate")), NO_BODY).await.map(|_| ())
}

/// A team with its members.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Team {
    pub id: String,
    #[serde(default)]
    pub merchant: Option<String>,
    pub name: String,
    #[serde(default)]
    pub is_default: bool,
    #[serde(default)]
    pub members: Vec<TeamMember>,
    /// The team's notification channel (secret shown as `********`).
    #[serde(default)]
    pub channel: Option<Destination>,
}

impl Team {
    pub fn scope(&self) -> Scope {
        self.merchant.clone().map_or(Scope::Platform, Scope::Merchant)
    }
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct TeamMember {
    pub id: String,
    pub display_name: String,
}

#[derive(Deserialize)]
struct OneTeam {
    team: Team,
}

pub async fn teams() -> Result<Vec<Team>, Failure> {
    #[derive(Deserialize)]
    struct Teams {
        teams: Vec<Team>,
    }
    Ok(get_json::<Teams>("/v1/teams").await?.teams)
}

pub async fn create_team(merchant: Option<&str>, name: &str) -> Result<Team, Failure> {
    #[derive(Serialize)]
    struct B<'a> {
        #[serde(skip_serializing_if = "Option::is_none")]
        merchant: Option<&'a str>,
        name: &'a str,
    }
    Ok(send::<OneTeam>(Request::post("/v1/teams"), Body::Json(&B { merchant, name })).await?.team)
}

pub async fn add_member(team: &str, user_id: &str) -> Result<Team, Failure> {
    #[derive(Serialize)]
    struct B<'a> {
        user_id: &'a str,
    }
    Ok(send::<OneTeam>(Request::post(&format!("/v1/teams/{team}/members")), Body::Json(&B { user_id })).await?.team)
}

pub async fn remove_member(team: &str, user_id: &str) -> Result<Team, Failure> {
    Ok(send::<OneTeam>(Request::delete(&format!("/v1/teams/{team}/members/{user_id}")), NO_BODY).await?.team)
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Merchant {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub created_at: String,
}

pub async fn merchants() -> Result<Vec<Merchant>, Failure> {
    #[derive(Deserialize)]
    struct Merchants {
        merchants: Vec<Merchant>,
    }
    Ok(get_json::<Merchants>("/v1/merchants").await?.merchants)
}

pub async fn create_merchant(name: &str) -> Result<Merchant, Failure> {
    #[derive(Serialize)]
    struct B<'a> {
        name: &'a str,
    }
    send(Request::post("/v1/merchants"), Body::Json(&B { name })).await
}

/// A site as `GET /v1/sites` lists it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct SiteSummary {
    pub site: String,
    #[serde(default)]
    pub merchant: Option<String>,
    pub merchant_name: String,
    #[serde(default)]
    pub allowed_origins: Vec<String>,
}

pub async fn sites() -> Result<Vec<SiteSummary>, Failure> {
    #[derive(Deserialize)]
    struct Sites {
        sites: Vec<SiteSummary>,
    }
    Ok(get_json::<Sites>("/v1/sites").await?.sites)
}

#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
pub struct ThresholdValues {
    pub resolve: f32,
    pub acknowledge: f32,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Thresholds {
    pub resolve: f32,
    pub acknowledge: f32,
    pub defaults: ThresholdValues,
}

/// A site's whole configuration (`GET /v1/admin/sites/:site`; secrets shown as `********`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct SiteConfig {
    pub site: String,
    #[serde(default)]
    pub merchant: Option<String>,
    pub merchant_name: String,
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    pub embed_snippet: String,
    pub thresholds: Thresholds,
    #[serde(default)]
    pub faq_pack: Option<FaqPack>,
    #[serde(default)]
    pub destinations: Vec<Destination>,
}

fn site_path(key: &str, rest: &str) -> String {
    format!("/v1/admin/sites/{}{rest}", crate::api::encode(key))
}

pub async fn site(key: &str) -> Result<SiteConfig, Failure> {
    get_json(&site_path(key, "")).await
}

pub async fn put_site(key: &str, merchant_name: &str, allowed_origins: &[String], merchant: Option<&str>) -> Result<SiteConfig, Failure> {
    #[derive(Serialize)]
    struct B<'a> {
        merchant_name: &'a str,
        allowed_origins: &'a [String],
        #[serde(skip_serializing_if = "Option::is_none")]
        merchant: Option<&'a str>,
    }
    send(Request::put(&site_path(key, "")), Body::Json(&B { merchant_name, allowed_origins, merchant })).await
}

pub async fn put_destinations(key: &str, destinations: &[Destination]) -> Result<SiteConfig, Failure> {
    #[derive(Serialize)]
    struct B<'a> {
        destinations: &'a [Destination],
    }
    send(Request::put(&site_path(key, "/destinations")), Body::Json(&B { destinations })).await
}

/// Stores the merchant's pack as typed (the server checks it and says what is wrong).
pub async fn put_faq(key: &str, pack_json: &str) -> Result<SiteConfig, Failure> {
    send(Request::put(&site_path(key, "/faq")), Body::<()>::Raw(pack_json)).await
}

pub async fn delete_faq(key: &str) -> Result<SiteConfig, Failure> {
    send(Request::delete(&site_path(key, "/faq")), NO_BODY).await
}

pub async fn put_thresholds(key: &str, resolve: Option<f32>, acknowledge: Option<f32>) -> Result<SiteConfig, Failure> {
    #[derive(Serialize)]
    struct B {
        resolve: Option<f32>,
        acknowledge: Option<f32>,
    }
    send(Request::put(&site_path(key, "/thresholds")), Body::Json(&B { resolve, acknowledge })).await
}

pub async fn change_password(current: &str, new: &str) -> Result<(), Failure> {
    #[derive(Serialize)]
    struct B<'a> {
        current: &'a str,
        new: &'a str,
    }
    send::<serde::de::IgnoredAny>(Request::post("/v1/auth/password"), Body::Json(&B { current, new })).await.map(|_| ())
}

/// Sets the invited person's password; the answer signs them in.
pub async fn set_up(token: &str, password: &str) -> Result<Me, Failure> {
    #[derive(Serialize)]
    struct B<'a> {
        token: &'a str,
        password: &'a str,
    }
    send(Request::post("/v1/auth/setup"), Body::Json(&B { token, password })).await
}

/// Ends every session of the signed-in user, this one included (`POST /v1/auth/logout`
/// `{"everywhere": true}`).
pub async fn sign_out_everywhere() -> Result<(), Failure> {
    #[derive(Serialize)]
    struct B {
        everywhere: bool,
    }
    send::<serde::de::IgnoredAny>(Request::post("/v1/auth/logout"), Body::Json(&B { everywhere: true })).await.map(|_| ())
}

/// A scope's SLA terms as `GET/PUT /v1/sla-policies/:scope` carry them. The calendar is kept in
/// its JSON form (the server checks hours, dates and zone and says what is wrong).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SlaTerms {
    pub policy: qingting_shared::workflow::sla::SlaPolicy,
    pub calendar: CalendarForm,
}

/// The calendar's JSON form (`qingting_shared::workflow::calendar`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CalendarForm {
    pub zone: String,
    #[serde(default)]
    pub week: std::collections::BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub holidays: Vec<String>,
    #[serde(default)]
    pub workdays: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workday_hours: Option<Vec<String>>,
}

/// What the server answers: the terms, and whether they are this scope's own and editable.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct SlaAnswer {
    #[serde(flatten)]
    pub terms: SlaTerms,
    #[serde(default)]
    pub inherited: bool,
    #[serde(default)]
    pub editable: bool,
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// `platform` or a merchant's id.
fn sla_path(scope: &str) -> String {
    format!("/v1/sla-policies/{}", if scope.is_empty() { "platform" } else { scope })
}

pub async fn sla(scope: &str) -> Result<SlaAnswer, Failure> {
    get_json(&sla_path(scope)).await
}

pub async fn put_sla(scope: &str, terms: &SlaTerms) -> Result<SlaAnswer, Failure> {
    send(Request::put(&sla_path(scope)), Body::Json(terms)).await
}

/// A scope's routing rules (their JSON form: the editor works on it) and whether the caller may
/// change them.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct RulesAnswer {
    pub rules: Vec<serde_json::Value>,
    #[serde(default)]
    pub editable: bool,
}

fn rules_path(scope: &str) -> String {
    format!("/v1/routing-rules/{}", if scope.is_empty() { "platform" } else { scope })
}

pub async fn rules(scope: &str) -> Result<RulesAnswer, Failure> {
    get_json(&rules_path(scope)).await
}

/// Saves the scope's whole list, in order.
pub async fn put_rules(scope: &str, rules: &[serde_json::Value]) -> Result<RulesAnswer, Failure> {
    send(Request::put(&rules_path(scope)), Body::Json(&serde_json::json!({ "rules": rules }))).await
}

/// What a rule would do with a complaint text.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Preview {
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub priority: Option<String>,
    #[serde(default)]
    pub conditions: Vec<bool>,
    #[serde(default)]
    pub matches: bool,
}

pub async fn preview_rule(rule: &serde_json::Value, text: &str) -> Result<Preview, Failure> {
    send(Request::post("/v1/routing-rules/preview"), Body::Json(&serde_json::json!({ "rule": rule, "text": text }))).await
}

/// Where someone's or a team's notifications go (`None`: the console only).
pub async fn channel() -> Result<Option<Destination>, Failure> {
    #[derive(Deserialize)]
    struct C {
        channel: Option<Destination>,
    }
    Ok(get_json::<C>("/v1/auth/channel").await?.channel)
}

pub async fn put_channel(of: &super::channel::ChannelOf, channel: Option<&Destination>) -> Result<Option<Destination>, Failure> {
    #[derive(Deserialize)]
    struct C {
        channel: Option<Destination>,
    }
    let path = match of {
        super::channel::ChannelOf::Me => "/v1/auth/channel".to_string(),
        super::channel::ChannelOf::Team(id) => format!("/v1/teams/{id}/channel"),
    };
    send::<C>(Request::put(&path), Body::Json(&serde_json::json!({ "channel": channel }))).await.map(|c| c.channel)
}
