//! Signatures: the generic webhook's HMAC-SHA256 and the Feishu/DingTalk bots' "加签". Compiled
//! only with the `signing` feature (the worker and the CLI enable it; the widget cannot link it).
//!
//! # Verifying the generic webhook
//!
//! Every request carries
//!
//! ```text
//! Qingting-Delivery: <ticket id>/<destination id>    (the idempotency key, same on every retry)
//! Qingting-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
//! ```
//!
//! A receiver recomputes the HMAC over the raw body bytes with its secret, compares in constant
//! time, refuses timestamps more than 5 minutes old, and treats a repeated `Qingting-Delivery` as
//! already handled. [`verify_signature`] is that check.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::forward::SIGNATURE_TOLERANCE_SECS;

type HmacSha256 = Hmac<Sha256>;

fn hmac(key: &[u8], message: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(message);
    mac
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    bytes.iter().flat_map(|b| [HEX[(b >> 4) as usize] as char, HEX[(b & 15) as usize] as char]).collect()
}

/// `t=<unix>,v1=<hex HMAC-SHA256(secret, "<unix>.<body>")>`.
pub fn sign_webhook(secret: &str, unix: i64, body: &str) -> String {
    let mut mac = hmac(secret.as_bytes(), unix.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("t={unix},v1={}", hex(&mac.finalize().into_bytes()))
}

/// Why a webhook signature is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the signature header is malformed")]
    Malformed,
    #[error("the signed timestamp is too old or in the future")]
    Stale,
    #[error("the signature does not match")]
    Mismatch,
}

/// The receiver's check (see the module docs): constant-time, with a timestamp tolerance.
pub fn verify_signature(secret: &str, header: &str, body: &[u8], now_unix: i64) -> Result<(), SignatureError> {
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => v1 = Some(v),
            _ => {}
        }
    }
    let (t, v1) = t.zip(v1).ok_or(SignatureError::Malformed)?;
    if now_unix.abs_diff(t) > SIGNATURE_TOLERANCE_SECS as u64 {
        return Err(SignatureError::Stale);
    }
    let given: Option<Vec<u8>> = (v1.len() == 64).then(|| (0..32).map(|i| u8::from_str_radix(v1.get(2 * i..2 * i + 2)?, 16).ok()).collect()).flatten();
    let given = given.ok_or(SignatureError::Malformed)?;
    let mut mac = hmac(secret.as_bytes(), t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&given).map_err(|_| SignatureError::Mismatch)
}

/// Feishu's and DingTalk's bot signature: base64(HMAC-SHA256(key, message)) where Feishu keys with
/// `"<timestamp>\n<secret>"` over an empty message and DingTalk keys with the secret over that
/// string.
pub(crate) fn bot_sign(key: &[u8], message: &[u8]) -> String {
    STANDARD.encode(hmac(key, message).finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_a_known_vector() {
        // Computed independently: printf '1700000000.{}' | openssl dgst -sha256 -hmac 'whsec_test_secret_1234'
        assert_eq!(
            sign_webhook("whsec_test_secret_1234", 1_700_000_000, "{}"),
            "t=1700000000,v1=2fb01aab0eb1e3e78493a18ddf95bde15736cc152f8907f93f6862f73d56ff5e"
        );
    }
}
