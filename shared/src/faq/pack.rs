//! FAQ packs: the platform default and merchants' own, their validation (a merchant pack is
//! hostile input) and the overlay of one on the other.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::api::ErrorCode;
use crate::lang::PerLang;
use crate::str_enum::str_enum;
use crate::taxonomy::Category;

str_enum! {
    /// What an entry does for a complaint it matches.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum FaqKind {
        /// A how-to or policy answer that fully settles the question: the ticket can be auto-replied.
        Resolves = "resolves",
        /// A policy answer for a case that still needs a person: reply, and forward anyway.
        Acknowledges = "acknowledges",
    }
}

/// An answer in the three UI languages (read with [`PerLang::get_or_default_lang`]: zh-CN where
/// a language has none). Every language may be left out when parsing; an enabled entry without a
/// zh-CN answer is refused by [`FaqPack::validate`] (`invalid_faq_pack`, naming the entry).
pub type Localized = PerLang<String>;

/// Question variants per language.
pub type Questions = PerLang<Vec<String>>;

impl Questions {
    /// Every variant, zh-CN first.
    pub fn all(&self) -> impl Iterator<Item = &String> {
        self.zh_cn.iter().chain(&self.zh_tw).chain(&self.en)
    }
}

/// One question-and-answer entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaqEntry {
    pub id: String,
    pub kind: FaqKind,
    #[serde(default)]
    pub categories: Vec<Category>,
    pub questions: Questions,
    pub answer: Localized,
    /// In a merchant pack: removes the platform entry with this id.
    #[serde(default)]
    pub disabled: bool,
}

/// A set of entries: the platform default or a merchant's own.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaqPack {
    pub id: String,
    #[serde(default)]
    pub version: u32,
    pub entries: Vec<FaqEntry>,
}

/// Why a pack was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FaqError {
    #[error("entry `{0}` appears twice")]
    DuplicateId(String),
    #[error("entry `{0}` has no question")]
    NoQuestion(String),
    #[error("entry `{0}` has no zh-CN answer")]
    NoAnswer(String),
    #[error("ids must be 1–64 characters of a-z, 0-9, '-' or '_' (got `{0}`)")]
    InvalidId(String),
    #[error("entry `{0}` names an unknown category `{1}`")]
    UnknownCategory(String, String),
    #[error("entry `{0}`: a question is longer than {MAX_QUESTION_CHARS} characters or an answer longer than {MAX_ANSWER_CHARS}")]
    TooLong(String),
    #[error("a merchant pack has at most {MAX_MERCHANT_ENTRIES} entries and {MAX_QUESTIONS_PER_ENTRY} questions per entry")]
    TooMany,
}

impl FaqError {
    /// Stable machine-readable code for API errors.
    pub fn code(&self) -> ErrorCode {
        ErrorCode::InvalidFaqPack
    }
}

/// Limits on a merchant pack (uploaded over the API, so hostile input).
pub const MAX_MERCHANT_ENTRIES: usize = 200;
pub const MAX_QUESTIONS_PER_ENTRY: usize = 30;
pub const MAX_QUESTION_CHARS: usize = 200;
pub const MAX_ANSWER_CHARS: usize = 2000;

fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

impl FaqPack {
    /// Checks ids are unique and every enabled entry has a question and a zh-CN answer.
    pub fn validate(&self) -> Result<(), FaqError> {
        let mut seen = HashSet::new();
        for e in &self.entries {
            if !seen.insert(e.id.as_str()) {
                return Err(FaqError::DuplicateId(e.id.clone()));
            }
            if e.disabled {
                continue;
            }
            if e.questions.all().all(|q| q.trim().is_empty()) {
                return Err(FaqError::NoQuestion(e.id.clone()));
            }
            if e.answer.zh_cn.trim().is_empty() {
                return Err(FaqError::NoAnswer(e.id.clone()));
            }
        }
        Ok(())
    }

    /// [`FaqPack::validate`] plus what a pack uploaded by a merchant must also meet: safe ids,
    /// categories of `taxonomy`, bounded sizes.
    pub fn validate_merchant(&self, taxonomy: &crate::taxonomy::Taxonomy) -> Result<(), FaqError> {
        if !valid_id(&self.id) {
            return Err(FaqError::InvalidId(self.id.chars().take(64).collect()));
        }
        if self.entries.len() > MAX_MERCHANT_ENTRIES {
            return Err(FaqError::TooMany);
        }
        for e in &self.entries {
            if !valid_id(&e.id) {
                return Err(FaqError::InvalidId(e.id.chars().take(64).collect()));
            }
            if let Some(c) = e.categories.iter().find(|c| taxonomy.get(c.as_str()).is_none()) {
                return Err(FaqError::UnknownCategory(e.id.clone(), c.as_str().chars().take(64).collect()));
            }
            let q = &e.questions;
            if q.zh_cn.len().max(q.zh_tw.len()).max(q.en.len()) > MAX_QUESTIONS_PER_ENTRY {
                return Err(FaqError::TooMany);
            }
            let a = &e.answer;
            if q.all().any(|x| x.chars().count() > MAX_QUESTION_CHARS) || [&a.zh_cn, &a.zh_tw, &a.en].iter().any(|x| x.chars().count() > MAX_ANSWER_CHARS) {
                return Err(FaqError::TooLong(e.id.clone()));
            }
        }
        self.validate()
    }

