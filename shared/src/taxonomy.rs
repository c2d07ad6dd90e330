//! The complaint taxonomy: categories and priorities (see `../shared/TAXONOMY.md`).
//!
//! Categories are data: a [`Category`] is an id string, and a [`Taxonomy`] lists the ids with
//! their display names. A platform may ship its own taxonomy; the default one is
//! [`Taxonomy::default_taxonomy`].

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::lang::{Lang, PerLang};
use crate::str_enum::str_enum;

/// A category id such as `delivery` or `food_safety`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Category(Cow<'static, str>);

impl Category {
    /// The fallback for a complaint that fits no category.
    pub const OTHER: Category = Category(Cow::Borrowed("other"));

    /// A category id known at compile time.
    pub const fn from_static(id: &'static str) -> Category {
        Category(Cow::Borrowed(id))
    }

    /// A category id from data (configuration, the wire).
    pub fn new(id: impl Into<String>) -> Category {
        Category(Cow::Owned(id.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

str_enum! {
    /// How urgently a complaint needs a first response.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum Priority {
        /// Urgent: safety, money stolen, legal or media threat.
        P1 = "P1",
        /// High: money lost or the order failed entirely.
        P2 = "P2",
        /// Normal: most complaints.
        P3 = "P3",
        /// Low: mild dissatisfaction, suggestions.
        P4 = "P4",
    }
}

impl Priority {
    /// Parses `P1`–`P4` in either case (clients' hints may say `p2`).
    pub fn parse_ignore_case(s: &str) -> Option<Priority> {
        Priority::ALL.iter().copied().find(|p| p.as_str().eq_ignore_ascii_case(s))
    }

    /// The default first-response target in minutes (a deployment may configure its own table).
    pub fn default_first_response_minutes(self) -> u32 {
        match self {
            Priority::P1 => 10,
            Priority::P2 => 60,
            Priority::P3 => 4 * 60,
            Priority::P4 => 24 * 60,
        }
    }

    /// A short label for the UI.
    pub fn label(self, lang: Lang) -> &'static str {
        let [zh_cn, zh_tw, en] = match self {
            Priority::P1 => ["紧急", "緊急", "Urgent"],
            Priority::P2 => ["高", "高", "High"],
            Priority::P3 => ["普通", "普通", "Normal"],
            Priority::P4 => ["低", "低", "Low"],
        };
        PerLang::new(zh_cn, zh_tw, en).get(lang)
    }
}

/// One category of a taxonomy with its display names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CategoryDef {
    pub id: Category,
    pub names: PerLang<Cow<'static, str>>,
}

impl CategoryDef {
    pub fn name(&self, lang: Lang) -> &str {
        self.names.get(lang)
    }
}

/// A set of categories. `other` is always part of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Taxonomy {
    categories: Vec<CategoryDef>,
}

const fn def(id: &'static str, zh_cn: &'static str, zh_tw: &'static str, en: &'static str) -> CategoryDef {
    CategoryDef { id: Category::from_static(id), names: PerLang::new(Cow::Borrowed(zh_cn), Cow::Borrowed(zh_tw), Cow::Borrowed(en)) }
}

const DEFAULT_CATEGORIES: [CategoryDef; 11] = [
    def("delivery", "配送问题", "配送問題", "Delivery"),
    def("food_quality", "商品质量", "商品質量", "Product quality"),
    def("food_safety", "食品安全", "食品安全", "Food safety"),
    def("order_error", "订单错漏", "訂單錯漏", "Wrong or missing items"),
    def("merchant_service", "商家服务", "商家服務", "Merchant service"),
    def("price_billing", "价格与支付", "價格與支付", "Price and payment"),
    def("refund", "退款售后", "退款售後", "Refund and after-sales"),
    def("account_security", "账户与安全", "帳戶與安全", "Account and security"),
    def("privacy", "隐私", "隱私", "Privacy"),
    def("platform_service", "平台与客服", "平台與客服", "Platform and support"),
    def("other", "其他", "其他", "Other"),
];

impl Taxonomy {
    /// The default taxonomy the product ships with (`../shared/TAXONOMY.md`).
    pub fn default_taxonomy() -> Taxonomy {
        Taxonomy { categories: DEFAULT_CATEGORIES.to_vec() }
    }

    /// A custom taxonomy; `other` is appended when missing.
    pub fn new(mut categories: Vec<CategoryDef>) -> Taxonomy {
        if !categories.iter().any(|c| c.id == Category::OTHER) {
            categories.push(def("other", "其他", "其他", "Other"));
        }
        Taxonomy { categories }
    }

    pub fn categories(&self) -> &[CategoryDef] {
        &self.categories
    }

    pub fn get(&self, id: &str) -> Option<&CategoryDef> {
        self.categories.iter().find(|c| c.id.as_str() == id)
    }

    /// The display name of a category, falling back to its id for unknown ones.
    pub fn name<'a>(&'a self, category: &'a Category, lang: Lang) -> &'a str {
        self.get(category.as_str()).map_or(category.as_str(), |c| c.name(lang))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_taxonomy_has_the_documented_ids() {
        let t = Taxonomy::default_taxonomy();
        let ids: Vec<&str> = t.categories().iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "delivery",
                "food_quality",
                "food_safety",
                "order_error",
                "merchant_service",
                "price_billing",
                "refund",
                "account_security",
                "privacy",
                "platform_service",
                "other"
            ]
        );
        assert_eq!(t.name(&Category::from_static("food_safety"), Lang::ZhCn), "食品安全");
        assert_eq!(t.name(&Category::from_static("refund"), Lang::ZhTw), "退款售後");
        assert_eq!(t.name(&Category::new("unknown_x"), Lang::En), "unknown_x");
    }

    #[test]
    fn custom_taxonomy_always_has_other() {
        let t = Taxonomy::new(vec![def("parking", "停车", "停車", "Parking")]);
        assert!(t.get("other").is_some());
        assert_eq!(t.categories().len(), 2);
    }

    #[test]
    fn priorities_parse_and_have_slas() {
        for &p in Priority::ALL {
            assert_eq!(Priority::parse(p.as_str()), Some(p));
        }
        assert_eq!(Priority::parse("p2"), None, "stored and sent values are canonical");
        assert_eq!(Priority::parse_ignore_case("p2"), Some(Priority::P2));
        assert_eq!(Priority::parse_ignore_case("P5"), None);
        assert!(Priority::P1.default_first_response_minutes() < Priority::P4.default_first_response_minutes());
        assert_eq!(serde_json::to_string(&Priority::P3).unwrap(), "\"P3\"");
        assert_eq!(serde_json::to_string(&Category::from_static("refund")).unwrap(), "\"refund\"");
    }
}
