//! E-mail addresses as sign-in names: trimmed, lower-cased, plausibly shaped.

/// Longest accepted address (RFC 5321's path limit).
pub const MAX_EMAIL_CHARS: usize = 254;

/// The address as stored and looked up: trimmed and lower-cased. `None` when it is not shaped like
/// `local@domain.tld` (no spaces or control characters, one `@`, a dot in the domain).
///
/// ```
/// use qingting_shared::accounts::email::normalize;
/// assert_eq!(normalize("  Ops@Example.CN "), Some("ops@example.cn".to_string()));
/// assert_eq!(normalize("not-an-address"), None);
/// ```
pub fn normalize(raw: &str) -> Option<String> {
    let e = raw.trim().to_lowercase();
    let (local, domain) = e.split_once('@')?;
    let ok = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && e.chars().count() <= MAX_EMAIL_CHARS
        && !e.chars().any(|c| c.is_whitespace() || c.is_control());
    ok.then_some(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_normalised_or_refused() {
        assert_eq!(normalize("A@B.cn").as_deref(), Some("a@b.cn"));
        assert_eq!(normalize("张三@例子.中国").as_deref(), Some("张三@例子.中国"));
        for bad in ["", "@b.cn", "a@", "a@b", "a@@b.cn", "a b@c.cn", "a@.cn", "a@b.cn.", "a@b\u{0}.cn"] {
            assert_eq!(normalize(bad), None, "{bad:?}");
        }
        assert_eq!(normalize(&format!("{}@b.cn", "a".repeat(260))), None);
    }
}
