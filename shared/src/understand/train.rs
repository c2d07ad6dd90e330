//! Training the linear model: one-vs-rest logistic regression on hashed features with Adagrad and
//! L2, deterministic for a given seed; then Platt scaling, threshold choice and i8 quantisation.
//! Pure functions over in-memory examples: the `qingting train` command does the file work.

use crate::understand::features::Feature;
use crate::understand::model::{Head, LinearTable};
use crate::understand::numeric::sigmoid;

/// One training example: its features and, per head, whether it is positive.
#[derive(Clone, Debug)]
pub struct Example {
    pub features: Vec<Feature>,
    pub targets: Vec<bool>,
    /// Importance of the example (1.0 normally).
    pub weight: f32,
}

#[derive(Clone, Copy, Debug)]
pub struct TrainConfig {
    pub bits: u8,
    pub epochs: u32,
    pub learning_rate: f32,
    pub l2: f32,
    pub seed: u64,
    /// Weigh each head's positives by `sqrt(negatives / positives)` (capped at 8), so rare
    /// categories are learnt rather than drowned by the common ones.
    pub balance: bool,
    /// With `balance`, weigh the positives by the full class ratio `negatives / positives`
    /// (scikit-learn's `class_weight="balanced"` up to a constant) instead of its capped square
    /// root: for a detector of a rare class that must find nearly all of them.
    pub full_balance: bool,
}

/// Float weights before quantisation.
#[derive(Clone, Debug)]
pub struct FloatTable {
    pub bits: u8,
    pub heads: usize,
    pub weights: Vec<f32>,
    pub biases: Vec<f32>,
}

/// A small deterministic PRNG (xorshift64*), enough for shuffling (and for the CLI's fuzzer's
/// mutations). The seed must not be 0.
pub struct Rng(pub u64);

impl Rng {
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

/// Deterministically shuffles `items` with `seed`.
pub fn shuffle<T>(items: &mut [T], seed: u64) {
    let mut rng = Rng(seed | 1);
    for i in (1..items.len()).rev() {
        items.swap(i, rng.below(i + 1));
    }
}

impl FloatTable {
    fn bucket(&self, hash: u64) -> usize {
        (hash & ((1u64 << self.bits) - 1)) as usize
    }

    pub fn logits(&self, features: &[Feature]) -> Vec<f32> {
        let mut acc = self.biases.clone();
        for f in features {
            let row = &self.weights[self.bucket(f.hash) * self.heads..][..self.heads];
            for (a, w) in acc.iter_mut().zip(row) {
                *a += w * f.value;
            }
        }
        acc
    }

    /// Keeps, per head, only the `keep` share of weights with the largest magnitude and zeroes the
    /// rest: most hashed n-grams are seen once or twice and carry almost nothing, and zeros are
    /// what makes the artefact compress (the widget downloads it).
    pub fn prune(&mut self, keep: f32) {
        if keep >= 1.0 {
            return;
        }
        let n = self.heads;
        for h in 0..n {
            let mut mags: Vec<f32> = self.weights.iter().skip(h).step_by(n).map(|w| w.abs()).filter(|&m| m > 0.0).collect();
            if mags.is_empty() {
                continue;
            }
            mags.sort_by(|a, b| b.total_cmp(a));
            let k = ((mags.len() as f32) * keep).ceil() as usize;
            let cut = mags[k.clamp(1, mags.len()) - 1];
            for w in self.weights.iter_mut().skip(h).step_by(n) {
                if w.abs() < cut {
                    *w = 0.0;
                }
            }
        }
    }

