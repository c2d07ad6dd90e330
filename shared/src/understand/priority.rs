//! Explicit priority rules (`../shared/TAXONOMY.md`, "Priority"). They are applied on top of any
//! model so the urgent cases — illness, foreign objects, fraud, legal or media threats — never
//! depend on a statistical guess.

use crate::taxonomy::{Category, Priority};

/// Why a priority was chosen: the rule that fired, for display and audit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PriorityReason {
    /// Illness after eating or a foreign object in the food.
    SafetyIncident,
    /// Account stolen, unauthorised charges, scams.
    AccountSecurity,
    /// Police, lawsuit, regulator (12315) or media threat.
    LegalOrMediaThreat,
    /// The model's urgent head: a safety or account-security report worded in a way the rules
    /// above do not hold.
    UrgentModel,
    /// A refund or after-sales dispute.
    Refund,
    /// Charged twice.
    DoubleCharge,
    /// The order never arrived.
    NeverDelivered,
    /// Strong anger.
    StrongAnger,
    /// Mild wording.
    Mild,
    /// No rule fired.
    Default,
}

// The lists stay short and precise; the model's urgent head finds the other wordings. Words that
// fired more often on texts read as not urgent than on urgent ones were taken out (2026-12-01,
// `waimai_train_safety.jsonl`): "吐了" (快吐了 is disgust), "塑料" (塑料袋, 塑料盒), "骗子" and
// "被骗" (a merchant called a cheat).

/// Illness after eating: always a safety incident.
const ILLNESS: &[&str] = &["拉肚子", "腹泻", "呕吐", "食物中毒", "肚子疼", "肚子痛", "胃疼", "过敏", "发烧", "进医院"];
/// Foreign objects: a safety incident when the text is about food (a hair in a salon review is not).
const FOREIGN_OBJECT: &[&str] = &["头发", "虫子", "苍蝇", "蟑螂", "钢丝", "铁丝", "玻璃", "异物", "指甲", "创可贴", "烟头"];
const FOOD_CONTEXT: &[&str] = &["吃", "饭", "菜", "汤", "面", "粥", "餐", "肉", "饮料", "奶茶", "外卖", "里面", "里有", "碗"];
const LEGAL_OR_MEDIA: &[&str] = &[
    "报警",
    "起诉",
    "律师",
    "法院",
    "12315",
    "消协",
    "消费者协会",
    "市场监管",
    "工商局",
    "曝光",
    "媒体",
    "记者",
    "微博",
    "医院",
    "食药监",
    "police",
    "lawyer",
    "sue ",
];
const FRAUD: &[&str] = &["盗刷", "被盗", "诈骗", "冒充客服", "陌生订单", "不是本人", "盗号"];
const DOUBLE_CHARGE: &[&str] = &["重复扣款", "扣了两次", "扣两次", "重复扣费", "多扣", "扣了两遍", "charged twice"];
const NEVER_DELIVERED: &[&str] = &["没送到", "没有送到", "一直没到", "没收到", "未送达", "没送来", "根本没送", "never arrived", "never delivered"];
const STRONG_ANGER: &[&str] = &["气死", "垃圾", "恶心", "太过分", "忍无可忍", "再也不", "什么玩意", "坑人", "黑心", "!!!", "！！！"];
const MILD: &[&str] = &["有点", "有一点", "稍微", "略", "还行但是", "还可以就是", "希望改进", "建议", "一般般", "a bit", "slightly"];

fn any(text: &str, words: &[&str]) -> bool {
    words.iter().any(|w| text.contains(w))
}

/// Whether the text reports a food-safety incident: illness after eating, or a foreign object in
/// food. The classifier makes `food_safety` the primary category of such a complaint whatever the
/// model says, so these cases never depend on a statistical guess.
pub fn safety_incident(normalized: &str) -> bool {
    any(normalized, ILLNESS) || (any(normalized, FOREIGN_OBJECT) && any(normalized, FOOD_CONTEXT))
}

