//! API errors: every failure answers `{"error":{"code","message"}}` with the status of its
//! [`ErrorCode`] (`qingting_shared::api::ErrorCode`, the one list the widget matches too).

use qingting_shared::ErrorCode;
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
    #[error("the query string is not valid: {0}")]
    InvalidQuery(String),
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
    #[error("the e-mail address or the password is wrong")]
    InvalidCredentials,
    #[error("sign in first")]
    SignInRequired,
    #[error("too many failed sign-ins; try again in {0} s")]
    TooManyAttempts(i64),
    #[error("this request must come from Qingting's own pages")]
    CrossOrigin,
    #[error("the first platform admin already exists; sign in instead")]
    AlreadySetUp,
    #[error("the e-mail address is not valid")]
    InvalidEmail,
    #[error(transparent)]
    InvalidPassword(#[from] qingting_shared::accounts::password::PasswordError),
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
    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::Validation(v) => v.code(),
            ApiError::UnsupportedMediaType => ErrorCode::UnsupportedMediaType,
            ApiError::PayloadTooLarge(_) => ErrorCode::PayloadTooLarge,
            ApiError::InvalidUtf8 => ErrorCode::InvalidUtf8,
            ApiError::InvalidJson(_) => ErrorCode::InvalidJson,
            ApiError::InvalidQuery(_) => ErrorCode::InvalidQuery,
            ApiError::UnknownSite => ErrorCode::UnknownSite,
            ApiError::UnknownEvent => ErrorCode::UnknownEvent,
            ApiError::UnknownFaq => ErrorCode::UnknownFaq,
            ApiError::OriginNotAllowed => ErrorCode::OriginNotAllowed,
            ApiError::IdempotencyConflict => ErrorCode::IdempotencyConflict,
            ApiError::Unauthorized => ErrorCode::Unauthorized,
            ApiError::NotFound => ErrorCode::NotFound,
            ApiError::CannotReopen(_) => ErrorCode::CannotReopen,
            ApiError::AdminUnauthorized => ErrorCode::AdminUnauthorized,
            ApiError::InvalidCredentials => ErrorCode::InvalidCredentials,
            ApiError::SignInRequired => ErrorCode::SignInRequired,
            ApiError::TooManyAttempts(_) => ErrorCode::TooManyAttempts,
            ApiError::CrossOrigin => ErrorCode::CrossOrigin,
            ApiError::AlreadySetUp => ErrorCode::AlreadySetUp,
            ApiError::InvalidEmail => ErrorCode::InvalidEmail,
            ApiError::InvalidPassword(_) => ErrorCode::InvalidPassword,
            ApiError::Destination(e) => e.code(),
            ApiError::FaqPack(e) => e.code(),
            ApiError::InvalidConfig(_) => ErrorCode::InvalidConfig,
            ApiError::MethodNotAllowed => ErrorCode::MethodNotAllowed,
            ApiError::Misconfigured(_) => ErrorCode::ServerMisconfigured,
            ApiError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The code's status: one code, one status.
    pub fn status(&self) -> u16 {
        self.code().status()
    }

    pub fn into_response(self) -> Result<Response> {
        match &self {
            ApiError::Internal(detail) => console_error!("internal: {detail}"),
            ApiError::Misconfigured(what) => console_error!("misconfigured: {what}"),
            _ => {}
        }
        let response = Response::from_json(&ErrorBody::new(self.code(), self.to_string()))?.with_status(self.status());
        if let ApiError::TooManyAttempts(secs) = self {
            response.headers().set("Retry-After", &secs.max(1).to_string())?;
        }
        Ok(response)
    }
}

impl From<worker::Error> for ApiError {
    fn from(e: worker::Error) -> Self {
        ApiError::Internal(e.to_string())
    }
}
