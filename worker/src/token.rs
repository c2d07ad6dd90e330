//! Customer access tokens: `base64url(HMAC-SHA256(TOKEN_SECRET, "complaint:" + id))`.
//!
//! Derived rather than stored, so an idempotent retry can answer the same token again, a leaked
//! database holds no usable tokens, and a wrong token is refused before the database is asked.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &str, complaint_id: &str) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(b"complaint:");
    mac.update(complaint_id.as_bytes());
    mac
}

pub fn issue(secret: &str, complaint_id: &str) -> String {
    URL_SAFE_NO_PAD.encode(mac(secret, complaint_id).finalize().into_bytes())
}

/// Constant-time check of a presented token.
pub fn verify(secret: &str, complaint_id: &str, token: &str) -> bool {
    match URL_SAFE_NO_PAD.decode(token.trim()) {
        Ok(bytes) => mac(secret, complaint_id).verify_slice(&bytes).is_ok(),
        Err(_) => false,
    }
}
