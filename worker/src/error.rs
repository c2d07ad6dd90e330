//! API errors: every failure answers `{"error":{"code","message"}}` with a 4xx/5xx status.

use qingting_shared::ValidationError;
use qingting_shared::api::ErrorBody;
use worker::{Response, Result, console_error};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Validation(#[from] ValidationError),
    #[error("the request body must be JSON (Content-Type: application/json)")]
    UnsupportedMediaType,
    #[error("the request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("the request body is not valid UTF-8")]
    InvalidUtf8,
    #[error("the request body is not valid JSON: {0}")]
    InvalidJson(String),
    #[error("no site with this key is registered")]
    UnknownSite,
    #[error("unknown event (known: deflected)")]
    UnknownEvent,
    #[error("no FAQ entry with this id")]
    UnknownFaq,
    #[error("this page's origin is not allowed to submit complaints for this site")]
    OriginNotAllowed,
    #[error("this Idempotency-Key was already used for a different complaint")]
    IdempotencyConflict,
    #[error("a valid access token is required (Authorization: Bearer …)")]
    Unauthorized,
    #[error("not found")]
    NotFound,
    #[error("only an automatically answered ticket can be reopened (this one is: {0})")]
    CannotReopen(&'static str),
    #[error("an admin token is required (Authorization: Bearer …)")]
    AdminUnauthorized,
    #[error(transparent)]
    Destination(#[from] qingting_shared::forward::DestinationError),
    #[error(transparent)]
    FaqPack(#[from] qingting_shared::faq::FaqError),
    #[error("{0}")]
    InvalidConfig(&'static str),
    #[error("this method is not allowed here")]
    MethodNotAllowed,
    /// Details are logged, never sent to the client.
    #[error("the service is not configured correctly")]
    Misconfigured(&'static str),
    /// Details are logged, never sent to the client.
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    pub fn status(&self) -> u16 {
        match self {
            ApiError::Validation(_)
            | ApiError::InvalidUtf8
            | ApiError::InvalidJson(_)
            | ApiError::UnknownEvent
            | ApiError::Destination(_)
            | ApiError::FaqPack(_)
            | ApiError::InvalidConfig(_) => 400,
            ApiError::Unauthorized | ApiError::AdminUnauthorized => 401,
            ApiError::OriginNotAllowed => 403,
            ApiError::UnknownSite | ApiError::NotFound | ApiError::UnknownFaq => 404,
            ApiError::MethodNotAllowed => 405,
            ApiError::IdempotencyConflict | ApiError::CannotReopen(_) => 409,
            ApiError::PayloadTooLarge(_) => 413,
            ApiError::UnsupportedMediaType => 415,
            ApiError::Misconfigured(_) | ApiError::Internal(_) => 500,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Validation(v) => v.code(),
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::PayloadTooLarge(_) => "payload_too_large",
            ApiError::InvalidUtf8 => "invalid_utf8",
            ApiError::InvalidJson(_) => "invalid_json",
            ApiError::UnknownSite => "unknown_site",
            ApiError::UnknownEvent => "unknown_event",
            ApiError::UnknownFaq => "unknown_faq",
            ApiError::OriginNotAllowed => "origin_not_allowed",
            ApiError::IdempotencyConflict => "idempotency_conflict",
            ApiError::Unauthorized => "unauthorized",
            ApiError::NotFound => "not_found",
            ApiError::CannotReopen(_) => "cannot_reopen",
            ApiError::AdminUnauthorized => "admin_unauthorized",
            ApiError::Destination(e) => e.code(),
            ApiError::FaqPack(e) => e.code(),
            ApiError::InvalidConfig(_) => "invalid_config",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::Misconfigured(_) => "server_misconfigured",
            ApiError::Internal(_) => "internal",
        }
    }

    pub fn into_response(self) -> Result<Response> {
        match &self {
            ApiError::Internal(detail) => console_error!("internal: {detail}"),
            ApiError::Misconfigured(what) => console_error!("misconfigured: {what}"),
            _ => {}
        }
        Ok(Response::from_json(&ErrorBody::new(self.code(), self.to_string()))?.with_status(self.status()))
    }
}

impl From<worker::Error> for ApiError {
    fn from(e: worker::Error) -> Self {
        ApiError::Internal(e.to_string())
    }
}
