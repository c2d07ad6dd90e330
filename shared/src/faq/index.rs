//! Matching: a [`FaqIndex`] ranks a pack's entries for a text with BM25 over the classifier's
//! normalised jieba words plus character bigrams, after mapping synonyms to one form
//! ([`SYNONYMS`]), plus a prior from the text's category probabilities.

use std::collections::HashMap;

use crate::faq::pack::FaqPack;
use crate::taxonomy::Category;
use crate::understand::segment::Segmenter;
use crate::understand::text::normalize;

/// Words customers use interchangeably, mapped to one form before matching (normalised text).
pub const SYNONYMS: &[(&str, &str)] = &[
    ("退钱", "退款"),
    ("返钱", "退款"),
    ("退费", "退款"),
    ("到帐", "到账"),
    ("外卖员", "骑手"),
    ("配送员", "骑手"),
    ("送餐员", "骑手"),
    ("外卖小哥", "骑手"),
    ("小哥", "骑手"),
    ("外送员", "骑手"),
    ("红包", "优惠券"),
    ("券", "优惠券"),
    ("抵用券", "优惠券"),
    ("代金券", "优惠券"),
    ("店家", "商家"),
    ("老板", "商家"),
    ("店铺", "商家"),
    ("餐厅", "商家"),
    ("饭店", "商家"),
    ("帐号", "账号"),
    ("账户", "账号"),
    ("帐户", "账号"),
    ("开发票", "发票"),
    ("开票", "发票"),
    ("晚到", "超时"),
    ("迟到", "超时"),
    ("送晚了", "超时"),
    ("延误", "超时"),
    ("扣了两次", "重复扣款"),
    ("扣两次", "重复扣款"),
    ("多扣", "重复扣款"),
    ("取消订单", "取消"),
    ("撤单", "取消"),
    ("退单", "取消"),
    ("手机号", "电话"),
    ("号码", "电话"),
];

fn canonical(token: &str) -> &str {
    SYNONYMS.iter().find(|(from, _)| *from == token).map_or(token, |(_, to)| to)
}

/// Terms of a text: canonical jieba words (no punctuation) and character bigrams of CJK runs.
pub fn terms(segmenter: &Segmenter, text: &str) -> Vec<String> {
    let norm = normalize(text);
    let mut out: Vec<String> = segmenter.cut(&norm).into_iter().filter(|w| w.chars().any(char::is_alphanumeric)).map(|w| canonical(w).to_string()).collect();
    let chars: Vec<char> = norm.chars().filter(|c| c.is_alphanumeric()).collect();
    out.extend(chars.windows(2).map(|w| format!("\u{1}{}{}", w[0], w[1])));
    out
}

/// One ranked entry.
#[derive(Clone, Debug, PartialEq)]
pub struct FaqMatch {
    /// Index into the pack's entries.
    pub entry: usize,
    /// In [0, 1]: `raw / (raw + SCALE)`, monotone in the BM25 + prior score.
    pub score: f32,
}

/// A searchable pack: BM25 statistics over every question variant.
#[derive(Clone, Debug)]
pub struct FaqIndex {
    pack: FaqPack,
    /// (entry index, term frequencies, length) per question variant.
    docs: Vec<(usize, HashMap<String, u32>, f32)>,
    df: HashMap<String, u32>,
    avg_len: f32,
}

const K1: f32 = 1.2;
const B: f32 = 0.75;
/// Weight of the category prior: added to the BM25 score as `PRIOR × p(category)`.
pub const PRIOR: f32 = 2.0;
/// Squashes raw scores into [0, 1): half-way at this raw score.
pub const SCALE: f32 = 10.0;