    /// Quantises to i8 with one scale per head: `levels` steps each side of zero (127 uses the full
    /// i8 range; fewer levels make the artefact compress better).
    pub fn quantize(&self, names: &[&str], thresholds: &[f32], levels: u8) -> LinearTable {
        let n = self.heads;
        let levels = f32::from(levels.clamp(1, 127));
        let scales: Vec<f32> = (0..n)
            .map(|h| {
                let max = self.weights.iter().skip(h).step_by(n).fold(0f32, |m, w| m.max(w.abs()));
                if max > 0.0 { max / levels } else { 1.0 }
            })
            .collect();
        let weights = self.weights.iter().enumerate().map(|(i, w)| (w / scales[i % n]).round().clamp(-levels, levels) as i8).collect();
        let heads = (0..n).map(|h| Head { name: names[h].to_string(), scale: scales[h], bias: self.biases[h], threshold: thresholds[h] }).collect();
        LinearTable { bits: self.bits, heads, weights }
    }
}

/// Fits one-vs-rest logistic regression with Adagrad.
pub fn fit(examples: &[Example], heads: usize, cfg: &TrainConfig) -> FloatTable {
    let buckets = 1usize << cfg.bits;
    train_from(FloatTable { bits: cfg.bits, heads, weights: vec![0.0; buckets * heads], biases: vec![0.0; heads] }, examples, cfg, false)
}

/// Fits, prunes to the `keep` share of weights per head, then trains the surviving weights again
/// (`retrain_epochs`) so they make up for the pruned ones.
pub fn fit_sparse(examples: &[Example], heads: usize, cfg: &TrainConfig, keep: f32, retrain_epochs: u32) -> FloatTable {
    let mut table = fit(examples, heads, cfg);
    if keep < 1.0 {
        table.prune(keep);
        table = train_from(table, examples, &TrainConfig { epochs: retrain_epochs, seed: cfg.seed ^ 0xabcd, ..*cfg }, true);
    }
    table
}

fn train_from(mut table: FloatTable, examples: &[Example], cfg: &TrainConfig, keep_zeros: bool) -> FloatTable {
    let heads = table.heads;
    let buckets = 1usize << cfg.bits;
    let pos_weight: Vec<f32> = (0..heads)
        .map(|h| {
            let pos = examples.iter().filter(|e| e.targets[h]).count().max(1) as f32;
            let neg = (examples.len() as f32 - pos).max(1.0);
            match (cfg.balance, cfg.full_balance) {
                (true, true) => (neg / pos).max(1.0),
                (true, false) => (neg / pos).sqrt().clamp(1.0, 8.0),
                (false, _) => 1.0,
            }
        })
        .collect();
    let mut g2 = vec![1e-6f32; buckets * heads];
    let mut g2_bias = vec![1e-6f32; heads];
    let mut order: Vec<usize> = (0..examples.len()).collect();
    for epoch in 0..cfg.epochs {
        shuffle(&mut order, cfg.seed.wrapping_add(u64::from(epoch)).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        for &i in &order {
            let ex = &examples[i];
            let logits = table.logits(&ex.features);
            for h in 0..heads {
                let y = if ex.targets[h] { 1.0 } else { 0.0 };
                let g = (sigmoid(logits[h]) - y) * ex.weight * if ex.targets[h] { pos_weight[h] } else { 1.0 };
                if g == 0.0 {
                    continue;
                }
                g2_bias[h] += g * g;
                table.biases[h] -= cfg.learning_rate * g / g2_bias[h].sqrt();
                for f in &ex.features {
                    let k = table.bucket(f.hash) * heads + h;
                    if keep_zeros && table.weights[k] == 0.0 {
                        continue;
                    }
                    let grad = g * f.value + cfg.l2 * table.weights[k];
                    g2[k] += grad * grad;
                    table.weights[k] -= cfg.learning_rate * grad / g2[k].sqrt();
                }
            }
        }
    }
    table
}

/// Platt scaling: `(a, b)` minimising log-loss of `sigmoid(a × logit + b)` on held-out examples.
pub fn platt(scored: &[(f32, bool)]) -> (f32, f32) {
    let (mut a, mut b) = (1.0f32, 0.0f32);
    if scored.is_empty() {
        return (a, b);
    }
    let n = scored.len() as f32;
    for _ in 0..2_000 {
        let (mut ga, mut gb) = (0.0f32, 0.0f32);
        for &(z, y) in scored {
            let d = sigmoid(a * z + b) - if y { 1.0 } else { 0.0 };
            ga += d * z;
            gb += d;
        }
        a -= 0.5 * ga / n;
        b -= 0.5 * gb / n;
    }
    (a, b)
}

/// The probability threshold with the best F1 for one head (0.5 when there are no positives).
pub fn best_f1_threshold(probs: &[(f32, bool)]) -> f32 {
    let positives = probs.iter().filter(|p| p.1).count();
    if positives == 0 {
        return 0.5;
    }
    let mut best = (0.0f32, 0.5f32);
    for step in 1..100 {
        let t = step as f32 / 100.0;
        let (mut tp, mut fp) = (0usize, 0usize);
        for &(p, y) in probs {
            if p >= t {
                if y { tp += 1 } else { fp += 1 }
            }
        }
        let f1 = 2.0 * tp as f32 / (2 * tp + fp + (positives - tp)) as f32;
        if f1 > best.0 {
            best = (f1, t);
        }
    }
    best.1
}

/// The probability threshold with the best accuracy.
pub fn best_accuracy_threshold(probs: &[(f32, bool)]) -> f32 {
    let mut best = (0usize, 0.5f32);
    for step in 1..100 {
        let t = step as f32 / 100.0;
        let correct = probs.iter().filter(|&&(p, y)| (p >= t) == y).count();
        if correct > best.0 {
            best = (correct, t);
        }
    }
    best.1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(hashes: &[u64], positive: bool) -> Example {
        let v = 1.0 / (hashes.len() as f32).sqrt();
        Example { features: hashes.iter().map(|&hash| Feature { hash, value: v }).collect(), targets: vec![positive], weight: 1.0 }
    }

    #[test]
    fn learns_a_separable_problem_deterministically() {
        let data: Vec<Example> = (0..200).map(|i| if i % 2 == 0 { ex(&[1, 100 + i], true) } else { ex(&[2, 100 + i], false) }).collect();
        let cfg = TrainConfig { bits: 10, epochs: 5, learning_rate: 0.5, l2: 1e-6, seed: 7, balance: false, full_balance: false };
        let a = fit(&data, 1, &cfg);
        let b = fit(&data, 1, &cfg);
        assert_eq!(a.weights, b.weights, "same seed, same model");
        assert!(a.logits(&ex(&[1], true).features)[0] > 1.0);
        assert!(a.logits(&ex(&[2], false).features)[0] < -1.0);
        let q = a.quantize(&["complaint"], &[0.5], 127);
        assert!(q.logits(&ex(&[1], true).features)[0] > 1.0, "quantisation keeps the decision");
    }

    #[test]
    fn shuffle_is_a_seeded_permutation() {
        let mut a: Vec<u32> = (0..50).collect();
        let mut b = a.clone();
        shuffle(&mut a, 42);
        shuffle(&mut b, 42);
        assert_eq!(a, b);
        let mut sorted = a.clone();
        sorted.sort();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
        assert_ne!(a, sorted);
    }

    #[test]
    fn thresholds_and_platt() {
        let probs = [(0.9, true), (0.8, true), (0.6, false), (0.3, false), (0.2, false)];
        let t = best_f1_threshold(&probs);
        assert!(t > 0.6 && t <= 0.8, "{t}");
        let t = best_accuracy_threshold(&probs);
        assert!(t > 0.6 && t <= 0.8, "{t}");
        let (a, _) = platt(&[(2.0, true), (1.5, true), (-1.0, false), (-2.0, false), (0.5, false), (0.2, true)]);
        assert!(a > 0.0);
    }
}
