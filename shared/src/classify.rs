//! The complaint classifier.
//!
//! This is the keyword baseline of the walking skeleton: weighted cue words per category from the
//! taxonomy, a complaint/praise score from negative and positive cues, and the explicit
//! [`priority`](crate::priority) rules. The trained model replaces the scoring behind the same
//! [`Classifier::classify`] signature; `MODEL_VERSION` is stored with every complaint.

use serde::{Deserialize, Serialize};

use crate::priority::priority_for;
use crate::taxonomy::{Category, Priority};
use crate::text::normalize;

/// What the classifier says about one text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Classification {
    /// Is the customer unhappy and wants something fixed, compensated or noted?
    pub complaint: bool,
    /// Confidence that it is a complaint, in [0, 1].
    pub complaint_score: f32,
    /// Every category that applies (empty when not a complaint; `other` when none fits).
    pub categories: Vec<Category>,
    /// The category that drives routing (`None` when not a complaint).
    pub primary: Option<Category>,
    /// `None` when not a complaint.
    pub priority: Option<Priority>,
    /// The cue words that drove the decision, strongest first, for display.
    pub top_tokens: Vec<String>,
}

/// The keyword-baseline classifier. Stateless and cheap to build; `classify` allocates only its
/// result and one normalised copy of the text.
#[derive(Clone, Debug, Default)]
pub struct Classifier;

/// Version tag of the classifier, stored with each complaint so that results can be compared
/// across model releases.
pub const MODEL_VERSION: &str = "keyword-baseline-1";

struct Cue {
    category: &'static str,
    words: &'static [&'static str],
}

const CATEGORY_CUES: &[Cue] = &[
    Cue { category: "delivery", words: &["送餐慢", "送得慢", "送的慢", "配送", "骑手", "配送员", "外卖员", "小哥", "送达", "迟到", "超时", "等了", "小时才到", "洒了", "撒了", "没送到", "送错地址", "提前点", "慢死", "太慢", "好慢", "才送到", "送来", "送到", "late", "delivery", "rider"] },
    Cue { category: "food_quality", words: &["难吃", "凉了", "冷了", "不新鲜", "太咸", "太淡", "太油", "油腻", "分量少", "量少", "份量", "和图片不符", "不熟", "生的", "硬", "口味", "味道", "不好吃", "没味", "太辣", "质量", "taste", "cold", "quality"] },
    Cue { category: "food_safety", words: &["头发", "虫子", "苍蝇", "蟑螂", "变质", "馊了", "馊的", "发霉", "拉肚子", "腹泻", "食物中毒", "不卫生", "脏", "异物", "钢丝", "塑料", "过期", "呕吐", "吃坏", "hair", "bug", "sick"] },
    Cue { category: "order_error", words: &["漏送", "少送", "送错", "没有筷子", "没筷子", "不是我点的", "少了", "漏了", "缺了", "没给", "没有餐具", "备注", "错了", "missing", "wrong item"] },
    Cue { category: "merchant_service", words: &["商家态度", "态度差", "态度恶劣", "不回复", "不理人", "拒绝", "随意取消", "取消订单", "老板", "店家", "商家", "服务员", "rude"] },
    Cue { category: "price_billing", words: &["太贵", "贵", "包装费", "优惠券", "红包", "满减", "重复扣款", "多扣", "扣钱", "扣了", "价格", "收费", "付款", "支付", "price", "charged", "coupon"] },
    Cue { category: "refund", words: &["退款", "不给退", "退钱", "售后", "赔偿", "退货", "到账", "refund"] },
    Cue { category: "account_security", words: &["被盗", "盗刷", "诈骗", "陌生订单", "冒充客服", "盗号", "异地登录", "验证码", "被骗", "hacked", "scam"] },
    Cue { category: "privacy", words: &["泄露", "骚扰电话", "隐私", "骚扰短信", "个人信息", "privacy"] },
    Cue { category: "platform_service", words: &["客服", "打不通", "机器人", "闪退", "下不了单", "系统故障", "app", "卡顿", "登录不了", "无法支付", "平台", "bug", "crash"] },
];

const NEGATIVE_CUES: &[&str] = &[
    "差", "慢", "难吃", "不好", "没", "不", "投诉", "退款", "凉", "冷", "坑", "垃圾", "失望", "生气", "太", "怎么", "还要", "居然", "竟然", "差评", "问题", "错", "少", "贵", "脏", "恶心", "再也", "赔", "?", "？", "!", "！", "bad", "terrible", "never", "not", "refund", "late", "cold", "worst",
];
const POSITIVE_CUES: &[&str] = &[
    "好吃", "不错", "满意", "赞", "棒", "推荐", "下次还来", "还会再来", "很好", "非常好", "喜欢", "好评", "点赞", "谢谢", "感谢", "快", "准时", "新鲜", "实惠", "good", "great", "love", "thanks", "delicious",
];

