//! Reading requests, one way for every route: JSON bodies under a byte cap that holds for chunked
//! bodies too, query strings, path ids, the `Origin` header.

use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use worker::{Request, RouteContext};

use crate::error::ApiError;

/// How a route reads its JSON body.
#[derive(Clone, Copy, Debug)]
pub struct JsonBody {
    /// Largest accepted body.
    pub max_bytes: usize,
    /// Refuse bodies not declared `application/json` (415).
    pub require_content_type: bool,
}

impl JsonBody {
    /// A JSON body of at most `max_bytes`, declared as JSON.
    pub const fn json(max_bytes: usize) -> JsonBody {
        JsonBody { max_bytes, require_content_type: true }
    }

    /// Checks the content type and the declared size, then reads the body keeping at most
    /// `max_bytes` (also when no `Content-Length` is sent: past the cap nothing more is kept and
    /// the answer is `413`), then UTF-8, then JSON.
    pub async fn read<T: DeserializeOwned>(self, req: &mut Request) -> Result<T, ApiError> {
        if self.require_content_type {
            let content_type = req.headers().get("Content-Type")?.unwrap_or_default();
            if !content_type.to_ascii_lowercase().starts_with("application/json") {
                return Err(ApiError::UnsupportedMediaType);
            }
        }
        let declared = req.headers().get("Content-Length")?.and_then(|v| v.trim().parse::<usize>().ok());
        if declared.is_some_and(|n| n > self.max_bytes) {
            return Err(ApiError::PayloadTooLarge(self.max_bytes));
        }
        let body = read_capped(req, self.max_bytes).await?;
        let text = std::str::from_utf8(&body).map_err(|_| ApiError::InvalidUtf8)?;
        serde_json::from_str(text).map_err(|e| ApiError::InvalidJson(e.to_string()))
    }
}

/// After the cap is passed, up to this much more is read and dropped before answering, so that a
/// client still sending gets its `413` instead of a broken connection (memory stays bounded: only
/// `max` bytes are ever kept).
const DRAIN_BYTES: usize = 1024 * 1024;

/// The body's bytes, refusing it once more than `max` have arrived. A request without a body
/// reads as empty.
async fn read_capped(req: &mut Request, max: usize) -> Result<Vec<u8>, ApiError> {
    if req.inner().body().is_none() {
        return Ok(Vec::new());
    }
    let mut stream = req.stream()?;
    let mut body = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            // The client gave up while we were draining an oversize body: it is still oversize.
            Err(_) if seen > max => break,
            Err(e) => return Err(e.into()),
        };
        seen = seen.saturating_add(chunk.len());
        if seen > max + DRAIN_BYTES {
            break;
        }
        if seen <= max {
            body.extend_from_slice(&chunk);
        }
    }
    if seen > max {
        return Err(ApiError::PayloadTooLarge(max));
    }
    Ok(body)
}

/// The query string as `T`; a malformed one is `invalid_query`.
pub fn query<T: DeserializeOwned>(req: &Request) -> Result<T, ApiError> {
    req.query().map_err(|e| ApiError::InvalidQuery(e.to_string()))
}

/// The path parameter `name` when it is a UUID; anything else is `not_found` (ids do not leak
/// which rows exist).
pub fn uuid_param<'a>(ctx: &'a RouteContext<()>, name: &str) -> Result<&'a str, ApiError> {
    let id = ctx.param(name).ok_or(ApiError::NotFound)?;
    uuid::Uuid::try_parse(id).map_err(|_| ApiError::NotFound)?;
    Ok(id)
}

/// The request's `Origin` header.
pub fn origin(req: &Request) -> Result<Option<String>, ApiError> {
    Ok(req.headers().get("Origin")?)
}

/// This worker's own origin, as the request reached it (`https://qingting.example`).
pub fn own_origin(req: &Request) -> Result<String, ApiError> {
    Ok(req.url()?.origin().ascii_serialization())
}