impl FaqIndex {
    /// Indexes an (already overlaid) pack. Disabled entries are skipped.
    pub fn build(pack: FaqPack, segmenter: &Segmenter) -> FaqIndex {
        let mut docs = Vec::new();
        let mut df: HashMap<String, u32> = HashMap::new();
        for (i, e) in pack.entries.iter().enumerate().filter(|(_, e)| !e.disabled) {
            for q in e.questions.all() {
                let mut tf: HashMap<String, u32> = HashMap::new();
                let ts = terms(segmenter, q);
                let len = ts.len() as f32;
                for t in ts {
                    *tf.entry(t).or_default() += 1;
                }
                for t in tf.keys() {
                    *df.entry(t.clone()).or_default() += 1;
                }
                docs.push((i, tf, len));
            }
        }
        let avg_len = if docs.is_empty() { 1.0 } else { docs.iter().map(|d| d.2).sum::<f32>() / docs.len() as f32 };
        FaqIndex { pack, docs, df, avg_len }
    }

    pub fn pack(&self) -> &FaqPack {
        &self.pack
    }

    fn idf(&self, term: &str) -> f32 {
        let n = self.docs.len() as f32;
        let df = self.df.get(term).copied().unwrap_or(0) as f32;
        ((n - df + 0.5) / (df + 0.5) + 1.0).ln()
    }

    /// Ranks entries for a text: the best BM25 score over each entry's question variants, plus
    /// `PRIOR × p` for the most probable of the entry's categories (`category_probs` from the
    /// classifier; empty for none). Best first, at most `limit`, only entries with a score.
    pub fn search(&self, segmenter: &Segmenter, text: &str, category_probs: &[(Category, f32)], limit: usize) -> Vec<FaqMatch> {
        let mut query: Vec<String> = terms(segmenter, text);
        query.sort();
        query.dedup();
        let mut best: HashMap<usize, f32> = HashMap::new();
        for (entry, tf, len) in &self.docs {
            let mut s = 0.0;
            for t in &query {
                if let Some(&f) = tf.get(t) {
                    let f = f as f32;
                    s += self.idf(t) * f * (K1 + 1.0) / (f + K1 * (1.0 - B + B * len / self.avg_len));
                }
            }
            if s > 0.0 {
                let b = best.entry(*entry).or_insert(0.0);
                *b = b.max(s);
            }
        }
        let mut ranked: Vec<FaqMatch> = best
            .into_iter()
            .map(|(entry, bm25)| {
                let prior = self.pack.entries[entry]
                    .categories
                    .iter()
                    .filter_map(|c| category_probs.iter().find(|(k, _)| k == c).map(|(_, p)| *p))
                    .fold(0.0f32, f32::max);
                let raw = bm25 + PRIOR * prior;
                FaqMatch { entry, score: raw / (raw + SCALE) }
            })
            .collect();
        ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.entry.cmp(&b.entry)));
        ranked.truncate(limit);
        ranked
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faq::fixture::pack;

    #[test]
    fn finds_the_paraphrase_and_ranks_it_first() {
        let seg = Segmenter::builtin();
        let index = FaqIndex::build(pack(), &seg);
        let top = index.search(&seg, "我的退款几天能到账？", &[], 3);
        assert_eq!(index.pack().entries[top[0].entry].id, "refund-time");
        let top = index.search(&seg, "骑手送晚了，有没有赔偿", &[], 3);
        assert_eq!(index.pack().entries[top[0].entry].id, "late-compensation", "送晚了 ~ 超时 via synonyms");
        assert!(top.iter().all(|m| (0.0..1.0).contains(&m.score)));
    }

    #[test]
    fn traditional_questions_match_simplified_entries() {
        let seg = Segmenter::builtin();
        let index = FaqIndex::build(pack(), &seg);
        let top = index.search(&seg, "發票怎麼開", &[], 1);
        assert_eq!(index.pack().entries[top[0].entry].id, "invoice");
    }

    #[test]
    fn category_prior_breaks_ties_and_unrelated_text_matches_nothing() {
        let seg = Segmenter::builtin();
        let index = FaqIndex::build(pack(), &seg);
        assert!(index.search(&seg, "今天天气晴朗", &[], 3).is_empty());
        let plain = index.search(&seg, "多久", &[], 3);
        let with_prior = index.search(&seg, "多久", &[(Category::from_static("refund"), 0.9)], 3);
        assert!(with_prior[0].score > plain[0].score);
    }
}
