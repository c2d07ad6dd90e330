//! FAQ packs and matching: answer common questions while the customer types (widget, no network)
//! and on intake (worker), with the same code.
//!
//! - [`pack`]: a [`FaqPack`] is authored data (`data/faq/default.json` is the platform default);
//!   a merchant pack overrides entries by id ([`FaqPack::overlay`]) and is validated as hostile input.
//! - [`index`]: a [`FaqIndex`] is built once from a pack and ranks entries for a text (BM25 over
//!   words and character bigrams, synonyms, a category prior).
//! - [`route`]: the decision (resolve, acknowledge, forward) and the first reply, under a site's
//!   thresholds.
//! - [`compiled`]: the one-line-per-field `QTF1` form the widget and the worker load.
//!
//! Architecture invariant: [`route`] never auto-closes a P1 complaint.

pub mod compiled;
pub mod index;
pub mod pack;
pub mod route;

pub use index::{FaqIndex, FaqMatch, SYNONYMS, terms};
pub use pack::{FaqEntry, FaqError, FaqKind, FaqPack, Localized, Questions};
pub use route::{DEFAULT_ACKNOWLEDGE, DEFAULT_RESOLVE, Decision, Routing, Thresholds, acknowledges, category_prior, decide, route};

/// The platform's default pack, compiled from `data/faq/default.json` (`cargo xtask faq`).
pub const DEFAULT_PACK: &str = include_str!("../../model/faq-default.qtf");

/// Test data shared by the FAQ modules' tests.
#[cfg(test)]
pub(crate) mod fixture {
    use super::*;
    use crate::taxonomy::Category;

    pub(crate) fn entry(id: &str, kind: FaqKind, cat: &'static str, questions: &[&str], answer: &str) -> FaqEntry {
        FaqEntry {
            id: id.into(),
            kind,
            categories: vec![Category::from_static(cat)],
            questions: Questions { zh_cn: questions.iter().map(|q| q.to_string()).collect(), ..Default::default() },
            answer: Localized { zh_cn: answer.into(), ..Default::default() },
            disabled: false,
        }
    }

    pub(crate) fn pack() -> FaqPack {
        FaqPack {
            id: "test".into(),
            version: 1,
            entries: vec![
                entry("refund-time", FaqKind::Resolves, "refund", &["退款多久到账", "退款什么时候到", "钱多久能退回来"], "原路退回，1-3个工作日到账。"),
                entry("late-compensation", FaqKind::Acknowledges, "delivery", &["外卖超时了有赔偿吗", "送餐超时怎么赔付"], "超时按平台规则赔付。"),
                entry("invoice", FaqKind::Resolves, "price_billing", &["怎么开发票", "发票在哪里开"], "在订单详情申请发票。"),
            ],
        }
    }
}
