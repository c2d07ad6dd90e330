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

/// One value per UI language: answers, questions, category names, the widget's words.
///
/// On the wire (FAQ packs, settings) it is an object keyed by language tag; a missing language is
/// empty, and [`PerLang::get_or_default_lang`] falls back to zh-CN for text.
///
/// ```
/// use qingting_shared::lang::{Lang, PerLang};
/// let answer = PerLang::new("1-3 个工作日到账".to_string(), String::new(), "1–3 working days".to_string());
/// assert_eq!(answer.get(Lang::En), "1–3 working days");
/// assert_eq!(answer.get_or_default_lang(Lang::ZhTw), "1-3 个工作日到账");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PerLang<T> {
    #[serde(rename = "zh-CN", default)]
    pub zh_cn: T,
    #[serde(rename = "zh-TW", default)]
    pub zh_tw: T,
    #[serde(default)]
    pub en: T,
}

impl<T> PerLang<T> {
    pub const fn new(zh_cn: T, zh_tw: T, en: T) -> PerLang<T> {
        PerLang { zh_cn, zh_tw, en }
    }

    /// The value for `lang`.
    pub const fn get(&self, lang: Lang) -> &T {
        match lang {
            Lang::ZhCn => &self.zh_cn,
            Lang::ZhTw => &self.zh_tw,
            Lang::En => &self.en,
        }
    }

    pub fn get_mut(&mut self, lang: Lang) -> &mut T {
        match lang {
            Lang::ZhCn => &mut self.zh_cn,
            Lang::ZhTw => &mut self.zh_tw,
            Lang::En => &mut self.en,
        }
    }

    /// `(language, value)` in [`Lang::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (Lang, &T)> {
        [(Lang::ZhCn, &self.zh_cn), (Lang::ZhTw, &self.zh_tw), (Lang::En, &self.en)].into_iter()
    }
}

impl<T: AsRef<str>> PerLang<T> {
    /// The text in `lang`, or the zh-CN text where `lang`'s is empty.
    pub fn get_or_default_lang(&self, lang: Lang) -> &str {
        let s = self.get(lang).as_ref();
        if s.is_empty() { self.zh_cn.as_ref() } else { s }
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
    fn per_lang_reads_wire_tags_and_falls_back_to_zh_cn() {
        let p: PerLang<String> = serde_json::from_str(r#"{"zh-CN":"退款","en":"Refund"}"#).unwrap();
        assert_eq!(p.get(Lang::ZhTw), "");
        assert_eq!(p.get_or_default_lang(Lang::ZhTw), "退款");
        assert_eq!(p.get_or_default_lang(Lang::En), "Refund");
        assert_eq!(serde_json::to_string(&p).unwrap(), r#"{"zh-CN":"退款","zh-TW":"","en":"Refund"}"#);
        let langs: Vec<Lang> = p.iter().map(|(l, _)| l).collect();
        assert_eq!(langs, Lang::ALL);
    }

    #[test]
    fn serde_uses_wire_tags() {
        assert_eq!(serde_json::to_string(&Lang::ZhTw).unwrap(), "\"zh-TW\"");
        assert_eq!(serde_json::from_str::<Lang>("\"en\"").unwrap(), Lang::En);
    }
}
