//! The intake contract: what a client submits, and its validation.
//!
//! The worker validates every submission with [`ComplaintSubmission::validate`] before anything is
//! stored; the widget runs the same checks before sending, so a customer sees the same rule in the
//! same words on both sides.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::api::ErrorCode;
use crate::lang::Lang;
use crate::taxonomy::Priority;
use crate::understand::text::{char_len, is_blank, is_format};

/// Longest complaint text, in characters.
pub const MAX_TEXT_CHARS: usize = 2_000;
/// Longest order id, in characters.
pub const MAX_ORDER_ID_CHARS: usize = 64;
/// Longest contact (phone, e-mail, name), in characters.
pub const MAX_CONTACT_CHARS: usize = 100;
/// Longest site key.
pub const MAX_SITE_CHARS: usize = 64;
/// Bounds of an `Idempotency-Key` header value.
pub const IDEMPOTENCY_KEY_CHARS: std::ops::RangeInclusive<usize> = 8..=128;

/// The classifier's answer as the client saw it (a hint, never trusted; kept for comparison).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientHint {
    pub category: Option<String>,
    pub priority: Option<String>,
}

/// A complaint as submitted on the wire (`POST /v1/complaints`). Every field is optional here so
/// that a missing one is reported by name by [`validate`](Self::validate).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintSubmission {
    pub site: Option<String>,
    pub text: Option<String>,
    pub order_id: Option<String>,
    pub contact: Option<String>,
    pub lang: Option<String>,
    pub client: Option<ClientHint>,
    /// Where the customer is (a city or district), when the merchant's page knows it; counted
    /// by the dashboards' region breakdown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// A submission that passed validation: trimmed, within limits, language resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidComplaint {
    pub site: String,
    pub text: String,
    pub order_id: Option<String>,
    pub contact: Option<String>,
    pub lang: Lang,
    pub client_category: Option<String>,
    pub client_priority: Option<Priority>,
    /// Empty when not given.
    pub region: String,
}