impl Classifier {
    pub fn new() -> Classifier {
        Classifier
    }

    /// Classifies one complaint text (any script or width; it is normalised here).
    pub fn classify(&self, text: &str) -> Classification {
        let norm = normalize(text);
        let mut tokens: Vec<(String, f32)> = Vec::new();

        let mut scored: Vec<(&'static str, f32)> = Vec::new();
        for cue in CATEGORY_CUES {
            let mut s = 0.0;
            for w in cue.words {
                if norm.contains(w) {
                    let weight = w.chars().count() as f32; // longer cues are more specific
                    s += weight;
                    tokens.push(((*w).to_string(), weight));
                }
            }
            if s > 0.0 {
                scored.push((cue.category, s));
            }
        }
        scored.sort_by(|a, b| b.1.total_cmp(&a.1));

        let neg: f32 = NEGATIVE_CUES.iter().filter(|w| norm.contains(*w)).map(|w| 1.0 + w.chars().count() as f32 * 0.5).sum();
        let pos: f32 = POSITIVE_CUES.iter().filter(|w| norm.contains(*w)).map(|w| 1.0 + w.chars().count() as f32 * 0.5).sum();
        let category_evidence: f32 = scored.iter().map(|(_, s)| s).sum::<f32>().min(6.0) * 0.4;
        let logit = neg + category_evidence - 1.2 * pos - 1.0;
        let complaint_score = 1.0 / (1.0 + (-logit).exp());
        let complaint = complaint_score >= 0.5;

        tokens.sort_by(|a, b| b.1.total_cmp(&a.1));
        tokens.dedup_by(|a, b| a.0 == b.0);
        let top_tokens: Vec<String> = tokens.into_iter().take(5).map(|t| t.0).collect();

        if !complaint {
            return Classification { complaint, complaint_score, categories: Vec::new(), primary: None, priority: None, top_tokens };
        }
        let best = scored.first().map_or(0.0, |s| s.1);
        let mut categories: Vec<Category> =
            scored.iter().filter(|(_, s)| *s >= best * 0.5).map(|(c, _)| Category::from_static(c)).collect();
        if categories.is_empty() {
            categories.push(Category::OTHER);
        }
        let (priority, _) = priority_for(&norm, &categories);
        Classification {
            complaint,
            complaint_score,
            primary: categories.first().cloned(),
            categories,
            priority: Some(priority),
            top_tokens,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn primary(text: &str) -> Option<String> {
        Classifier::new().classify(text).primary.map(|c| c.as_str().to_string())
    }

    #[test]
    fn taxonomy_examples_are_complaints_or_not() {
        let c = Classifier::new();
        assert!(c.classify("味道不错，就是送得有点慢").complaint);
        assert!(!c.classify("很好吃，下次还来").complaint);
        assert!(!c.classify("非常满意，谢谢").complaint);
        assert!(c.classify("等了两个小时还没送到，太慢了").complaint);
    }

    #[test]
    fn primary_categories_follow_the_cues() {
        assert_eq!(primary("骑手送餐太慢了，等了两个小时").as_deref(), Some("delivery"));
        assert_eq!(primary("饭里有头发，吃完拉肚子").as_deref(), Some("food_safety"));
        assert_eq!(primary("退款一直没到账，不给退").as_deref(), Some("refund"));
        assert_eq!(primary("少送了一份饮料，也没有筷子").as_deref(), Some("order_error"));
        assert_eq!(primary("ＡＰＰ一直闪退，下不了单，太差了").as_deref(), Some("platform_service"));
    }

    #[test]
    fn not_a_complaint_has_no_category_or_priority() {
        let r = Classifier::new().classify("很好吃，下次还来");
        assert!(r.categories.is_empty());
        assert_eq!(r.primary, None);
        assert_eq!(r.priority, None);
    }

    #[test]
    fn complaint_without_cue_is_other() {
        let r = Classifier::new().classify("太失望了，怎么会这样？");
        assert!(r.complaint);
        assert_eq!(r.primary, Some(Category::OTHER));
    }

    #[test]
    fn priority_rules_apply_to_classification() {
        let r = Classifier::new().classify("饭里吃出虫子，吃完拉肚子进医院了");
        assert_eq!(r.priority, Some(Priority::P1));
        assert!(r.top_tokens.iter().any(|t| t == "拉肚子"));
    }

    #[test]
    fn score_is_a_probability() {
        for t in ["", "好", "差差差差差差差差差差！！！！", "很好吃很好吃很好吃很好吃"] {
            let s = Classifier::new().classify(t).complaint_score;
            assert!((0.0..=1.0).contains(&s), "{t}: {s}");
        }
    }
}
