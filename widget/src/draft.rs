//! The unsent draft as plain data: its storage format and the idempotency key that belongs to its
//! content. No browser calls here (the panel's `store` reads and writes `localStorage`), so the
//! rules are unit-tested natively.
//!
//! Stored form, one string per site: `saved_ms ␟ key ␟ content ␟ text` (U+001F between the
//! fields; the text comes last, so it may hold any character). `key` and `content` are empty
//! when no submission was attempted.

/// Between the stored fields.
const SEP: char = '\u{1f}';
/// Between the parts of a draft's content (text, order number, contact).
const CONTENT_SEP: &str = "\u{1e}";

/// How long an unsent draft is kept on the customer's device: it may hold personal data.
pub const TTL_MS: u64 = 24 * 3600 * 1000;

/// The idempotency key of an attempted submission and the content it was made for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pending {
    /// [`content_of`] the submission.
    pub content: String,
    pub key: String,
}

/// The unsent text and, once a submission was attempted, the idempotency key that belongs to its
/// content — kept together so that a reload after a lost answer retries with the same key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Draft {
    pub text: String,
    pub pending: Option<Pending>,
}

/// What one idempotency key stands for: the text, order number and contact as sent.
pub fn content_of(text: &str, order: &str, contact: &str) -> String {
    [text, order, contact].join(CONTENT_SEP)
}

impl Draft {
    /// The stored form, saved at `now_ms`.
    ///
    /// A pending key whose content holds U+001F is not kept: the field could not be read back, and
    /// the server refuses such a submission anyway (control characters), so nothing is stored
    /// under that key to find again.
    pub fn encode(&self, now_ms: u64) -> String {
        let (key, content) = match &self.pending {
            // (Keys are made here or read back from a field, so they never hold U+001F.)
            Some(p) if !p.content.contains(SEP) => (p.key.as_str(), p.content.as_str()),
            _ => ("", ""),
        };
        format!("{now_ms}{SEP}{key}{SEP}{content}{SEP}{}", self.text)
    }

    /// Reads a stored draft at `now_ms`; `None` when it is malformed or [`TTL_MS`] old or older.
    pub fn decode(raw: &str, now_ms: u64) -> Option<Draft> {
        let mut parts = raw.splitn(4, SEP);
        let saved: u64 = parts.next()?.parse().ok()?;
        let (key, content, text) = (parts.next()?, parts.next()?, parts.next()?);
        if now_ms.saturating_sub(saved) >= TTL_MS {
            return None;
        }
        let pending = (!key.is_empty()).then(|| Pending { content: content.to_string(), key: key.to_string() });
        Some(Draft { text: text.to_string(), pending })
    }