    /// This pack with a merchant pack laid over it: an entry with the same id replaces the
    /// platform's (or removes it when `disabled`), new ids are added after the platform's.
    pub fn overlay(&self, merchant: &FaqPack) -> FaqPack {
        let by_id: HashMap<&str, &FaqEntry> = merchant.entries.iter().map(|e| (e.id.as_str(), e)).collect();
        let mut entries: Vec<FaqEntry> = self
            .entries
            .iter()
            .filter_map(|e| match by_id.get(e.id.as_str()) {
                Some(m) if m.disabled => None,
                Some(m) => Some((*m).clone()),
                None => Some(e.clone()),
            })
            .collect();
        let platform: HashSet<&str> = self.entries.iter().map(|e| e.id.as_str()).collect();
        entries.extend(merchant.entries.iter().filter(|e| !e.disabled && !platform.contains(e.id.as_str())).cloned());
        FaqPack { id: format!("{}+{}", self.id, merchant.id), version: self.version.max(merchant.version), entries }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faq::fixture::{entry, pack};
    use crate::lang::Lang;

    #[test]
    fn merchant_packs_are_checked_like_hostile_input() {
        let tax = crate::taxonomy::Taxonomy::default_taxonomy();
        let mut p = pack();
        assert_eq!(p.validate_merchant(&tax), Ok(()));
        p.entries[0].id = "bad id\nE x".into();
        assert!(matches!(p.validate_merchant(&tax), Err(FaqError::InvalidId(_))));
        let mut p = pack();
        p.entries[0].categories = vec![Category::new("refund,delivery")];
        assert!(matches!(p.validate_merchant(&tax), Err(FaqError::UnknownCategory(..))));
        let mut p = pack();
        p.entries[0].answer.zh_cn = "长".repeat(MAX_ANSWER_CHARS + 1);
        assert_eq!(p.validate_merchant(&tax), Err(FaqError::TooLong("refund-time".into())));
        let mut p = pack();
        p.entries[1].id = "refund-time".into();
        assert_eq!(p.validate_merchant(&tax), Err(FaqError::DuplicateId("refund-time".into())));
    }

    #[test]
    fn merchant_packs_override_disable_and_add() {
        let platform = pack();
        let mut own = entry("invoice", FaqKind::Resolves, "price_billing", &["能开发票吗"], "本店可开电子发票，请联系店员。");
        own.answer.en = "We issue e-invoices.".into();
        let mut off = entry("late-compensation", FaqKind::Acknowledges, "delivery", &["x"], "x");
        off.disabled = true;
        let extra = entry("parking", FaqKind::Resolves, "other", &["有停车位吗"], "店门口可免费停车两小时。");
        let merchant = FaqPack { id: "shop".into(), version: 3, entries: vec![own, off, extra] };
        let merged = platform.overlay(&merchant);
        let ids: Vec<&str> = merged.entries.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["refund-time", "invoice", "parking"]);
        assert_eq!(merged.entries[1].answer.get_or_default_lang(Lang::ZhCn), "本店可开电子发票，请联系店员。");
        assert_eq!(merged.entries[1].answer.get_or_default_lang(Lang::ZhTw), "本店可开电子发票，请联系店员。", "falls back to zh-CN");
        assert_eq!(merged.version, 3);
        assert!(merged.validate().is_ok());
    }

    #[test]
    fn validation_names_the_bad_entry() {
        let mut p = pack();
        p.entries.push(p.entries[0].clone());
        assert_eq!(p.validate(), Err(FaqError::DuplicateId("refund-time".into())));
        let mut p = pack();
        p.entries[2].answer.zh_cn.clear();
        assert_eq!(p.validate(), Err(FaqError::NoAnswer("invoice".into())));
    }

    /// A merchant pack may leave languages out; an enabled entry still needs its zh-CN answer,
    /// and a disabled one needs nothing but its id.
    #[test]
    fn missing_languages_parse_and_a_missing_zh_cn_answer_is_named() {
        let json = r#"{"id":"shop","entries":[
            {"id":"no-zh","kind":"resolves","questions":{"en":["Parking?"]},"answer":{"en":"Free for 2 h."}},
            {"id":"off","kind":"resolves","questions":{},"answer":{},"disabled":true}]}"#;
        let p: FaqPack = serde_json::from_str(json).expect("parses");
        assert_eq!(p.entries[0].answer.get(Lang::ZhCn), "");
        assert_eq!(p.validate(), Err(FaqError::NoAnswer("no-zh".into())));
        let p = FaqPack { entries: p.entries[1..].to_vec(), ..p };
        assert_eq!(p.validate(), Ok(()));
    }
}