/// Why a submission was refused. Each variant has a stable machine-readable [`code`](Self::code).
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum ValidationError {
    #[error("the field `{0}` is required")]
    MissingField(&'static str),
    #[error("the complaint text is empty")]
    TextEmpty,
    #[error("the complaint text has {got} characters; at most {max} are allowed")]
    TextTooLong { got: usize, max: usize },
    #[error("the field `{field}` contains control characters")]
    ControlCharacters { field: &'static str },
    #[error("the site key is not valid (1–64 characters: a–z, 0–9, `-`, `_`)")]
    InvalidSite,
    #[error("the order id is not valid (at most 64 characters: letters, digits and - _ # . / :)")]
    InvalidOrderId,
    #[error("the contact has {got} characters; at most {max} are allowed")]
    ContactTooLong { got: usize, max: usize },
    #[error("the contact cannot start with = or @, nor with + or - unless a phone number follows")]
    InvalidContact,
    #[error("the language `{0}` is not supported (zh-CN, zh-TW, en)")]
    InvalidLang(String),
    #[error("the client hint is not valid: {0}")]
    InvalidClientHint(&'static str),
    #[error("the region has at most {} characters and no control characters", crate::analytics::dims::MAX_REGION_CHARS)]
    InvalidRegion,
    #[error("the Idempotency-Key header is required")]
    MissingIdempotencyKey,
    #[error("the Idempotency-Key must be 8–128 characters of A–Z, a–z, 0–9, `-`, `_`, `:`")]
    InvalidIdempotencyKey,
}

impl ValidationError {
    /// The stable error code sent to clients (`{"error":{"code": …}}`).
    pub fn code(&self) -> ErrorCode {
        match self {
            ValidationError::MissingField(_) => ErrorCode::MissingField,
            ValidationError::TextEmpty => ErrorCode::TextEmpty,
            ValidationError::TextTooLong { .. } => ErrorCode::TextTooLong,
            ValidationError::ControlCharacters { .. } => ErrorCode::ControlCharacters,
            ValidationError::InvalidSite => ErrorCode::InvalidSite,
            ValidationError::InvalidOrderId => ErrorCode::InvalidOrderId,
            ValidationError::ContactTooLong { .. } => ErrorCode::ContactTooLong,
            ValidationError::InvalidContact => ErrorCode::InvalidContact,
            ValidationError::InvalidLang(_) => ErrorCode::InvalidLang,
            ValidationError::InvalidClientHint(_) => ErrorCode::InvalidClientHint,
            ValidationError::InvalidRegion => ErrorCode::InvalidRegion,
            ValidationError::MissingIdempotencyKey => ErrorCode::MissingIdempotencyKey,
            ValidationError::InvalidIdempotencyKey => ErrorCode::InvalidIdempotencyKey,
        }
    }
}

/// Characters refused in free text, decided by general category: controls (Cc) other than tab and
/// line breaks; format characters (Cf: direction marks and overrides, zero-width spaces, the soft
/// hyphen, U+061C, U+206A–206F, tags) except the joiners emoji and some scripts are written with
/// (U+200C, U+200D: 🤦‍♀️, 👨‍🍳) and the tags of a flag's tag sequence (🏴 + tags + U+E007F);
/// and the line and paragraph separators (U+2028, U+2029), which start new lines where a `\n`
/// would be refused.
fn has_bad_controls(s: &str) -> bool {
    // `flag`: just after U+1F3F4; `open`: inside its tags, before the cancel tag U+E007F.
    let (mut flag, mut open) = (false, false);
    for c in s.chars() {
        if flag || open {
            if ('\u{E0020}'..='\u{E007E}').contains(&c) {
                open = true;
                continue;
            }
            if open {
                if c != '\u{E007F}' {
                    return true;
                }
                (flag, open) = (false, false);
                continue;
            }
            flag = false;
        }
        match c {
            '\u{1F3F4}' => flag = true,
            '\u{200C}' | '\u{200D}' => {}
            _ if (c.is_control() && !matches!(c, '\n' | '\r' | '\t')) || is_format(c) || matches!(c, '\u{2028}' | '\u{2029}') => return true,
            _ => {}
        }
    }
    // A tag sequence left unfinished.
    open
}

/// Whether a contact could run as a spreadsheet formula once exported (`=cmd|…`, `@SUM(…)`,
/// `+cmd|…`, `-2+3+cmd|…`). A phone number may start with `+` or `-`: after them only digits,
/// spaces, hyphens and brackets are allowed.
fn looks_like_formula(contact: &str) -> bool {
    match contact.chars().next() {
        Some('=' | '@') => true,
        Some('+' | '-') => !contact[1..].chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')')),
        _ => false,
    }
}

fn optional(value: Option<&String>) -> Option<&str> {
    value.map(|v| v.trim()).filter(|v| !v.is_empty())
}

/// Checks the complaint text alone (the widget uses this while the customer types).
pub fn validate_text(text: &str) -> Result<&str, ValidationError> {
    let text = text.trim();
    // A text of only blank characters (U+3164, U+2800, variation selectors …) looks empty.
    if !text.chars().any(|c| !is_blank(c)) {
        return Err(ValidationError::TextEmpty);
    }
    let got = char_len(text);
    if got > MAX_TEXT_CHARS {
        return Err(ValidationError::TextTooLong { got, max: MAX_TEXT_CHARS });
    }
    if has_bad_controls(text) {
        return Err(ValidationError::ControlCharacters { field: "text" });
    }
    Ok(text)
}

/// Checks an `Idempotency-Key` header value.
pub fn validate_idempotency_key(key: Option<&str>) -> Result<&str, ValidationError> {
    let key = key.map(str::trim).filter(|k| !k.is_empty()).ok_or(ValidationError::MissingIdempotencyKey)?;
    let ok = IDEMPOTENCY_KEY_CHARS.contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':'));
    if ok { Ok(key) } else { Err(ValidationError::InvalidIdempotencyKey) }
}

/// Checks a site key's form (whether the site exists is the worker's question).
pub fn validate_site_key(site: &str) -> Result<&str, ValidationError> {
    let site = site.trim();
    let ok = (1..=MAX_SITE_CHARS).contains(&site.len()) && site.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_'));
    if ok { Ok(site) } else { Err(ValidationError::InvalidSite) }
}

