//! The complaint classifier: normalisation → jieba segmentation → hashed features → the trained
//! linear model (`shared/model/qingting.qtm`) → calibrated scores, categories, primary category,
//! and priority (the explicit rules of [`crate::understand::priority`] on top of the model).
//!
//! The widget, the worker and the `qingting` CLI all run exactly this code on the same embedded
//! artefacts, with deterministic arithmetic ([`crate::understand::numeric`]), so they agree to the bit.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::taxonomy::{Category, Priority};
use crate::understand::features::{extract, word_hash};
use crate::understand::model::{Model, ModelError};
use crate::understand::numeric::sigmoid;
use crate::understand::priority::{PriorityReason, priority_for, safety_incident};
use crate::understand::segment::Segmenter;
use crate::understand::text::normalize;

/// The shipped model artefact (`qingting train` writes it).
pub const BUILTIN_MODEL: &[u8] = include_bytes!("../../model/qingting.qtm");

/// Below this complaint score a complaint that triggers no priority rule is low priority (P4):
/// the model is unsure the customer is unhappy at all, which is what mild wording looks like.
pub const MILD_SCORE: f32 = 0.75;

/// What the classifier says about one text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Classification {
    /// Is the customer unhappy and wants something fixed, compensated or noted?
    pub complaint: bool,
    /// Calibrated probability that it is a complaint, in [0, 1].
    pub complaint_score: f32,
    /// Every category that applies (empty when not a complaint; `other` when none fits).
    pub categories: Vec<Category>,
    /// The category that drives routing (`None` when not a complaint).
    pub primary: Option<Category>,
    /// `None` when not a complaint.
    pub priority: Option<Priority>,
    /// Calibrated probability that the text reports an urgent (P1) matter — a food-safety
    /// incident or an account-security case — from the model's urgent head (0 without one).
    #[serde(default)]
    pub urgent_score: f32,
    /// The words that drove the decision, strongest first, for display.
    pub top_tokens: Vec<String>,
}

/// Segmenter plus model.
#[derive(Clone, Debug)]
pub struct Classifier {
    segmenter: Segmenter,
    model: Model,
    categories: Vec<Category>,
}

/// Intermediate results shared by classification and training/evaluation tools.
#[derive(Clone, Debug)]
pub struct Analysis {
    pub normalized: String,
    pub tokens: Vec<String>,
    pub features: Vec<crate::understand::features::Feature>,
}

/// Normalises, segments and extracts features: the one text pipeline of training and inference.
pub fn analyse(segmenter: &Segmenter, text: &str) -> Analysis {
    let normalized = normalize(text);
    let tokens: Vec<String> = segmenter.cut(&normalized).into_iter().map(str::to_string).collect();
    let refs: Vec<&str> = tokens.iter().map(String::as_str).collect();
    let features = extract(&normalized, &refs);
    Analysis { normalized, tokens, features }
}

impl Classifier {
    /// A classifier over a given segmenter and model.
    pub fn new(segmenter: Segmenter, model: Model) -> Classifier {
        let categories = model.categories.heads.iter().map(|h| Category::new(h.name.clone())).collect();
        Classifier { segmenter, model, categories }
    }

    /// A classifier over model bytes (`QTM2` or `QTM1`) and the built-in dictionary.
    pub fn from_model_bytes(bytes: &[u8]) -> Result<Classifier, ModelError> {
        Ok(Classifier::new(Segmenter::builtin(), Model::from_bytes(bytes)?))
    }

