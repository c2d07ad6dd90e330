//! Every error code the API answers with, in one list shared by the worker (which sends them) and
//! the widget and console (which match them): `{"error":{"code","message"}}`.
//!
//! Architecture invariant: a code is added here or nowhere. `ValidationError`, the FAQ and
//! destination errors and the worker's `ApiError` all map to an [`ErrorCode`]; the HTTP status
//! belongs to the code, so the same code always answers with the same status.

use crate::str_enum::str_enum;

str_enum! {
    /// A stable, machine-readable error code.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum ErrorCode {
        // Submissions (`ValidationError`).
        MissingField = "missing_field",
        TextEmpty = "text_empty",
        TextTooLong = "text_too_long",
        ControlCharacters = "control_characters",
        InvalidSite = "invalid_site",
        InvalidOrderId = "invalid_order_id",
        ContactTooLong = "contact_too_long",
        /// A contact that would run as a spreadsheet formula.
        InvalidContact = "invalid_contact",
        InvalidLang = "invalid_lang",
        InvalidClientHint = "invalid_client_hint",
        InvalidRegion = "invalid_region",
        MissingIdempotencyKey = "missing_idempotency_key",
        InvalidIdempotencyKey = "invalid_idempotency_key",
        // Request framing.
        UnsupportedMediaType = "unsupported_media_type",
        PayloadTooLarge = "payload_too_large",
        InvalidUtf8 = "invalid_utf8",
        InvalidJson = "invalid_json",
        InvalidQuery = "invalid_query",
        MethodNotAllowed = "method_not_allowed",
        // Resources and access.
        UnknownSite = "unknown_site",
        UnknownEvent = "unknown_event",
        UnknownFaq = "unknown_faq",
        NotFound = "not_found",
        OriginNotAllowed = "origin_not_allowed",
        Unauthorized = "unauthorized",
        AdminUnauthorized = "admin_unauthorized",
        // Staff sign-in.
        InvalidCredentials = "invalid_credentials",
        SignInRequired = "sign_in_required",
        TooManyAttempts = "too_many_attempts",
        /// Over a per-client or per-site rate limit (429, with `Retry-After`).
        RateLimited = "rate_limited",
        /// The site's daily quota is used up (429, with `Retry-After` until the next UTC day).
        QuotaExceeded = "quota_exceeded",
        CrossOrigin = "cross_origin",
        AlreadySetUp = "already_set_up",
        InvalidEmail = "invalid_email",
        InvalidPassword = "invalid_password",
        // Tickets.
        VersionConflict = "version_conflict",
        ActionNotAllowed = "action_not_allowed",
        InvalidAction = "invalid_action",
        UnknownAction = "unknown_action",
        MissingIfMatch = "missing_if_match",
        // Staff, merchants and teams.
        Forbidden = "forbidden",
        WrongPassword = "wrong_password",
        InvalidSetupToken = "invalid_setup_token",
        SetupTokenExpired = "setup_token_expired",
        SetupTokenUsed = "setup_token_used",
        EmailTaken = "email_taken",
        TeamNameTaken = "team_name_taken",
        CannotDeactivateSelf = "cannot_deactivate_self",
        NotInvited = "not_invited",
        // State.
        IdempotencyConflict = "idempotency_conflict",
        CannotReopen = "cannot_reopen",
        /// 催单 again too soon (429, with `Retry-After`).
        UrgeTooSoon = "urge_too_soon",
        /// The survey is not offered, already answered, or closed.
        NotRatable = "not_ratable",
        AlreadyRated = "already_rated",
        InvalidRating = "invalid_rating",
        /// A 预警工单 is finished only after a follow-up (回访) note.
        FollowupRequired = "followup_required",
        // Configuration.
        InvalidDestination = "invalid_destination",
        InvalidFaqPack = "invalid_faq_pack",
        InvalidConfig = "invalid_config",
        // The server's side.
        ServerMisconfigured = "server_misconfigured",
        Internal = "internal",
    }
}

impl ErrorCode {
    /// The HTTP status every answer with this code has.
    pub const fn status(self) -> u16 {
        use ErrorCode::*;
        match self {
            MissingField
            | TextEmpty
            | TextTooLong
            | ControlCharacters
            | InvalidSite
            | InvalidOrderId
            | ContactTooLong
            | InvalidContact
            | InvalidLang
            | InvalidClientHint
            | InvalidRegion
            | MissingIdempotencyKey
            | InvalidIdempotencyKey
            | InvalidUtf8
            | InvalidJson
            | InvalidQuery
            | UnknownEvent
            | InvalidDestination
            | InvalidFaqPack
            | InvalidConfig
            | InvalidEmail
            | InvalidPassword
            | InvalidSetupToken
            | InvalidAction
            | InvalidRating => 400,
            Unauthorized | AdminUnauthorized | InvalidCredentials | SignInRequired => 401,
            OriginNotAllowed | CrossOrigin | Forbidden | WrongPassword => 403,
            UnknownSite | UnknownFaq | NotFound | UnknownAction => 404,
            MethodNotAllowed => 405,
            IdempotencyConflict | CannotReopen | AlreadySetUp | EmailTaken | TeamNameTaken | CannotDeactivateSelf | NotInvited | VersionConflict
            | ActionNotAllowed | NotRatable | AlreadyRated | FollowupRequired => 409,
            SetupTokenExpired | SetupTokenUsed => 410,
            PayloadTooLarge => 413,
            UnsupportedMediaType => 415,
            MissingIfMatch => 428,
            TooManyAttempts | UrgeTooSoon | RateLimited | QuotaExceeded => 429,
            ServerMisconfigured | Internal => 500,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case_and_serde_agrees() {
        let mut seen = std::collections::HashSet::new();
        for &c in ErrorCode::ALL {
            assert!(seen.insert(c.as_str()), "{c} twice");
            assert!(c.as_str().bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'), "{c}");
            assert_eq!(serde_json::to_string(&c).unwrap(), format!("\"{c}\""));
            assert_eq!(ErrorCode::parse(c.as_str()), Some(c));
            assert!((400..600).contains(&c.status()));
        }
        assert_eq!(ErrorCode::parse("nope"), None);
    }
}
