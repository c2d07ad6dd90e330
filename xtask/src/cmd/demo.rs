//! The demo accounts `cargo xtask run` (and `seed`, `bench-inbox`) make on first use, through the
//! HTTP API of the running local worker: a platform admin (`POST /v1/auth/bootstrap` with
//! `ADMIN_TOKEN`), the merchants 老街小馆 (an admin and two agents) and 川味坊 (one agent), each with
//! a site (`PUT /v1/admin/sites/:site` `{merchant}`), staff invited and set up (`POST /v1/invitations`,
//! `POST /v1/auth/setup`). Passwords are generated once and kept with the e-mail addresses in
//! `target/demo-accounts.json` (`[{email, password, role, scope, merchant}]`), so later runs (the
//! local D1 persists in `.wrangler/state`) and scripts sign in with them. Every step first looks
//! at what exists, so a run that stopped half-way is completed by the next one.
//!
//! `ADMIN_TOKEN` is used only for the bootstrap; everything else is done as the platform admin.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::http::{self, Response};
use crate::util::{Result, root, step};

/// A demo merchant and the key of its site.
pub struct Merchant {
    pub name: &'static str,
    pub site: &'static str,
}

/// The demo merchants; the demo page's site `demo` belongs to the first.
pub const MERCHANTS: [Merchant; 2] = [Merchant { name: "老街小馆", site: "demo" }, Merchant { name: "川味坊", site: "chuanweifang" }];

/// A demo person: sign-in name, display name, merchant (index into [`MERCHANTS`]; `None` for the
/// platform) and role.
struct Person {
    email: &'static str,
    name: &'static str,
    merchant: Option<usize>,
    role: &'static str,
}

const PEOPLE: [Person; 5] = [
    Person { email: "admin@qingting.example", name: "平台管理员", merchant: None, role: "admin" },
    Person { email: "owner@laojie.example", name: "老街小馆 店长", merchant: Some(0), role: "admin" },
    Person { email: "xiaowang@laojie.example", name: "小王", merchant: Some(0), role: "agent" },
    Person { email: "xiaoli@laojie.example", name: "小李", merchant: Some(0), role: "agent" },
    Person { email: "agent@chuanweifang.example", name: "川味坊 客服", merchant: Some(1), role: "agent" },
];

/// The session cookie's name (`__Host-` prefixed; sent back as a plain `Cookie` header on loopback).
pub const SESSION_COOKIE: &str = "__Host-qt_session";

/// One line of `target/demo-accounts.json`.
#[derive(Clone, Debug, PartialEq)]
pub struct Account {
    pub email: String,
    pub password: String,
    /// `admin`, `supervisor` or `agent`.
    pub role: String,
    /// `platform` or `merchant`.
    pub scope: String,
    /// The merchant's name (`None` for platform staff).
    pub merchant: Option<String>,
}

impl Account {
    fn to_json(&self) -> Value {
        json!({ "email": self.email, "password": self.password, "role": self.role, "scope": self.scope, "merchant": self.merchant })
    }

    fn from_json(v: &Value) -> Option<Account> {
        let s = |k: &str| v[k].as_str().map(str::to_string);
        Some(Account { email: s("email")?, password: s("password")?, role: s("role")?, scope: s("scope")?, merchant: s("merchant") })
    }
}

/// What the demo consists of once [`ensure`] has made it.
pub struct Demo {
    pub accounts: Vec<Account>,
    /// `(email, user id)` of every demo account.
    pub user_ids: Vec<(String, String)>,
}

impl Demo {
    /// The user id of the account with this e-mail address.
    pub fn user_id(&self, email: &str) -> Option<&str> {
        self.user_ids.iter().find(|(e, _)| e == email).map(|(_, id)| id.as_str())
    }

    /// The agents of merchant `m` (index into [`MERCHANTS`]).
    pub fn agents_of(&self, m: usize) -> Vec<&Account> {
        self.accounts.iter().filter(|a| a.role == "agent" && a.merchant.as_deref() == Some(MERCHANTS[m].name)).collect()
    }
}

/// Where `cargo xtask run` keeps the demo's sign-in details.
pub fn accounts_file() -> PathBuf {
    root().join("target/demo-accounts.json")
}

