//! Customer access tokens: `base64url(HMAC-SHA256(TOKEN_SECRET, "complaint:" + id))`; and the
//! keyed fingerprint of a submission that idempotent retries are compared by ([`request_hash`]).
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

/// The prefix of a keyed [`request_hash`]; rows written before it hold a bare SHA-256.
const REQUEST_HASH_V1: &str = "k1:";

/// The fingerprint stored with a complaint to tell an idempotent retry from a reused key:
/// `"k1:" + hex(HMAC-SHA256(TOKEN_SECRET, "request:" + input))`. Keyed, because the row also
/// holds the masked text: an unkeyed hash of the raw submission gives a masked mobile's hidden
/// digits back in 10⁴ guesses.
pub fn request_hash(secret: &str, input: &str) -> String {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(b"request:");
    mac.update(input.as_bytes());
    format!("{REQUEST_HASH_V1}{}", hex::encode(mac.finalize().into_bytes()))
}

/// Whether a stored fingerprint is the one of `input`: keyed ones compared in constant time;
/// a row from before keying (a bare SHA-256 hex) still matches its own retry.
pub fn same_request(secret: &str, stored: &str, input: &str) -> bool {
    use sha2::Digest;
    match stored.strip_prefix(REQUEST_HASH_V1) {
        Some(hex_mac) => match hex::decode(hex_mac) {
            Ok(bytes) => {
                let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
                mac.update(b"request:");
                mac.update(input.as_bytes());
                mac.verify_slice(&bytes).is_ok()
            }
            Err(_) => false,
        },
        None => stored == hex::encode(Sha256::digest(input.as_bytes())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_hashes_are_keyed_and_old_rows_still_match() {
        let (a, b) = ("secret-one-0123456789", "secret-two-0123456789");
        let h = request_hash(a, "site\n我的电话13812345678");
        assert!(h.starts_with("k1:") && h.len() == 3 + 64);
        assert_ne!(h, request_hash(b, "site\n我的电话13812345678"), "another key, another hash");
        assert!(same_request(a, &h, "site\n我的电话13812345678"));
        assert!(!same_request(a, &h, "site\n我的电话13812345679"));
        assert!(!same_request(b, &h, "site\n我的电话13812345678"));
        use sha2::Digest;
        let legacy = hex::encode(Sha256::digest("old".as_bytes()));
        assert!(same_request(a, &legacy, "old") && !same_request(a, &legacy, "new"));
        assert!(!same_request(a, "k1:zz", "old"));
    }
}