impl ComplaintSubmission {
    /// Validates and normalises the submission. Nothing here touches storage.
    pub fn validate(&self) -> Result<ValidComplaint, ValidationError> {
        let site = self.site.as_deref().ok_or(ValidationError::MissingField("site"))?;
        let site = validate_site_key(site)?.to_string();
        let text = self.text.as_deref().ok_or(ValidationError::MissingField("text"))?;
        let text = validate_text(text)?.to_string();

        let order_id = optional(self.order_id.as_ref())
            .map(|o| {
                let ok = char_len(o) <= MAX_ORDER_ID_CHARS && o.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '#' | '.' | '/' | ':'));
                if ok { Ok(o.to_string()) } else { Err(ValidationError::InvalidOrderId) }
            })
            .transpose()?;

        let contact = optional(self.contact.as_ref())
            .map(|c| {
                let got = char_len(c);
                if got > MAX_CONTACT_CHARS {
                    Err(ValidationError::ContactTooLong { got, max: MAX_CONTACT_CHARS })
                } else if has_bad_controls(c) || c.contains(['\n', '\r', '\t']) {
                    Err(ValidationError::ControlCharacters { field: "contact" })
                } else if looks_like_formula(c) {
                    Err(ValidationError::InvalidContact)
                } else {
                    Ok(c.to_string())
                }
            })
            .transpose()?;

        let lang = match optional(self.lang.as_ref()) {
            None => Lang::default(),
            Some(tag) => Lang::from_tag(tag).ok_or_else(|| ValidationError::InvalidLang(tag.chars().take(16).collect()))?,
        };

        let (client_category, client_priority) = match &self.client {
            None => (None, None),
            Some(hint) => {
                let category = optional(hint.category.as_ref())
                    .map(|c| {
                        if c.len() <= 40 && c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
                            Ok(c.to_string())
                        } else {
                            Err(ValidationError::InvalidClientHint("category must be a category id"))
                        }
                    })
                    .transpose()?;
                let priority = optional(hint.priority.as_ref())
                    .map(|p| Priority::parse_ignore_case(p).ok_or(ValidationError::InvalidClientHint("priority must be P1–P4")))
                    .transpose()?;
                (category, priority)
            }
        };

        let region = match optional(self.region.as_ref()) {
            None => String::new(),
            Some(r) if char_len(r) <= crate::analytics::dims::MAX_REGION_CHARS && !has_bad_controls(r) && !r.contains(['\n', '\r', '\t']) => r.to_string(),
            Some(_) => return Err(ValidationError::InvalidRegion),
        };

        Ok(ValidComplaint { site, text, order_id, contact, lang, client_category, client_priority, region })
    }
}