/// A signed-in staff member's session on the local worker.
pub struct Session {
    pub port: u16,
    cookie: String,
    origin: String,
}

impl Session {
    /// Signs in with `POST /v1/auth/login`; the answer when it is refused.
    pub fn sign_in(port: u16, email: &str, password: &str) -> Result<Session, Response> {
        let r = login(port, email, password).map_err(|e| Response { status: 0, headers: Vec::new(), body: e })?;
        match r.cookie(SESSION_COOKIE) {
            Some(cookie) if r.status == 200 => Ok(Session { port, cookie, origin: origin(port) }),
            _ => Err(r),
        }
    }

    /// `GET path` with the session.
    pub fn get(&self, path: &str) -> Result<Response> {
        http::request(self.port, "GET", path, &[("Cookie", &self.cookie)], None)
    }

    /// `POST path` with the session, this origin, a JSON body and optionally `If-Match`.
    pub fn post(&self, path: &str, body: &Value, if_match: Option<u64>) -> Result<Response> {
        self.send("POST", path, body, if_match)
    }

    /// A state-changing request with the session, this origin, a JSON body and optionally
    /// `If-Match`.
    fn send(&self, method: &str, path: &str, body: &Value, if_match: Option<u64>) -> Result<Response> {
        let version = if_match.map(|v| v.to_string());
        let mut headers = vec![("Cookie", self.cookie.as_str()), ("Origin", self.origin.as_str())];
        if let Some(v) = &version {
            headers.push(("If-Match", v));
        }
        http::request(self.port, method, path, &headers, Some(body))
    }
}

/// The local worker's own origin (what the console sends as `Origin`).
pub fn origin(port: u16) -> String {
    format!("http://127.0.0.1:{port}")
}

/// `POST /v1/auth/login` (one PBKDF2 of 100,000 iterations on the server).
pub fn login(port: u16, email: &str, password: &str) -> Result<Response> {
    http::request(port, "POST", "/v1/auth/login", &[("Origin", &origin(port))], Some(&json!({ "email": email, "password": password })))
}

/// `ADMIN_TOKEN` from `worker/.dev.vars` (written by `cargo xtask run`).
pub fn admin_token() -> Result<String> {
    let path = root().join("worker/.dev.vars");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.lines()
        .find_map(|l| l.trim().strip_prefix("ADMIN_TOKEN="))
        .map(|v| v.trim().trim_matches('"').to_string())
        .ok_or_else(|| format!("{} has no ADMIN_TOKEN", path.display()))
}

/// Makes whatever of the demo is missing on the worker at `port` and returns it; the sign-in details are read from and kept in `file`.
pub fn ensure(port: u16, file: &Path) -> Result<Demo> {
    step(&format!("demo accounts: checking (sign-in details in {})", file.strip_prefix(root()).unwrap_or(file).display()));
    let accounts = plan(file)?;
    let admin = platform_admin(port, &accounts[0])?;
    let merchant_ids = merchants(&admin)?;
    sites(&admin, &merchant_ids)?;
    staff(&admin, &accounts, &merchant_ids)?;
    let users = admin.get("/v1/users")?.ok("GET /v1/users")?.json();
    let user_ids = users["users"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|u| Some((u["email"].as_str()?.to_string(), u["id"].as_str()?.to_string())))
        .filter(|(e, _)| accounts.iter().any(|a| &a.email == e))
        .collect();
    Ok(Demo { accounts, user_ids })
}

/// The accounts: those in `file` (kept), generated for anyone missing; the file is (re)written
/// before anything is created, so a run that stops half-way still knows the passwords.
fn plan(file: &Path) -> Result<Vec<Account>> {
    let existing: Vec<Account> = match std::fs::read_to_string(file) {
        Ok(text) => {
            let v: Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
            v.as_array().into_iter().flatten().filter_map(Account::from_json).collect()
        }
        Err(_) => Vec::new(),
    };
    let mut accounts = Vec::new();
    for p in &PEOPLE {
        let account = match existing.iter().find(|a| a.email == p.email) {
            Some(a) => a.clone(),
            None => Account {
                email: p.email.into(),
                password: password()?,
                role: p.role.into(),
                scope: if p.merchant.is_some() { "merchant" } else { "platform" }.into(),
                merchant: p.merchant.map(|m| MERCHANTS[m].name.to_string()),
            },
        };
        accounts.push(account);
    }
    if accounts != existing {
        let text = serde_json::to_string_pretty(&Value::Array(accounts.iter().map(Account::to_json).collect())).map_err(|e| e.to_string())?;
        std::fs::create_dir_all(file.parent().unwrap_or(Path::new(".")))
            .and_then(|_| std::fs::write(file, text + "\n"))
            .map_err(|e| format!("{}: {e}", file.display()))?;
    }
    Ok(accounts)
}

