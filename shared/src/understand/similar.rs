//! Are two customer questions the same question? A small learned similarity for FAQ matching,
//! evaluated on ATEC paraphrase pairs (`qingting similar`, `cargo xtask similar`).
//!
//! A pair becomes hashed features the linear model ([`crate::understand::model::LinearTable`]) scores:
//! bucketed overlap measures (word and character-bigram Jaccard, length ratio) and, for every
//! word, whether both texts have it (`same:`) or only one (`diff:`), so the model learns which
//! differences change the meaning (花呗 vs 借呗, 开通 vs 关闭) and which do not (我, 的, 吗).

use std::collections::HashSet;

use crate::faq::terms;
use crate::understand::features::{Feature, named_hash};
use crate::understand::model::LinearTable;
use crate::understand::numeric::sigmoid;
use crate::understand::segment::Segmenter;

/// Feature families of a pair (their own kind bytes, apart from the classifier's).
const WORD_JACCARD: u8 = b'J';
const GRAM_JACCARD: u8 = b'G';
const LENGTH: u8 = b'L';
const BIAS: u8 = b'B';
const SAME: u8 = b'S';
const DIFF: u8 = b'D';
const SWAP: u8 = b'W';

fn jaccard(a: &HashSet<String>, b: &HashSet<String>) -> f32 {
    let union = a.union(b).count();
    if union == 0 { 0.0 } else { a.intersection(b).count() as f32 / union as f32 }
}

/// The features of a pair (order does not matter).
pub fn pair_features(segmenter: &Segmenter, a: &str, b: &str) -> Vec<Feature> {
    let (ta, tb) = (terms(segmenter, a), terms(segmenter, b));
    let words = |t: &[String]| -> HashSet<String> { t.iter().filter(|w| !w.starts_with('\u{1}')).cloned().collect() };
    let grams = |t: &[String]| -> HashSet<String> { t.iter().filter(|w| w.starts_with('\u{1}')).cloned().collect() };
    let (wa, wb, ga, gb) = (words(&ta), words(&tb), grams(&ta), grams(&tb));
    let mut hashes: Vec<u64> = Vec::new();
    let bucket = |x: f32| ((x * 10.0).floor() as i32).clamp(0, 10).to_string();
    hashes.push(named_hash(WORD_JACCARD, &[&bucket(jaccard(&wa, &wb))]));
    hashes.push(named_hash(GRAM_JACCARD, &[&bucket(jaccard(&ga, &gb))]));
    let (la, lb) = (a.chars().count().max(1) as f32, b.chars().count().max(1) as f32);
    hashes.push(named_hash(LENGTH, &[&bucket(la.min(lb) / la.max(lb))]));
    hashes.push(named_hash(BIAS, &[]));
    for w in wa.intersection(&wb) {
        hashes.push(named_hash(SAME, &[w]));
    }
    for w in wa.symmetric_difference(&wb) {
        hashes.push(named_hash(DIFF, &[w]));
    }
    // Word swaps: a word only in one text against a word only in the other, in a fixed order so
    // that (a, b) and (b, a) give the same features. Learns 还款 ~ 还钱 vs 花呗 ≠ 借呗.
    let mut only_a: Vec<&String> = wa.difference(&wb).collect();
    let mut only_b: Vec<&String> = wb.difference(&wa).collect();
    only_a.sort();
    only_b.sort();
    for x in only_a.iter().take(8) {
        for y in only_b.iter().take(8) {
            let (lo, hi) = if x <= y { (x, y) } else { (y, x) };
            hashes.push(named_hash(SWAP, &[lo, hi]));
        }
    }
    hashes.sort_unstable();
    hashes.dedup();
    let value = 1.0 / (hashes.len() as f32).sqrt();
    hashes.into_iter().map(|hash| Feature { hash, value }).collect()
}

/// The shipped paraphrase model (`cargo xtask similar` trains it).
pub const BUILTIN_SIMILAR: &[u8] = include_bytes!("../../model/similar.qtl");

/// The probability that two texts ask the same question.
pub fn similarity(model: &LinearTable, segmenter: &Segmenter, a: &str, b: &str) -> f32 {
    sigmoid(model.logits(&pair_features(segmenter, a, b))[0])
}

/// Area under the ROC curve of `(score, positive)` pairs (ties count half).
pub fn roc_auc(scored: &[(f32, bool)]) -> f64 {
    let mut v: Vec<(f32, bool)> = scored.to_vec();
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (pos, neg) = (v.iter().filter(|x| x.1).count() as f64, v.iter().filter(|x| !x.1).count() as f64);
    if pos == 0.0 || neg == 0.0 {
        return 0.5;
    }
    // Rank-sum with average ranks for ties.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < v.len() {
        let mut j = i;
        while j < v.len() && v[j].0 == v[i].0 {
            j += 1;
        }
        let avg = (i + j + 1) as f64 / 2.0;
        rank_sum += v[i..j].iter().filter(|x| x.1).count() as f64 * avg;
        i = j;
    }
    (rank_sum - pos * (pos + 1.0) / 2.0) / (pos * neg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_are_symmetric() {
        let seg = Segmenter::builtin();
        assert_eq!(pair_features(&seg, "花呗怎么还款", "怎么还花呗"), pair_features(&seg, "怎么还花呗", "花呗怎么还款"));
    }

    #[test]
    fn auc_of_perfect_random_and_inverted_rankings() {
        assert_eq!(roc_auc(&[(0.9, true), (0.8, true), (0.2, false), (0.1, false)]), 1.0);
        assert_eq!(roc_auc(&[(0.1, true), (0.2, true), (0.8, false), (0.9, false)]), 0.0);
        assert_eq!(roc_auc(&[(0.5, true), (0.5, false)]), 0.5);
    }
}