    /// The built-in classifier, built once on first use (a few milliseconds) and shared.
    pub fn builtin() -> &'static Classifier {
        static BUILTIN: OnceLock<Classifier> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            // A unit test checks the embedded artefact parses; this cannot fail at run time.
            Classifier::from_model_bytes(BUILTIN_MODEL).unwrap_or_else(|e| panic!("embedded model: {e}"))
        })
    }

    /// The model's version tag, stored with every complaint.
    pub fn model_version(&self) -> &str {
        &self.model.version
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    pub fn segmenter(&self) -> &Segmenter {
        &self.segmenter
    }

    /// Normalises, segments and extracts features.
    pub fn analyse(&self, text: &str) -> Analysis {
        analyse(&self.segmenter, text)
    }

    /// The categories of a text taken to be a complaint, most probable first, and the index of
    /// the primary one: the most probable head, plus every head above its threshold; `other`
    /// only when it is the primary.
    pub fn categorize(&self, probs: &[f32]) -> (Vec<usize>, usize) {
        let (primary, _) = probs.iter().enumerate().fold((0, f32::MIN), |best, (i, &p)| if p > best.1 { (i, p) } else { best });
        let heads = &self.model.categories.heads;
        let mut chosen: Vec<usize> = (0..probs.len()).filter(|&i| i == primary || probs[i] >= heads[i].threshold).collect();
        chosen.sort_by(|&a, &b| probs[b].total_cmp(&probs[a]));
        if self.categories[primary] != Category::OTHER {
            chosen.retain(|&i| self.categories[i] != Category::OTHER);
        }
        (chosen, primary)
    }

    /// The category ids of the model's heads, in head order.
    pub fn category_ids(&self) -> &[Category] {
        &self.categories
    }

    /// Calibrated complaint probability and per-category probabilities.
    pub fn scores(&self, analysis: &Analysis) -> (f32, Vec<f32>) {
        let z = self.model.complaint.logits(&analysis.features)[0];
        let complaint = sigmoid(self.model.platt_a * z + self.model.platt_b);
        let cats = self.model.categories.logits(&analysis.features).into_iter().map(sigmoid).collect();
        (complaint, cats)
    }

    /// Calibrated probability that the text reports an urgent matter, and whether it reaches the
    /// head's threshold (`(0, false)` for a model without an urgent head or an empty text).
    pub fn urgent(&self, analysis: &Analysis) -> (f32, bool) {
        match &self.model.urgent {
            Some(u) if !analysis.features.is_empty() => {
                let p = sigmoid(u.platt_a * u.table.logits(&analysis.features)[0] + u.platt_b);
                (p, p >= u.table.heads[0].threshold)
            }
            _ => (0.0, false),
        }
    }

    /// Classifies one text (any script, width or case; it is normalised here).
    ///
    /// The urgent head overrules the others where it fires: the text is a complaint even if the
    /// complaint head doubts it, it is P1, and its primary category is food safety or account
    /// security (whichever head is more probable) unless it already is one of them.
    pub fn classify(&self, text: &str) -> Classification {
        let analysis = self.analyse(text);
        let (complaint_score, probs) = self.scores(&analysis);
        let (urgent_score, urgent) = self.urgent(&analysis);
        let complaint = !analysis.features.is_empty() && (complaint_score >= self.model.complaint.heads[0].threshold || urgent);
        if !complaint {
            let top_tokens = self.top_tokens(&analysis.tokens, |h| self.model.complaint.weight(h, 0), true);
            return Classification { complaint, complaint_score, categories: Vec::new(), primary: None, priority: None, urgent_score, top_tokens };
        }
        self.classify_complaint(&analysis, complaint_score, &probs, urgent_score, urgent)
    }

    /// Classifies a text already known to be a complaint: categories, primary and priority.
    /// `classify` with the complaint decision taken as given (benchmarks compare category
    /// systems on the same complaints this way).
    pub fn classify_as_complaint(&self, text: &str) -> Classification {
        let analysis = self.analyse(text);
        let (complaint_score, probs) = self.scores(&analysis);
        let (urgent_score, urgent) = self.urgent(&analysis);
        self.classify_complaint(&analysis, complaint_score, &probs, urgent_score, urgent)
    }

    fn classify_complaint(&self, analysis: &Analysis, complaint_score: f32, probs: &[f32], urgent_score: f32, urgent: bool) -> Classification {
        let (mut chosen, mut primary_idx) = self.categorize(probs);
        let position = |id: &str| self.categories.iter().position(|c| c.as_str() == id);
        let (safety, account) = (position("food_safety"), position("account_security"));
        // Explicit rule: a food-safety incident is routed as food safety (priority.rs); else the
        // urgent head picks the more probable of the two urgent categories.
        let forced = if safety_incident(&analysis.normalized) {
            safety
        } else if urgent && Some(primary_idx) != safety && Some(primary_idx) != account {
            match (safety, account) {
                (Some(s), Some(a)) => Some(if probs[a] > probs[s] { a } else { s }),
                (s, a) => s.or(a),
            }
        } else {
            None
        };
        if let Some(f) = forced {
            chosen.retain(|&i| i != f && self.categories[i] != Category::OTHER);
            chosen.insert(0, f);
            primary_idx = f;
        }
        let primary = self.categories[primary_idx].clone();
        let categories: Vec<Category> = chosen.iter().map(|&i| self.categories[i].clone()).collect();
        let (mut priority, reason) = priority_for(&analysis.normalized, &categories);
        if urgent && priority != Priority::P1 {
            priority = Priority::P1;
        } else if reason == PriorityReason::Default && complaint_score < MILD_SCORE {
            priority = Priority::P4;
        }
        let top_tokens = self.top_tokens(&analysis.tokens, |h| self.model.categories.weight(h, primary_idx), false);
        Classification { complaint: true, complaint_score, categories, primary: Some(primary), priority: Some(priority), urgent_score, top_tokens }
    }

    /// Up to five distinct words whose own weight pushed hardest toward the decision.
    fn top_tokens(&self, tokens: &[String], weight: impl Fn(u64) -> f32, negative: bool) -> Vec<String> {
        let mut scored: Vec<(f32, &String)> = tokens
            .iter()
            .filter(|t| t.chars().any(char::is_alphanumeric))
            .map(|t| {
                let w = weight(word_hash(t));
                (if negative { -w } else { w }, t)
            })
            .filter(|(w, _)| *w > 0.0)
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
        let mut out: Vec<String> = Vec::new();
        for (_, t) in scored {
            if !out.contains(t) {
                out.push(t.clone());
            }
            if out.len() == 5 {
                break;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c() -> &'static Classifier {
        Classifier::builtin()
    }

    #[test]
    fn the_embedded_artefact_parses_and_matches_the_taxonomy() {
        let m = Model::from_bytes(BUILTIN_MODEL).expect("embedded model parses");
        let names: Vec<&str> = m.categories.heads.iter().map(|h| h.name.as_str()).collect();
        let taxonomy = crate::Taxonomy::default_taxonomy();
        let ids: Vec<&str> = taxonomy.categories().iter().map(|c| c.id.as_str()).collect();
        assert_eq!(names, ids);
        assert!(!m.version.is_empty());
    }

    #[test]
    fn taxonomy_examples_are_complaints_or_not() {
        assert!(c().classify("味道不错，就是送得有点慢").complaint);
        assert!(!c().classify("很好吃，下次还来").complaint);
        assert!(c().classify("等了两个小时还没送到，太慢了").complaint);
        assert!(!c().classify("").complaint);
    }

    #[test]
    fn primary_categories_of_clear_cases() {
        let primary = |t: &str| c().classify(t).primary.map(|p| p.as_str().to_string());
        assert_eq!(primary("骑手送餐太慢了，等了两个小时才送到").as_deref(), Some("delivery"));
        assert_eq!(primary("饭里有头发，吃完拉肚子").as_deref(), Some("food_safety"));
        // The safety rule makes food_safety primary even next to a stronger other grievance.
        assert_eq!(primary("送得太慢了，等了两个小时，汤里还有一只苍蝇").as_deref(), Some("food_safety"));
        assert_eq!(primary("少送了一份饮料，也没有筷子").as_deref(), Some("order_error"));
        assert_eq!(primary("菜太咸了，很难吃").as_deref(), Some("food_quality"));
    }

    #[test]
    fn traditional_text_classifies_like_simplified() {
        let (t, s) = (c().classify("外送員態度很差，湯都灑了，等了兩個小時"), c().classify("外送员态度很差，汤都洒了，等了两个小时"));
        assert_eq!(t, s);
    }

    #[test]
    fn priority_rules_apply_on_top_of_the_model() {
        let r = c().classify("饭里吃出虫子，吃完拉肚子进医院了");
        assert!(r.complaint);
        assert_eq!(r.priority, Some(Priority::P1));
        assert_eq!(c().classify("再不退款我就投诉到12315").priority, Some(Priority::P1));
    }

    #[test]
    fn the_urgent_head_finds_safety_reports_the_word_lists_do_not_hold() {
        // None of these fires a rule of priority.rs (checked first, or the test proves nothing).
        for t in ["米饭里吃出一根绳子", "菜里有个黑乎乎的小东西，好像是只小强", "吃完上吐下泻，一晚上没睡"] {
            let (p, reason) = priority_for(&normalize(t), &[]);
            assert_ne!(p, Priority::P1, "{t}: a rule fired ({reason:?})");
            let r = c().classify(t);
            assert!(r.complaint, "{t}");
            assert_eq!(r.priority, Some(Priority::P1), "{t}: urgent score {}", r.urgent_score);
            assert_eq!(r.primary.as_ref().map(Category::as_str), Some("food_safety"), "{t}");
        }
        // And stays quiet on ordinary complaints and praise.
        for t in ["送餐员态度很差", "塑料袋破了，汤洒了一半", "很好吃，下次还来", "菜太咸了"] {
            let r = c().classify(t);
            assert_ne!(r.priority, Some(Priority::P1), "{t}: urgent score {}", r.urgent_score);
        }
    }

    #[test]
    fn a_model_without_the_urgent_head_still_classifies() {
        let mut m = Model::from_bytes(BUILTIN_MODEL).expect("embedded model parses");
        assert!(m.urgent.is_some(), "the shipped model has an urgent head");
        m.urgent = None;
        let old = Classifier::new(Segmenter::builtin(), Model::from_bytes(&m.to_bytes()).expect("QTM1 parses"));
        let r = old.classify("米饭里吃出一根绳子");
        assert_eq!(r.urgent_score, 0.0);
        assert_eq!(old.classify("饭里有头发，吃完拉肚子").priority, Some(Priority::P1), "the rules still apply");
    }

    #[test]
    fn not_a_complaint_has_no_category_or_priority() {
        let r = c().classify("很好吃，下次还来");
        assert!(r.categories.is_empty() && r.primary.is_none() && r.priority.is_none());
    }

    #[test]
    fn scores_are_probabilities_and_tokens_come_from_the_text() {
        for t in ["好", "差差差差差差！！！", "很好吃很好吃", "送餐慢，菜凉了", "asdf 1234"] {
            let r = c().classify(t);
            assert!((0.0..=1.0).contains(&r.complaint_score), "{t}: {}", r.complaint_score);
            let norm = normalize(t);
            assert!(r.top_tokens.iter().all(|tok| norm.contains(tok.as_str())), "{t}: {:?}", r.top_tokens);
        }
    }

    #[test]
    fn complaints_always_have_a_category() {
        // Complaints without a topic word still get one (`other` at least), and the primary is the
        // first; each text must be taken for a complaint, or the test proves nothing.
        for t in ["太失望了，以后不会再点了", "送餐慢，菜凉了", "饭里有头发，吃完拉肚子了"] {
            let r = c().classify(t);
            assert!(r.complaint, "{t}: taken for praise ({})", r.complaint_score);
            assert!(!r.categories.is_empty(), "{t}: no category");
            assert_eq!(r.primary.as_ref(), r.categories.first(), "{t}");
        }
    }
}