/// A random password of 16 letters and digits (no look-alikes).
fn password() -> Result<String> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom").and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes)).map_err(|e| e.to_string())?;
    Ok(bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect())
}

/// The platform admin's session; creates the admin first (`POST /v1/auth/bootstrap`) if sign-in
/// does not know them.
fn platform_admin(port: u16, admin: &Account) -> Result<Session> {
    match Session::sign_in(port, &admin.email, &admin.password) {
        Ok(s) => return Ok(s),
        Err(r) if r.status == 401 => {}
        Err(r) => return Err(format!("signing in as {}: HTTP {} {}", admin.email, r.status, r.body.trim())),
    }
    let token = admin_token()?;
    let body = json!({ "email": admin.email, "password": admin.password, "display_name": PEOPLE[0].name });
    let r = http::request(port, "POST", "/v1/auth/bootstrap", &[("Authorization", &format!("Bearer {token}"))], Some(&body))?;
    if r.error_code().as_deref() == Some("already_set_up") {
        return Err(format!(
            "this local database already has a platform admin who is not {} (or has another password): \
             delete the local D1 folder to start the demo afresh, or put that admin in the accounts file",
            admin.email
        ));
    }
    r.ok("POST /v1/auth/bootstrap")?;
    step(&format!("demo accounts: created the platform admin {}", admin.email));
    Session::sign_in(port, &admin.email, &admin.password).map_err(|r| format!("signing in as the new admin: HTTP {} {}", r.status, r.body))
}

/// The demo merchants' ids (in the order of [`MERCHANTS`]), creating those that do not exist.
fn merchants(admin: &Session) -> Result<Vec<String>> {
    let list = admin.get("/v1/merchants")?.ok("GET /v1/merchants")?.json();
    let mut ids = Vec::new();
    for m in &MERCHANTS {
        let found = list["merchants"].as_array().into_iter().flatten().find(|x| x["name"] == m.name).and_then(|x| x["id"].as_str().map(str::to_string));
        let id = match found {
            Some(id) => id,
            None => {
                let r = admin.post("/v1/merchants", &json!({ "name": m.name }), None)?.ok("POST /v1/merchants")?;
                step(&format!("demo accounts: created the merchant {}", m.name));
                r.json()["id"].as_str().ok_or("POST /v1/merchants answered no id")?.to_string()
            }
        };
        ids.push(id);
    }
    Ok(ids)
}

/// Each merchant's site for this port's origins, belonging to its merchant: `PUT
/// /v1/admin/sites/:site` `{merchant_name, allowed_origins, merchant}` as the platform admin
/// (idempotent).
fn sites(admin: &Session, merchant_ids: &[String]) -> Result<()> {
    let origins = [origin(admin.port), format!("http://localhost:{}", admin.port)];
    for (m, id) in MERCHANTS.iter().zip(merchant_ids) {
        let body = json!({ "merchant_name": m.name, "allowed_origins": origins, "merchant": id });
        let r = admin.send("PUT", &format!("/v1/admin/sites/{}", m.site), &body, None)?.ok("PUT /v1/admin/sites")?.json();
        if r["merchant"] != id.as_str() {
            return Err(format!("PUT /v1/admin/sites/{} did not give the site to {}: {r}", m.site, m.name));
        }
    }
    Ok(())
}

