//! WebCrypto through the Workers runtime's global `crypto`: random bytes and PBKDF2-SHA256 (the
//! runtime's native implementation; a Rust PBKDF2 in WASM would spend the CPU budget).

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use sha2::{Digest, Sha256};
use wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;

use crate::error::ApiError;

fn js_err(what: &'static str) -> impl Fn(JsValue) -> ApiError {
    move |e| ApiError::Internal(format!("{what}: {}", e.as_string().unwrap_or_else(|| "a JavaScript error".into())))
}

fn get(target: &JsValue, key: &str) -> Result<JsValue, ApiError> {
    Reflect::get(target, &JsValue::from_str(key)).map_err(js_err("WebCrypto"))
}

fn method(target: &JsValue, key: &str) -> Result<Function, ApiError> {
    get(target, key)?.dyn_into::<Function>().map_err(js_err("WebCrypto method"))
}

fn crypto() -> Result<JsValue, ApiError> {
    get(&js_sys::global(), "crypto")
}

/// `n` bytes from `crypto.getRandomValues`.
pub fn random_bytes(n: u32) -> Result<Vec<u8>, ApiError> {
    let crypto = crypto()?;
    let array = Uint8Array::new_with_length(n);
    method(&crypto, "getRandomValues")?.call1(&crypto, &array).map_err(js_err("getRandomValues"))?;
    Ok(array.to_vec())
}

/// Hex of SHA-256: how session tokens are stored.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// PBKDF2-SHA256 of `password` with `salt`, `iterations` rounds, `key_bytes` long.
pub async fn pbkdf2_sha256(password: &[u8], salt: &[u8], iterations: u32, key_bytes: u32) -> Result<Vec<u8>, ApiError> {
    let subtle = get(&crypto()?, "subtle")?;
    let args = Array::of5(
        &JsValue::from_str("raw"),
        &Uint8Array::from(password),
        &JsValue::from_str("PBKDF2"),
        &JsValue::FALSE,
        &Array::of1(&JsValue::from_str("deriveBits")),
    );
    let imported = method(&subtle, "importKey")?.apply(&subtle, &args).map_err(js_err("importKey"))?;
    let key = JsFuture::from(imported.dyn_into::<Promise>().map_err(js_err("importKey"))?).await.map_err(js_err("importKey"))?;
    let params = Object::new();
    for (k, v) in [
        ("name", JsValue::from_str("PBKDF2")),
        ("hash", JsValue::from_str("SHA-256")),
        ("salt", Uint8Array::from(salt).into()),
        ("iterations", JsValue::from(iterations)),
    ] {
        Reflect::set(&params, &JsValue::from_str(k), &v).map_err(js_err("PBKDF2 parameters"))?;
    }
    let derived = method(&subtle, "deriveBits")?.call3(&subtle, &params, &key, &JsValue::from(key_bytes * 8)).map_err(js_err("deriveBits"))?;
    let bits = JsFuture::from(derived.dyn_into::<Promise>().map_err(js_err("deriveBits"))?).await.map_err(js_err("deriveBits"))?;
    Ok(Uint8Array::new(&bits).to_vec())
}

/// `promise` awaited, as an error naming `what` when it rejects.
async fn settle(value: JsValue, what: &'static str) -> Result<JsValue, ApiError> {
    JsFuture::from(value.dyn_into::<Promise>().map_err(js_err(what))?).await.map_err(js_err(what))
}

/// AES-256-GCM with WebCrypto: `encrypt` (true) or `decrypt` `data` under the 32-byte `key` and
/// the 12-byte `iv`. A tampered or foreign ciphertext fails to decrypt (the tag is checked).
pub async fn aes_gcm(encrypt: bool, key: &[u8], iv: &[u8], data: &[u8]) -> Result<Vec<u8>, ApiError> {
    let subtle = get(&crypto()?, "subtle")?;
    let usage = if encrypt { "encrypt" } else { "decrypt" };
    let args = Array::of5(&JsValue::from_str("raw"), &Uint8Array::from(key), &JsValue::from_str("AES-GCM"), &JsValue::FALSE, &Array::of1(&JsValue::from_str(usage)));
    let key = settle(method(&subtle, "importKey")?.apply(&subtle, &args).map_err(js_err("importKey"))?, "importKey").await?;
    let params = Object::new();
    Reflect::set(&params, &JsValue::from_str("name"), &JsValue::from_str("AES-GCM")).map_err(js_err("AES-GCM parameters"))?;
    Reflect::set(&params, &JsValue::from_str("iv"), &Uint8Array::from(iv)).map_err(js_err("AES-GCM parameters"))?;
    let done = method(&subtle, usage)?.call3(&subtle, &params, &key, &Uint8Array::from(data)).map_err(js_err("AES-GCM"))?;
    Ok(Uint8Array::new(&settle(done, "AES-GCM").await?).to_vec())
}
