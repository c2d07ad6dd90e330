//! The languages the product speaks.

use serde::{Deserialize, Serialize};

/// A UI language. Chinese first: Simplified (mainland), Traditional (Hong Kong, Taiwan, Macau), English.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "zh-TW")]
    ZhTw,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    /// All supported languages, default first.
    pub const ALL: [Lang; 3] = [Lang::ZhCn, Lang::ZhTw, Lang::En];

    /// The BCP 47 tag used on the wire (`zh-CN`, `zh-TW`, `en`).
    pub fn tag(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::ZhTw => "zh-TW",
            Lang::En => "en",
        }
    }

    /// Parses a language tag strictly: only the three wire tags (case-insensitive).
    pub fn from_tag(tag: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.tag().eq_ignore_ascii_case(tag))
    }

    /// Maps any browser or page language tag to the closest supported language
    /// (`zh-HK`, `zh-Hant` → zh-TW; `zh`, `zh-Hans-CN` → zh-CN; `en-GB` → en; anything else → zh-CN).
    pub fn negotiate(tag: &str) -> Lang {
        let t = tag.trim().to_ascii_lowercase();
        if t.starts_with("en") {
            Lang::En
        } else if t.starts_with("zh") && (t.contains("tw") || t.contains("hk") || t.contains("mo") || t.contains("hant")) {
            Lang::ZhTw
        } else {
            Lang::ZhCn
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_tags_round_trip() {
        for l in Lang::ALL {
            assert_eq!(Lang::from_tag(l.tag()), Some(l));
        }
        assert_eq!(Lang::from_tag("zh-hk"), None);
        assert_eq!(Lang::from_tag(""), None);
    }

    #[test]
    fn negotiation_maps_regional_tags() {
        assert_eq!(Lang::negotiate("zh-HK"), Lang::ZhTw);
        assert_eq!(Lang::negotiate("zh-Hant-TW"), Lang::ZhTw);
        assert_eq!(Lang::negotiate("zh"), Lang::ZhCn);
        assert_eq!(Lang::negotiate("zh-Hans-CN"), Lang::ZhCn);
        assert_eq!(Lang::negotiate("en-GB"), Lang::En);
        assert_eq!(Lang::negotiate("fr"), Lang::ZhCn);
    }

    #[test]
    fn serde_uses_wire_tags() {
        assert_eq!(serde_json::to_string(&Lang::ZhTw).unwrap(), "\"zh-TW\"");
        assert_eq!(serde_json::from_str::<Lang>("\"en\"").unwrap(), Lang::En);
    }
}