/// A string as an SQL literal.
pub fn sql_str(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Invites the merchant staff who do not exist yet (or have not set up) and sets their passwords.
fn staff(admin: &Session, accounts: &[Account], merchant_ids: &[String]) -> Result<()> {
    let users = admin.get("/v1/users")?.ok("GET /v1/users")?.json();
    let users = users["users"].as_array().cloned().unwrap_or_default();
    for (account, person) in accounts.iter().zip(&PEOPLE) {
        let Some(m) = person.merchant else { continue };
        let existing = users.iter().find(|u| u["email"] == account.email.as_str());
        let invitation = match existing.map(|u| (u["status"].as_str().unwrap_or(""), u["id"].as_str().unwrap_or(""))) {
            Some(("active", _)) => continue,
            Some(("invited", id)) => admin.post(&format!("/v1/users/{id}/invitation"), &json!({}), None)?.ok("POST /v1/users/:id/invitation")?,
            Some((status, _)) => return Err(format!("the demo account {} is {status}; delete the local D1 folder to start afresh", account.email)),
            None => {
                let scope = json!({ "kind": "merchant", "merchant": merchant_ids[m] });
                let body = json!({ "email": account.email, "display_name": person.name, "scope": scope, "role": account.role });
                admin.post("/v1/invitations", &body, None)?.ok("POST /v1/invitations")?
            }
        };
        let token = invitation.json()["token"].as_str().ok_or("the invitation answered no token")?.to_string();
        let setup = json!({ "token": token, "password": account.password });
        http::request(admin.port, "POST", "/v1/auth/setup", &[("Origin", &origin(admin.port))], Some(&setup))?.ok("POST /v1/auth/setup")?;
        step(&format!("demo accounts: {} ({} {}) is set up", account.email, MERCHANTS[m].name, account.role));
    }
    Ok(())
}

/// Prints the sign-in details.
pub fn print(accounts: &[Account], port: u16) {
    println!("  demo sign-in   http://127.0.0.1:{port}/console/   (also in target/demo-accounts.json)");
    for a in accounts {
        let who = a.merchant.as_deref().unwrap_or("平台");
        println!("    {}  {:<6} {:<28} {}", pad(who, 8), a.role, a.email, a.password);
    }
}

/// `s` padded with spaces to `width` terminal columns (CJK characters take two).
fn pad(s: &str, width: usize) -> String {
    let used: usize = s.chars().map(|c| if (c as u32) >= 0x2E80 { 2 } else { 1 }).sum();
    format!("{s}{}", " ".repeat(width.saturating_sub(used)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_round_trip_through_json() {
        let a =
            Account { email: "a@b.example".into(), password: "pw".into(), role: "agent".into(), scope: "merchant".into(), merchant: Some("川味坊".into()) };
        assert_eq!(Account::from_json(&a.to_json()), Some(a.clone()));
        let platform = Account { merchant: None, scope: "platform".into(), ..a };
        assert_eq!(platform.to_json()["merchant"], Value::Null);
        assert_eq!(Account::from_json(&platform.to_json()), Some(platform));
    }

    #[test]
    fn the_plan_keeps_passwords_and_fills_in_the_missing() {
        let file = root().join(format!("target/tmp/demo-plan-{}.json", std::process::id()));
        let _ = std::fs::remove_file(&file);
        let first = plan(&file).unwrap();
        assert_eq!(first.len(), PEOPLE.len());
        assert!(first.iter().all(|a| a.password.len() == 16 && a.password.chars().all(|c| c.is_ascii_alphanumeric())));
        assert_eq!((first[0].scope.as_str(), first[0].merchant.as_deref()), ("platform", None));
        assert_eq!(first.iter().filter(|a| a.merchant.as_deref() == Some("老街小馆")).count(), 3);
        assert_eq!(plan(&file).unwrap(), first, "a second run reuses the file");
        // A file missing someone gets them added; the others keep their passwords.
        let partial = serde_json::to_string(&Value::Array(first[..2].iter().map(Account::to_json).collect())).unwrap();
        std::fs::write(&file, partial).unwrap();
        let again = plan(&file).unwrap();
        assert_eq!(&again[..2], &first[..2]);
        assert_eq!(again.len(), PEOPLE.len());
        let _ = std::fs::remove_file(&file);
    }

    #[test]
    fn names_are_padded_by_terminal_columns() {
        assert_eq!(pad("川味坊", 8), "川味坊  ");
        assert_eq!(pad("ab", 4), "ab  ");
        assert_eq!(pad("老街小馆商户", 8), "老街小馆商户");
    }

    #[test]
    fn sql_strings_are_quoted() {
        assert_eq!(sql_str("老街's"), "'老街''s'");
    }
}