/// Decides the priority of a complaint from its normalised text and its categories.
///
/// Rules, first match wins: P1 for a [`safety_incident`], any `account_security`
/// complaint or fraud words, and legal/media threats; P2 for `refund`, a double charge, an order
/// never delivered, or strong anger; P4 for mild wording; P3 otherwise.
pub fn priority_for(normalized: &str, categories: &[Category]) -> (Priority, PriorityReason) {
    let has = |id: &str| categories.iter().any(|c| c.as_str() == id);
    if safety_incident(normalized) {
        return (Priority::P1, PriorityReason::SafetyIncident);
    }
    if has("account_security") || any(normalized, FRAUD) {
        return (Priority::P1, PriorityReason::AccountSecurity);
    }
    if any(normalized, LEGAL_OR_MEDIA) {
        return (Priority::P1, PriorityReason::LegalOrMediaThreat);
    }
    if any(normalized, DOUBLE_CHARGE) {
        return (Priority::P2, PriorityReason::DoubleCharge);
    }
    if has("refund") {
        return (Priority::P2, PriorityReason::Refund);
    }
    if any(normalized, NEVER_DELIVERED) {
        return (Priority::P2, PriorityReason::NeverDelivered);
    }
    if any(normalized, STRONG_ANGER) {
        return (Priority::P2, PriorityReason::StrongAnger);
    }
    if any(normalized, MILD) {
        return (Priority::P4, PriorityReason::Mild);
    }
    (Priority::P3, PriorityReason::Default)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cats(ids: &[&'static str]) -> Vec<Category> {
        ids.iter().map(|i| Category::from_static(i)).collect()
    }

    #[test]
    fn illness_is_always_and_foreign_objects_in_food_are_safety_incidents() {
        assert_eq!(priority_for("吃完拉肚子了", &cats(&["food_quality"])).1, PriorityReason::SafetyIncident);
        assert_eq!(priority_for("饭里有头发", &cats(&["food_quality"])).1, PriorityReason::SafetyIncident);
        assert!(safety_incident("汤里有只苍蝇"));
        // "头发" in a hair-salon review is no food safety incident.
        assert!(!safety_incident("头发剪得不好"));
        assert_eq!(priority_for("头发剪得不好", &cats(&["merchant_service"])).0, Priority::P3);
    }

    #[test]
    fn fraud_and_account_security_are_urgent() {
        assert_eq!(priority_for("账号被盗了", &cats(&["account_security"])).1, PriorityReason::AccountSecurity);
        assert_eq!(priority_for("有人冒充客服骗钱", &cats(&["other"])).0, Priority::P1);
    }

    #[test]
    fn legal_and_media_threats_are_urgent_in_any_category() {
        assert_eq!(priority_for("再不处理我就投诉到12315", &cats(&["delivery"])).1, PriorityReason::LegalOrMediaThreat);
        assert_eq!(priority_for("我要曝光你们", &cats(&["food_quality"])).0, Priority::P1);
    }

    #[test]
    fn money_and_failed_orders_are_high() {
        assert_eq!(priority_for("退款一直没到账", &cats(&["refund"])).1, PriorityReason::Refund);
        assert_eq!(priority_for("同一单扣了两次钱", &cats(&["price_billing"])).1, PriorityReason::DoubleCharge);
        assert_eq!(priority_for("等了三小时还是没送到", &cats(&["delivery"])).1, PriorityReason::NeverDelivered);
        assert_eq!(priority_for("什么玩意，气死了", &cats(&["food_quality"])).1, PriorityReason::StrongAnger);
    }

    #[test]
    fn mild_wording_is_low_and_the_rest_normal() {
        assert_eq!(priority_for("味道不错，就是送得有点慢", &cats(&["delivery"])).0, Priority::P4);
        assert_eq!(priority_for("米饭是凉的", &cats(&["food_quality"])).0, Priority::P3);
    }

    #[test]
    fn words_that_misfired_are_no_longer_rules() {
        // 塑料袋, "快吐了" (disgust) and a merchant called a cheat are not urgent by rule.
        assert_ne!(priority_for("塑料袋破了，饭菜都洒了", &cats(&["delivery"])).0, Priority::P1);
        assert_ne!(priority_for("难吃得我都快吐了", &cats(&["food_quality"])).0, Priority::P1);
        assert_ne!(priority_for("这家店就是骗子，分量太少", &cats(&["food_quality"])).0, Priority::P1);
    }

    #[test]
    fn urgent_rules_win_over_mild_wording() {
        assert_eq!(priority_for("有点拉肚子", &cats(&["food_safety"])).0, Priority::P1);
    }
}