    /// The idempotency key for `content`: the pending one when it was made for this same content,
    /// otherwise `new_key()`, which becomes the pending key. Same content, same key — so a retry
    /// can never create a second ticket, and changed content never reuses a key (the server would
    /// answer 409).
    pub fn key_for(&mut self, content: String, new_key: impl FnOnce() -> String) -> String {
        match &self.pending {
            Some(p) if p.content == content && !p.key.is_empty() => p.key.clone(),
            _ => {
                let key = new_key();
                self.pending = Some(Pending { content, key: key.clone() });
                key
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: u64 = 1_764_560_000_000;

    fn pending(content: &str, key: &str) -> Option<Pending> {
        Some(Pending { content: content.into(), key: key.into() })
    }

    #[test]
    fn round_trip_with_and_without_a_key() {
        let plain = Draft { text: "外卖两个小时还没到".into(), pending: None };
        assert_eq!(Draft::decode(&plain.encode(T0), T0 + 1), Some(plain));
        let keyed = Draft {
            text: "外卖两个小时还没到，改一下".into(), pending: pending(&content_of("外卖两个小时还没到", "E1", ""), "0123abcd")
        };
        assert_eq!(Draft::decode(&keyed.encode(T0), T0), Some(keyed));
    }

    #[test]
    fn the_stored_form_is_the_one_the_widget_has_always_written() {
        let d = Draft { text: "退款".into(), pending: pending("退款\u{1e}E1\u{1e}138", "k1") };
        assert_eq!(d.encode(T0), "1764560000000\u{1f}k1\u{1f}退款\u{1e}E1\u{1e}138\u{1f}退款");
        assert_eq!(Draft { text: "只有文字".into(), pending: None }.encode(7), "7\u{1f}\u{1f}\u{1f}只有文字");
        // A draft saved by the previous widget build loads.
        let old = "1764560000000\u{1f}9f86d081884c7d65\u{1f}菜是凉的\u{1e}\u{1e}\u{1f}菜是凉的";
        assert_eq!(Draft::decode(old, T0 + 60_000), Some(Draft { text: "菜是凉的".into(), pending: pending("菜是凉的\u{1e}\u{1e}", "9f86d081884c7d65") }));
    }

    #[test]
    fn expires_at_exactly_24_hours() {
        let raw = Draft { text: "x".into(), pending: None }.encode(T0);
        assert!(Draft::decode(&raw, T0 + TTL_MS - 1).is_some());
        assert_eq!(Draft::decode(&raw, T0 + TTL_MS), None);
        assert_eq!(Draft::decode(&raw, T0 + 10 * TTL_MS), None);
        // A clock set back since saving does not expire it.
        assert!(Draft::decode(&raw, T0 - 5_000).is_some());
    }

    #[test]
    fn malformed_input_is_none() {
        for raw in [
            "",
            "退款多久到账",                               // the oldest format: just the text
            "1764560000000",                              // no fields
            "1764560000000\u{1f}k\u{1f}c",                // three fields
            "1764560000000.5\u{1f}\u{1f}\u{1f}x",         // a float timestamp
            "-1\u{1f}\u{1f}\u{1f}x",                      // negative
            "abc\u{1f}\u{1f}\u{1f}x",                     // not a number
            " 1764560000000\u{1f}\u{1f}\u{1f}x",          // padded
            "99999999999999999999999\u{1f}\u{1f}\u{1f}x", // beyond u64
        ] {
            assert_eq!(Draft::decode(raw, T0), None, "{raw:?}");
        }
    }

    #[test]
    fn separators_in_the_text_survive() {
        let d = Draft { text: "a\u{1f}b\u{1e}c\u{1f}\u{1f}".into(), pending: pending(&content_of("a", "", ""), "k") };
        assert_eq!(Draft::decode(&d.encode(T0), T0), Some(d));
        let empty = Draft::default();
        assert_eq!(Draft::decode(&empty.encode(T0), T0), Some(empty));
    }

    #[test]
    fn a_key_whose_content_cannot_be_stored_is_dropped_not_misread() {
        // U+001F in the contact field: the server refuses it, and the stored fields stay readable.
        let d = Draft { text: "菜是凉的".into(), pending: pending(&content_of("菜是凉的", "", "1\u{1f}2"), "k") };
        assert_eq!(Draft::decode(&d.encode(T0), T0), Some(Draft { text: "菜是凉的".into(), pending: None }));
    }

    #[test]
    fn content_joins_the_three_fields() {
        assert_eq!(content_of("菜是凉的", "E1", "138"), "菜是凉的\u{1e}E1\u{1e}138");
        assert_eq!(content_of("", "", ""), "\u{1e}\u{1e}");
        assert_ne!(content_of("a", "b", ""), content_of("a", "", "b"));
    }

    #[test]
    fn same_content_keeps_its_key() {
        let mut d = Draft { text: "菜是凉的".into(), pending: None };
        let first = d.key_for(content_of("菜是凉的", "E1", ""), || "k1".into());
        assert_eq!(first, "k1");
        assert_eq!(d.pending, pending(&content_of("菜是凉的", "E1", ""), "k1"));
        let again = d.key_for(content_of("菜是凉的", "E1", ""), || panic!("same content must not make a new key"));
        assert_eq!(again, "k1");
        // After a reload too.
        let mut reloaded = Draft::decode(&d.encode(T0), T0 + 1).unwrap();
        assert_eq!(reloaded.key_for(content_of("菜是凉的", "E1", ""), || panic!("reload lost the key")), "k1");
    }

    #[test]
    fn changed_content_gets_a_new_key() {
        let mut d = Draft { text: String::new(), pending: pending(&content_of("菜是凉的", "E1", ""), "k1") };
        for (i, content) in [content_of("菜是凉的！", "E1", ""), content_of("菜是凉的", "E2", ""), content_of("菜是凉的", "E1", "138")].into_iter().enumerate()
        {
            let fresh = format!("k{}", i + 2);
            assert_eq!(d.key_for(content.clone(), || fresh.clone()), fresh);
            assert_eq!(d.pending, Some(Pending { content, key: fresh }));
        }
    }

    #[test]
    fn an_empty_or_missing_key_gets_a_new_one() {
        // An old-format or hand-edited draft with a content but no key.
        let mut d = Draft::decode("1764560000000\u{1f}\u{1f}菜是凉的\u{1e}\u{1e}\u{1f}菜是凉的", T0).unwrap();
        assert_eq!(d.pending, None);
        assert_eq!(d.key_for(content_of("菜是凉的", "", ""), || "new".into()), "new");
        let mut empty_key = Draft { text: String::new(), pending: pending(&content_of("x", "", ""), "") };
        assert_eq!(empty_key.key_for(content_of("x", "", ""), || "new".into()), "new");
        let mut none = Draft::default();
        assert_eq!(none.key_for(content_of("x", "", ""), || "new".into()), "new");
    }
}
