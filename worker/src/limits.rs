//! Rate limits on the public endpoints, checked before the first D1 call: per client and site (a
//! burst from one place), and per site (a burst from many). Both are Workers Rate Limiting
//! bindings (`[[ratelimits]]` in `wrangler.toml`; they run under `wrangler dev` too), counted per
//! Cloudflare location over 60 s. Over a limit the answer is `429 rate_limited` with
//! `Retry-After: 60`; the widget waits that long and keeps the draft.
//!
//! Each site also has a daily quota (`SITE_DAILY_QUOTA` complaints per UTC day, default 5,000;
//! counted in `site_quota_days` in the same batch as each complaint): past it, intake answers
//! `429 quota_exceeded` until the next UTC day, and the platform's team channels are told once a
//! day per site.
//!
//! The client is `CF-Connecting-IP`, which Cloudflare sets on every request from the internet. A
//! loopback address only occurs in local development (workerd fills it in when the header is
//! missing): those requests are limited per site but not per client, so local tools and tests that
//! submit from one machine are not throttled as one person.

use worker::{Env, Request, console_error};

use crate::error::ApiError;

/// Per client and site: complaints, and FAQ events, each in their own count.
pub const CLIENT_BINDING: &str = "CLIENT_LIMIT";
/// Per site, whoever sends.
pub const SITE_BINDING: &str = "SITE_LIMIT";
/// The bindings' period, in seconds (10 or 60 are the ones Cloudflare offers).
pub const PERIOD_SECS: i64 = 60;

/// What is being counted: the key's prefix, so each endpoint has its own allowance.
#[derive(Clone, Copy)]
pub enum Counted {
    Complaint,
    Event,
}

impl Counted {
    fn prefix(self) -> &'static str {
        match self {
            Counted::Complaint => "c",
            Counted::Event => "e",
        }
    }
}

/// The client's address, when it is not loopback.
fn client(req: &Request) -> Option<String> {
    let ip = req.headers().get("CF-Connecting-IP").ok().flatten()?;
    let ip = ip.trim();
    let loopback = ip.starts_with("127.") || ip == "::1" || ip == "::ffff:127.0.0.1";
    (!ip.is_empty() && !loopback).then(|| ip.to_string())
}

/// Counts one request for `site` and refuses it when over either limit. A limiter that fails (a
/// missing binding, a runtime error) lets the request through and is logged: a limit must never
/// lose a complaint.
pub async fn check(env: &Env, req: &Request, site: &str, what: Counted) -> Result<(), ApiError> {
    // `RATE_LIMITS = "off"`: for `cargo xtask bench-load`'s comparison only; never set it in production.
    if env.var("RATE_LIMITS").is_ok_and(|v| v.to_string() == "off") {
        return Ok(());
    }
    let mut keys = vec![(SITE_BINDING, format!("{}:{site}", what.prefix()))];
    if let Some(ip) = client(req) {
        keys.push((CLIENT_BINDING, format!("{}:{site}:{ip}", what.prefix())));
    }
    for (binding, key) in keys {
        match env.rate_limiter(binding) {
            Ok(limiter) => match limiter.limit(key).await {
                Ok(outcome) if !outcome.success => return Err(ApiError::RateLimited(PERIOD_SECS)),
                Ok(_) => {}
                Err(e) => console_error!("rate limiter {binding} failed, request let through: {e}"),
            },
            Err(e) => console_error!("rate limiter {binding} is not bound, request let through: {e}"),
        }
    }
    Ok(())
}

/// The site's complaints today against its daily quota: `429 quota_exceeded` (with the seconds
/// until the next UTC day) once reached; the first refusal of the day tells the platform.
pub async fn daily_quota(env: &Env, db: &worker::D1Database, site: &str, quota: u32) -> Result<(), ApiError> {
    #[derive(serde::Deserialize)]
    struct Used {
        used: f64,
    }
    let now = js_sys::Date::new_0();
    let day: String = now.to_iso_string().as_string().unwrap_or_default().chars().take(10).collect();
    let used = crate::store::query!(db, "SELECT used FROM site_quota_days WHERE site_key = ?1 AND day = ?2", site, &day)?.first::<Used>(None).await?;
    if used.is_none_or(|u| u.used < f64::from(quota)) {
        return Ok(());
    }
    let first = crate::store::query!(db, "UPDATE site_quota_days SET alerted = 1 WHERE site_key = ?1 AND day = ?2 AND alerted = 0", site, &day)?.run().await?;
    if crate::store::changes(&first) == 1 {
        crate::forward::tell_platform(env, db, qingting_shared::forward::notice::NoticeKind::Quota, &format!("{site} {quota}"), &format!("quota/{day}/{site}")).await;
    }
    let ms = now.get_time() as i64;
    let next_day = (ms / 86_400_000 + 1) * 86_400_000;
    Err(ApiError::QuotaExceeded(((next_day - ms) / 1000).max(1)))
}
