//! The worker's configuration, read from the environment in one place: secrets (`TOKEN_SECRET`,
//! `ADMIN_TOKEN`, `PASSWORD_PEPPER`) and variables (`ALLOW_HTTP_DESTINATIONS`,
//! `FORWARD_RETRY_BASE_SECONDS`, `FORWARD_RETRY_MAX_SECONDS`, `SESSION_IDLE_SECONDS`,
//! `SESSION_ABSOLUTE_SECONDS`, `DEV_CLOCK`, `D1_QUERY_BUDGET`). `wrangler.toml` and README list them.

use qingting_shared::accounts::session::SessionPolicy;
use worker::Env;

use crate::error::ApiError;

/// Secrets shorter than this count as missing.
const MIN_SECRET_CHARS: usize = 16;

/// Forwarding's backoff: `base` seconds doubling up to `max`.
#[derive(Clone, Copy, Debug)]
pub struct Backoff {
    pub base: u32,
    pub max: u32,
}

#[derive(Clone, Debug)]
pub struct Config {
    token_secret: Option<String>,
    admin_token: Option<String>,
    password_pepper: Option<String>,
    /// Staff sessions' lifetimes (defaults in `SessionPolicy::default`).
    pub sessions: SessionPolicy,
    /// `ALLOW_HTTP_DESTINATIONS = "1"` admits `http://` destinations: local development and tests
    /// only (a mock receiver on loopback). Production destinations must use TLS.
    pub allow_http_destinations: bool,
    pub backoff: Backoff,
    /// `FORWARD_RETRIES`: the forwarding queue's `max_retries` in `wrangler.toml` (the worker cannot
    /// read the queue's settings; a test checks the two agree and reach over a day).
    pub forward_retries: u32,
    /// `SITE_DAILY_QUOTA`: complaints one site may receive per UTC day (default 5,000).
    pub site_daily_quota: u32,
    /// `DEV_CLOCK = "1"` (local development and tests only, set by the dev server): `GET
    /// /__dev/scheduled?time=<ms>` runs the cron's sweeps as if it were that time. Without it the
    /// path is a 404, as in production.
    pub dev_clock: bool,
    /// `D1_QUERY_BUDGET`: the D1 statements one cron run may prepare (default 50, Workers Free's
    /// queries per invocation; paid plans allow 1,000).
    pub d1_query_budget: u32,
}

impl Config {
    pub fn from_env(env: &Env) -> Config {
        let secret = |name: &str| env.secret(name).map(|s| s.to_string()).ok().filter(|s| s.len() >= MIN_SECRET_CHARS);
        let var = |name: &str| env.var(name).ok().map(|v| v.to_string());
        let seconds = |name: &str, default: u32| var(name).and_then(|v| v.trim().parse::<u32>().ok()).unwrap_or(default).max(1);
        let d = SessionPolicy::default();
        let secs = |name: &str, default: i64| var(name).and_then(|v| v.trim().parse::<i64>().ok()).filter(|v| *v > 0).unwrap_or(default);
        Config {
            token_secret: secret("TOKEN_SECRET"),
            admin_token: secret("ADMIN_TOKEN"),
            password_pepper: secret("PASSWORD_PEPPER"),
            sessions: SessionPolicy {
                idle_secs: secs("SESSION_IDLE_SECONDS", d.idle_secs),
                absolute_secs: secs("SESSION_ABSOLUTE_SECONDS", d.absolute_secs),
                touch_every_secs: d.touch_every_secs,
            },
            allow_http_destinations: var("ALLOW_HTTP_DESTINATIONS").as_deref() == Some("1"),
            backoff: Backoff { base: seconds("FORWARD_RETRY_BASE_SECONDS", 30), max: seconds("FORWARD_RETRY_MAX_SECONDS", 10_800) },
            forward_retries: seconds("FORWARD_RETRIES", 16),
            site_daily_quota: seconds("SITE_DAILY_QUOTA", 5_000),
            dev_clock: var("DEV_CLOCK").as_deref() == Some("1"),
            d1_query_budget: var("D1_QUERY_BUDGET").and_then(|v| v.trim().parse::<u32>().ok()).filter(|v| *v >= 20).unwrap_or(crate::sla::DEFAULT_BUDGET),
        }
    }

    /// The key of customers' access tokens; without it the customer API cannot work.
    pub fn token_secret(&self) -> Result<&str, ApiError> {
        self.token_secret.as_deref().ok_or(ApiError::Misconfigured("TOKEN_SECRET is missing or shorter than 16 characters"))
    }

    /// The pepper mixed into every password hash; without it staff cannot sign in.
    pub fn password_pepper(&self) -> Result<&str, ApiError> {
        self.password_pepper.as_deref().ok_or(ApiError::Misconfigured("PASSWORD_PEPPER is missing or shorter than 16 characters"))
    }

    /// The operators' token; without one the admin API is off, not open.
    pub fn admin_token(&self) -> Option<&str> {
        self.admin_token.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use qingting_shared::forward::retry_horizon;

    /// `name = value` in `wrangler.toml`'s part that starts at `section` (values as integers).
    fn setting(toml: &str, section: &str, name: &str) -> u32 {
        let part = &toml[toml.find(section).unwrap_or_else(|| panic!("{section} in wrangler.toml"))..];
        let line = part.lines().find(|l| l.trim_start().starts_with(&format!("{name} ="))).unwrap_or_else(|| panic!("{name} after {section}"));
        line.split('=').nth(1).map(|v| v.trim().trim_matches('"')).and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("{line}"))
    }

    #[test]
    fn forwarding_keeps_trying_for_over_a_day_before_its_dead_letter() {
        let toml = include_str!("../wrangler.toml");
        let retries = setting(toml, "queue = \"qingting-forward\"", "max_retries");
        assert_eq!(setting(toml, "[vars]", "FORWARD_RETRIES"), retries, "FORWARD_RETRIES says what the queue does");
        let (base, max) = (setting(toml, "[vars]", "FORWARD_RETRY_BASE_SECONDS"), setting(toml, "[vars]", "FORWARD_RETRY_MAX_SECONDS"));
        // Cloudflare Queues delay a retry by at most 12 hours.
        assert!(max <= 43_200, "{max}");
        let horizon = retry_horizon(retries, base, max);
        assert!(horizon >= 86_400, "retries end after {horizon} s");
    }
}
