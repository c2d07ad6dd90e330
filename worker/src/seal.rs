//! Secrets and contacts at rest: destinations' and chat channels' URLs and secrets (a bot's URL
//! carries its token) and customers' contacts are stored sealed with AES-256-GCM (WebCrypto) under
//! the Worker secret `ENCRYPTION_KEY`, as `qtenc1:<key id>:<base64url(iv ‖ ciphertext ‖ tag)>`.
//! The key id (the first 8 hex digits of the key's SHA-256) names the key a value was sealed
//! with, so the key can rotate: put the new key in `ENCRYPTION_KEY` and the old one in
//! `ENCRYPTION_KEY_PREVIOUS`; values are opened with either and sealed with the new one when
//! next written. Values stored before sealing existed (no `qtenc1:` prefix) are read as they are.
//!
//! Invariant: every entry point (`fetch`, `queue`, `scheduled` in `lib.rs`) calls [`init`] first;
//! the store modules then [`seal`] on write and [`open`] on read without carrying `Env` around.

use std::cell::RefCell;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use worker::Env;

use crate::error::ApiError;

const PREFIX: &str = "qtenc1:";

/// A 32-byte AES key and its id.
#[derive(Clone)]
struct Key {
    id: String,
    raw: Vec<u8>,
}

impl Key {
    /// A key from its base64 (standard or URL-safe, padded or not) form: exactly 32 bytes.
    fn parse(text: &str) -> Option<Key> {
        let t = text.trim().trim_end_matches('=').replace('+', "-").replace('/', "_");
        let raw = URL_SAFE_NO_PAD.decode(t).ok().filter(|k| k.len() == 32)?;
        Some(Key { id: crate::crypto::sha256_hex(&raw)[..8].to_string(), raw })
    }
}

#[derive(Clone, Default)]
struct Keys {
    current: Option<Key>,
    previous: Option<Key>,
}

thread_local! {
    static KEYS: RefCell<Keys> = RefCell::new(Keys::default());
}

/// Reads `ENCRYPTION_KEY` (and `ENCRYPTION_KEY_PREVIOUS`) for this invocation.
pub fn init(env: &Env) {
    let read = |name: &str| env.secret(name).ok().and_then(|s| Key::parse(&s.to_string()));
    let keys = Keys { current: read("ENCRYPTION_KEY"), previous: read("ENCRYPTION_KEY_PREVIOUS") };
    KEYS.with(|k| *k.borrow_mut() = keys);
}

fn current() -> Result<Key, ApiError> {
    KEYS.with(|k| k.borrow().current.clone())
        .ok_or(ApiError::Misconfigured("ENCRYPTION_KEY is missing or not 32 bytes of base64 (see README: Deploying)"))
}

fn by_id(id: &str) -> Option<Key> {
    KEYS.with(|k| {
        let k = k.borrow();
        [&k.current, &k.previous].into_iter().flatten().find(|key| key.id == id).cloned()
    })
}

/// `plain` sealed under the current key.
pub async fn seal(plain: &str) -> Result<String, ApiError> {
    let key = current()?;
    let iv = crate::crypto::random_bytes(12)?;
    let sealed = crate::crypto::aes_gcm(true, &key.raw, &iv, plain.as_bytes()).await?;
    Ok(format_sealed(&key.id, &iv, &sealed))
}

/// An optional value sealed ([`seal`]).
pub async fn seal_opt(plain: Option<&str>) -> Result<Option<String>, ApiError> {
    match plain {
        Some(p) => Ok(Some(seal(p).await?)),
        None => Ok(None),
    }
}

/// A stored value opened: sealed ones decrypted with the key they name, others as they are.
pub async fn open(stored: &str) -> Result<String, ApiError> {
    let Some((id, iv, sealed)) = parse_sealed(stored) else { return Ok(stored.to_string()) };
    let key = by_id(&id).ok_or(ApiError::Misconfigured("a stored value is sealed with a key that is neither ENCRYPTION_KEY nor ENCRYPTION_KEY_PREVIOUS"))?;
    let plain = crate::crypto::aes_gcm(false, &key.raw, &iv, &sealed).await?;
    String::from_utf8(plain).map_err(|_| ApiError::Internal("a sealed value is not UTF-8".into()))
}

/// An optional stored value opened ([`open`]).
pub async fn open_opt(stored: Option<String>) -> Result<Option<String>, ApiError> {
    match stored {
        Some(s) => Ok(Some(open(&s).await?)),
        None => Ok(None),
    }
}

fn format_sealed(key_id: &str, iv: &[u8], sealed: &[u8]) -> String {
    let mut bytes = iv.to_vec();
    bytes.extend_from_slice(sealed);
    format!("{PREFIX}{key_id}:{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// `(key id, iv, ciphertext with tag)` of a sealed value; `None` for a plain one.
fn parse_sealed(stored: &str) -> Option<(String, Vec<u8>, Vec<u8>)> {
    let (id, body) = stored.strip_prefix(PREFIX)?.split_once(':')?;
    let bytes = URL_SAFE_NO_PAD.decode(body).ok()?;
    // 12 bytes of iv and at least the 16-byte tag.
    (bytes.len() >= 28 && id.len() == 8).then(|| (id.to_string(), bytes[..12].to_vec(), bytes[12..].to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_round_trip_their_format_and_plain_ones_pass() {
        let s = format_sealed("0a1b2c3d", &[7; 12], &[9; 20]);
        assert!(s.starts_with("qtenc1:0a1b2c3d:"));
        assert_eq!(parse_sealed(&s), Some(("0a1b2c3d".into(), vec![7; 12], vec![9; 20])));
        for plain in ["https://hooks.example.cn/x", "qtenc1:short", "qtenc1:0a1b2c3d:AAAA", "13812345678"] {
            assert_eq!(parse_sealed(plain), None, "{plain}");
        }
    }

    #[test]
    fn keys_are_32_bytes_of_base64_with_a_stable_id() {
        let b64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
        let k = Key::parse(b64).expect("a key");
        assert_eq!(k.raw, (0u8..32).collect::<Vec<_>>());
        assert_eq!(k.id, crate::crypto::sha256_hex(&k.raw)[..8]);
        assert_eq!(Key::parse("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8").map(|k| k.id), Some(k.id.clone()), "unpadded");
        assert!(Key::parse("c2hvcnQ=").is_none(), "too short");
        assert!(Key::parse("not base64 at all!").is_none());
    }
}
