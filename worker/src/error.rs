//! API errors: every failure answers `{"error":{"code","message"}}` with the status of its
//! [`ErrorCode`] (`qingting_shared::api::ErrorCode`, the one list the widget matches too).

use qingting_shared::ErrorCode;
use qingting_shared::ValidationError;
use qingting_shared::accounts::access::Access;
use qingting_shared::accounts::invitation::SetupTokenError;
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
    #[error("too many requests from here for this site; try again in {0} s")]
    RateLimited(i64),
    #[error("this site has received its complaints for today; try again in {0} s")]
    QuotaExceeded(i64),
    #[error("this request must come from Qingting's own pages")]
    CrossOrigin,
    #[error("the first platform admin already exists; sign in instead")]
    AlreadySetUp,
    #[error("the e-mail address is not valid")]
    InvalidEmail,
    #[error(transparent)]
    InvalidPassword(#[from] qingting_shared::accounts::password::PasswordError),
    /// The ticket changed since the version the client sent; the answer carries the current one.
    #[error("此工单已被他人更新 (the ticket was changed by someone else; here is the current version)")]
    VersionConflict(Box<serde_json::Value>),
    #[error("{0}")]
    ActionNotAllowed(String),
    #[error("{0}")]
    InvalidAction(String),
    #[error("no such action (claim, assign, transfer, reply, note, correct, resolve, close, reopen, merge, follow, unfollow)")]
    UnknownAction,
    #[error("send the ticket's version in If-Match (stale writes are refused, never applied)")]
    MissingIfMatch,
    #[error("your role does not allow this")]
    Forbidden,
    #[error("the current password is wrong")]
    WrongPassword,
    #[error("this setup link is not valid")]
    InvalidSetupToken,
    #[error(transparent)]
    SetupToken(#[from] qingting_shared::accounts::invitation::SetupTokenError),
    #[error("someone with this e-mail address already has an account")]
    EmailTaken,
    #[error("this scope already has a team with this name")]
    TeamNameTaken,
    #[error("you cannot deactivate your own account")]
    CannotDeactivateSelf,
    #[error("this user is not waiting for an invitation (already set up, or deactivated)")]
    NotInvited,
    #[error(transparent)]
    Destination(#[from] qingting_shared::forward::DestinationError),
    #[error(transparent)]
    FaqPack(#[from] qingting_shared::faq::FaqError),
    #[error("{0}")]
    InvalidConfig(&'static str),
    #[error(transparent)]
    SlaPolicy(#[from] qingting_shared::workflow::sla::PolicyError),
    #[error(transparent)]
    Calendar(#[from] qingting_shared::workflow::calendar::CalendarError),
    #[error(transparent)]
    Rule(#[from] qingting_shared::workflow::routing::RuleError),
    #[error("催单 was sent a moment ago; try again in {0} s")]
    UrgeTooSoon(i64),
    #[error(transparent)]
    Rating(#[from] qingting_shared::workflow::customer::RatingError),
    #[error("{0}")]
    NotRatable(&'static str),
    #[error("this ticket is already rated")]
    AlreadyRated,
    #[error("a 预警工单 is finished only after a follow-up (回访): add a note or a reply first")]
    FollowupRequired,
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
            ApiError::RateLimited(_) => ErrorCode::RateLimited,
            ApiError::QuotaExceeded(_) => ErrorCode::QuotaExceeded,
            ApiError::UrgeTooSoon(_) => ErrorCode::UrgeTooSoon,
            ApiError::Rating(_) => ErrorCode::InvalidRating,
            ApiError::NotRatable(_) => ErrorCode::NotRatable,
            ApiError::AlreadyRated => ErrorCode::AlreadyRated,
            ApiError::FollowupRequired => ErrorCode::FollowupRequired,
            ApiError::CrossOrigin => ErrorCode::CrossOrigin,
            ApiError::AlreadySetUp => ErrorCode::AlreadySetUp,
            ApiError::InvalidEmail => ErrorCode::InvalidEmail,
            ApiError::InvalidPassword(_) => ErrorCode::InvalidPassword,
            ApiError::VersionConflict(_) => ErrorCode::VersionConflict,
            ApiError::ActionNotAllowed(_) => ErrorCode::ActionNotAllowed,
            ApiError::InvalidAction(_) => ErrorCode::InvalidAction,
            ApiError::UnknownAction => ErrorCode::UnknownAction,
            ApiError::MissingIfMatch => ErrorCode::MissingIfMatch,
            ApiError::Forbidden => ErrorCode::Forbidden,
            ApiError::WrongPassword => ErrorCode::WrongPassword,
            ApiError::InvalidSetupToken => ErrorCode::InvalidSetupToken,
            ApiError::SetupToken(SetupTokenError::Used) => ErrorCode::SetupTokenUsed,
            ApiError::SetupToken(SetupTokenError::Expired) => ErrorCode::SetupTokenExpired,
            ApiError::EmailTaken => ErrorCode::EmailTaken,
            ApiError::TeamNameTaken => ErrorCode::TeamNameTaken,
            ApiError::CannotDeactivateSelf => ErrorCode::CannotDeactivateSelf,
            ApiError::NotInvited => ErrorCode::NotInvited,
            ApiError::Destination(e) => e.code(),
            ApiError::FaqPack(e) => e.code(),
            ApiError::InvalidConfig(_) | ApiError::SlaPolicy(_) | ApiError::Calendar(_) | ApiError::Rule(_) => ErrorCode::InvalidConfig,
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
        let body = ErrorBody::new(self.code(), self.to_string());
        let response = match &self {
            // The stale writer gets the fresh state to show ("此工单已被他人更新"), never a silent overwrite.
            ApiError::VersionConflict(current) => Response::from_json(&serde_json::json!({ "error": body.error, "ticket": current }))?,
            _ => Response::from_json(&body)?,
        }
        .with_status(self.status());
        if let ApiError::TooManyAttempts(secs) | ApiError::UrgeTooSoon(secs) | ApiError::RateLimited(secs) | ApiError::QuotaExceeded(secs) = self {
            response.headers().set("Retry-After", &secs.max(1).to_string())?;
        }
        Ok(response)
    }
}

impl ApiError {
    /// An access decision as the API answers it: hidden targets are `404 not_found` (ids of other
    /// tenants do not leak), visible ones the role does not allow are `403 forbidden`.
    pub fn check(access: Access) -> Result<(), ApiError> {
        match access {
            Access::Allowed => Ok(()),
            Access::Forbidden => Err(ApiError::Forbidden),
            Access::Hidden => Err(ApiError::NotFound),
        }
    }
}

impl From<worker::Error> for ApiError {
    fn from(e: worker::Error) -> Self {
        ApiError::Internal(e.to_string())
    }
}