impl ValidComplaint {
    /// The canonical content that identifies a submission for idempotency: a retry with the same
    /// key must carry the same content, or it is a different complaint reusing a key.
    pub fn fingerprint_input(&self) -> String {
        let field = |v: &Option<String>| v.as_deref().unwrap_or("").to_string();
        // Length-prefixed so that no two different submissions share a canonical form.
        [self.site.clone(), self.text.clone(), field(&self.order_id), field(&self.contact)]
            .iter()
            .map(|s| format!("{}:{}", s.len(), s))
            .collect::<Vec<_>>()
            .join("|")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(text: &str) -> ComplaintSubmission {
        ComplaintSubmission { site: Some("demo".into()), text: Some(text.into()), ..Default::default() }
    }

    #[test]
    fn a_minimal_submission_is_valid_and_trimmed() {
        let v = sub("  送餐太慢了  ").validate().unwrap();
        assert_eq!(v.text, "送餐太慢了");
        assert_eq!(v.lang, Lang::ZhCn);
        assert_eq!(v.order_id, None);
    }

    #[test]
    fn a_region_is_short_and_plain() {
        let with = |r: &str| ComplaintSubmission { region: Some(r.into()), ..sub("送餐太慢了") }.validate();
        assert_eq!(with(" 上海市浦东新区 ").unwrap().region, "上海市浦东新区");
        assert_eq!(with("").unwrap().region, "");
        assert_eq!(with("上海\n=cmd").unwrap_err(), ValidationError::InvalidRegion);
        assert_eq!(with(&"区".repeat(33)).unwrap_err().code(), ErrorCode::InvalidRegion);
    }

    #[test]
    fn missing_fields_are_named() {
        let e = ComplaintSubmission { text: Some("x".into()), ..Default::default() }.validate().unwrap_err();
        assert_eq!(e, ValidationError::MissingField("site"));
        assert_eq!(e.code().as_str(), "missing_field");
        let e = ComplaintSubmission { site: Some("demo".into()), ..Default::default() }.validate().unwrap_err();
        assert_eq!(e, ValidationError::MissingField("text"));
    }

    #[test]
    fn text_limits_count_characters() {
        assert_eq!(sub(" \n ").validate().unwrap_err(), ValidationError::TextEmpty);
        assert!(sub(&"慢".repeat(MAX_TEXT_CHARS)).validate().is_ok());
        assert_eq!(
            sub(&"慢".repeat(MAX_TEXT_CHARS + 1)).validate().unwrap_err(),
            ValidationError::TextTooLong { got: MAX_TEXT_CHARS + 1, max: MAX_TEXT_CHARS }
        );
    }

    #[test]
    fn unicode_is_judged_by_general_category() {
        // Emoji joined with U+200D, and a flag's tag sequence, are text.
        for ok in ["我🤦\u{200D}♀️了", "厨师👨\u{200D}🍳太慢", "🏴\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}的店"] {
            assert!(sub(ok).validate().is_ok(), "{ok:?}");
        }
        // Format characters (Cf) and line separators are not.
        for bad in ["a\u{061C}b", "a\u{00AD}b", "a\u{206A}b", "a\u{206F}b", "a\u{E0041}b", "🏴\u{E0067}\u{E0062}无结束", "a\u{2028}b"] {
            assert_eq!(sub(bad).validate().unwrap_err().code(), ErrorCode::ControlCharacters, "{bad:?}");
        }
        // A text that shows nothing is empty.
        for blank in ["\u{3164}", "\u{2800}\u{2800}", "\u{3164} \u{FE0F}"] {
            assert_eq!(sub(blank).validate().unwrap_err(), ValidationError::TextEmpty, "{blank:?}");
        }
    }

    #[test]
    fn a_contact_is_one_plain_line_and_never_a_formula() {
        let with = |c: &str| ComplaintSubmission { contact: Some(c.into()), ..sub("慢") }.validate();
        for ok in ["+86 138 1234 5678", "-(010) 1234-5678", "zhang@qq.com", "微信 zhang_san"] {
            assert!(with(ok).is_ok(), "{ok}");
        }
        for formula in ["=cmd|' /C calc'!A0", "@SUM(1+1)", "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0"] {
            assert_eq!(with(formula).unwrap_err().code(), ErrorCode::InvalidContact, "{formula}");
        }
        for control in ["138\r1234", "138\t1234"] {
            assert_eq!(with(control).unwrap_err().code(), ErrorCode::ControlCharacters, "{control:?}");
        }
    }

    #[test]
    fn control_characters_are_refused_but_line_breaks_kept() {
        assert!(sub("第一行\n第二行").validate().is_ok());
        assert_eq!(sub("abc\u{0000}def").validate().unwrap_err().code().as_str(), "control_characters");
        assert_eq!(sub("abc\u{202E}def").validate().unwrap_err().code().as_str(), "control_characters");
    }

    #[test]
    fn site_order_contact_and_lang_are_checked() {
        let mut s = sub("慢");
        s.site = Some("Demo Site".into());
        assert_eq!(s.validate().unwrap_err(), ValidationError::InvalidSite);

        let mut s = sub("慢");
        s.order_id = Some("E2026-11-23#001".into());
        assert_eq!(s.validate().unwrap().order_id.as_deref(), Some("E2026-11-23#001"));
        s.order_id = Some("<script>".into());
        assert_eq!(s.validate().unwrap_err(), ValidationError::InvalidOrderId);
        s.order_id = Some("   ".into());
        assert_eq!(s.validate().unwrap().order_id, None);

        let mut s = sub("慢");
        s.contact = Some("x".repeat(101));
        assert_eq!(s.validate().unwrap_err().code().as_str(), "contact_too_long");

        let mut s = sub("慢");
        s.lang = Some("zh-TW".into());
        assert_eq!(s.validate().unwrap().lang, Lang::ZhTw);
        s.lang = Some("klingon".into());
        assert_eq!(s.validate().unwrap_err().code().as_str(), "invalid_lang");
    }

    #[test]
    fn client_hints_are_checked_not_trusted() {
        let mut s = sub("慢");
        s.client = Some(ClientHint { category: Some("delivery".into()), priority: Some("P3".into()) });
        let v = s.validate().unwrap();
        assert_eq!(v.client_category.as_deref(), Some("delivery"));
        assert_eq!(v.client_priority, Some(Priority::P3));
        s.client = Some(ClientHint { category: None, priority: Some("urgent".into()) });
        assert_eq!(s.validate().unwrap_err().code().as_str(), "invalid_client_hint");
    }

    #[test]
    fn idempotency_keys() {
        assert_eq!(validate_idempotency_key(None).unwrap_err().code().as_str(), "missing_idempotency_key");
        assert_eq!(validate_idempotency_key(Some("short")).unwrap_err().code().as_str(), "invalid_idempotency_key");
        assert_eq!(validate_idempotency_key(Some("has space in it")).unwrap_err().code().as_str(), "invalid_idempotency_key");
        assert!(validate_idempotency_key(Some("0b1f7c1e-4a4e-4b8e-9d7a-2f4c9e1a0b3d")).is_ok());
    }

    #[test]
    fn fingerprints_differ_when_content_differs() {
        let a = sub("慢").validate().unwrap();
        let mut b = sub("慢").validate().unwrap();
        assert_eq!(a.fingerprint_input(), b.fingerprint_input());
        b.order_id = Some("1".into());
        assert_ne!(a.fingerprint_input(), b.fingerprint_input());
        // Language is presentation, not content.
        b = sub("慢").validate().unwrap();
        b.lang = Lang::En;
        assert_eq!(a.fingerprint_input(), b.fingerprint_input());
    }
}
