//! The draft and the kept tickets in `localStorage` (the Qingting origin's: the panel runs in its
//! frame), one entry each per site (formats: `draft::Draft`, `space`), and new idempotency keys.

use crate::draft::Draft;

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Whether this browser lets the panel keep anything: a browser that blocks third-party storage
/// (the panel is a frame on Qingting's origin) denies it, and then drafts and 我的投诉 last only
/// while the page is open.
pub fn persistent() -> bool {
    storage().is_some()
}

fn draft_key(site: &str) -> String {
    format!("qingting:draft:{site}")
}

fn kept_key(site: &str) -> String {
    format!("qingting:tickets:{site}")
}

/// The tickets this browser keeps for 我的投诉 (`crate::space`), expired ones left out.
pub fn kept(site: &str, keep_days: u32) -> Vec<crate::space::Kept> {
    let raw = storage().and_then(|s| s.get_item(&kept_key(site)).ok().flatten()).unwrap_or_default();
    crate::space::decode(&raw, now_ms(), keep_days)
}

pub fn save_kept(site: &str, list: &[crate::space::Kept]) {
    if let Some(s) = storage() {
        let _ = s.set_item(&kept_key(site), &crate::space::encode(list));
    }
}

/// Milliseconds since the epoch as an integer: formatting or parsing an `f64` would pull float
/// formatting code (≈ 20 KB brotli) into the widget.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// The site's saved draft; an expired or unreadable one is removed.
pub fn load(site: &str) -> Draft {
    let Some(raw) = storage().and_then(|s| s.get_item(&draft_key(site)).ok().flatten()) else {
        return Draft::default();
    };
    Draft::decode(&raw, now_ms()).unwrap_or_else(|| {
        clear(site);
        Draft::default()
    })
}

pub fn save(site: &str, draft: &Draft) {
    if let Some(s) = storage() {
        let _ = s.set_item(&draft_key(site), &draft.encode(now_ms()));
    }
}

pub fn clear(site: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(&draft_key(site));
    }
}

/// 128 random bits as hex. `crypto.getRandomValues` works on plain-HTTP pages too, unlike
/// `crypto.randomUUID`.
pub fn new_idempotency_key() -> String {
    let mut bytes = [0u8; 16];
    let ok = web_sys::window().and_then(|w| w.crypto().ok()).is_some_and(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !ok {
        // No Web Crypto at all: time plus Math.random, still unique enough per device.
        let t = js_sys::Date::now() as u64;
        bytes[..8].copy_from_slice(&t.to_le_bytes());
        bytes[8..].copy_from_slice(&((js_sys::Math::random() * 2f64.powi(53)) as u64).to_le_bytes());
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
