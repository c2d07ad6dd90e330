//! Evaluation metrics: accuracy and P/R/F1 for the complaint decision; micro/macro-F1, per-class
//! P/R/F1 and a primary-category confusion matrix for the categories. Pure functions.

use std::fmt;

/// Precision, recall and F1 from counts (0 where undefined).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Prf {
    pub tp: usize,
    pub fp: usize,
    pub fn_: usize,
}

impl Prf {
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
    pub fn f1(&self) -> f64 {
        ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn_)
    }
    pub fn support(&self) -> usize {
        self.tp + self.fn_
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// The complaint-or-not decision.
#[derive(Clone, Debug, PartialEq)]
pub struct BinaryReport {
    pub n: usize,
    pub correct: usize,
    pub positive: Prf,
}

impl BinaryReport {
    pub fn accuracy(&self) -> f64 {
        ratio(self.correct, self.n)
    }
}

/// `(predicted, gold)` pairs.
pub fn binary(pairs: &[(bool, bool)]) -> BinaryReport {
    let mut r = BinaryReport { n: pairs.len(), correct: 0, positive: Prf::default() };
    for &(p, g) in pairs {
        if p == g {
            r.correct += 1;
        }
        match (p, g) {
            (true, true) => r.positive.tp += 1,
            (true, false) => r.positive.fp += 1,
            (false, true) => r.positive.fn_ += 1,
            _ => {}
        }
    }
    r
}

impl fmt::Display for BinaryReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "complaint vs not: n = {}, accuracy = {:.4}", self.n, self.accuracy())?;
        writeln!(f, "  complaint class: precision {:.4}  recall {:.4}  F1 {:.4}", self.positive.precision(), self.positive.recall(), self.positive.f1())
    }
}

/// One multi-label item: predicted and gold label sets (indices into `labels`) and primaries.
#[derive(Clone, Debug)]
pub struct LabelledPrediction {
    pub predicted: Vec<usize>,
    pub gold: Vec<usize>,
    pub predicted_primary: Option<usize>,
    pub gold_primary: Option<usize>,
}

#[derive(Clone, Debug)]
pub struct MultiLabelReport {
    pub labels: Vec<String>,
    pub per_class: Vec<Prf>,
    pub n: usize,
    pub primary_correct: usize,
    /// `confusion[gold][predicted]` over primaries; the last row/column is "none".
    pub confusion: Vec<Vec<usize>>,
}

impl MultiLabelReport {
    pub fn micro(&self) -> Prf {
        self.per_class.iter().fold(Prf::default(), |a, c| Prf { tp: a.tp + c.tp, fp: a.fp + c.fp, fn_: a.fn_ + c.fn_ })
    }

    /// Mean F1 over the classes that occur in the gold labels.
    pub fn macro_f1(&self) -> f64 {
        let present: Vec<f64> = self.per_class.iter().filter(|c| c.support() > 0).map(Prf::f1).collect();
        if present.is_empty() { 0.0 } else { present.iter().sum::<f64>() / present.len() as f64 }
    }

    pub fn primary_accuracy(&self) -> f64 {
        ratio(self.primary_correct, self.n)
    }
}

pub fn multilabel(labels: &[String], items: &[LabelledPrediction]) -> MultiLabelReport {
    let k = labels.len();
    let mut per_class = vec![Prf::default(); k];
    let mut confusion = vec![vec![0usize; k + 1]; k + 1];
    let mut primary_correct = 0;
    for it in items {
        for (c, prf) in per_class.iter_mut().enumerate() {
            match (it.predicted.contains(&c), it.gold.contains(&c)) {
                (true, true) => prf.tp += 1,
                (true, false) => prf.fp += 1,
                (false, true) => prf.fn_ += 1,
                _ => {}
            }
        }
        if it.predicted_primary == it.gold_primary {
            primary_correct += 1;
        }
        confusion[it.gold_primary.unwrap_or(k)][it.predicted_primary.unwrap_or(k)] += 1;
    }
    MultiLabelReport { labels: labels.to_vec(), per_class, n: items.len(), primary_correct, confusion }
}

impl fmt::Display for MultiLabelReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let micro = self.micro();
        writeln!(
            f,
            "categories: n = {}, micro-F1 = {:.4} (P {:.4} R {:.4}), macro-F1 = {:.4}, primary accuracy = {:.4}",
            self.n,
            micro.f1(),
            micro.precision(),
            micro.recall(),
            self.macro_f1(),
            self.primary_accuracy()
        )?;
        writeln!(f, "| category | support | precision | recall | F1 |")?;
        writeln!(f, "|---|---:|---:|---:|---:|")?;
        for (name, c) in self.labels.iter().zip(&self.per_class) {
            writeln!(f, "| {name} | {} | {:.3} | {:.3} | {:.3} |", c.support(), c.precision(), c.recall(), c.f1())?;
        }
        writeln!(f, "\nprimary confusion (rows gold, columns predicted; `-` none):")?;
        let short: Vec<String> = self.labels.iter().map(|l| l.chars().take(6).collect()).chain(["-".to_string()]).collect();
        write!(f, "{:>8}", "")?;
        for s in &short {
            write!(f, "{s:>8}")?;
        }
        writeln!(f)?;
        for (row, s) in self.confusion.iter().zip(&short) {
            write!(f, "{s:>8}")?;
            for v in row {
                write!(f, "{v:>8}")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

/// The Wilson score interval of a proportion `k / n` at 95 % (z = 1.96): honest for the small
/// counts of urgent complaints, where the normal approximation goes below 0 or above 1.
pub fn wilson(k: usize, n: usize) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let (z, n_f) = (1.96f64, n as f64);
    let p = k as f64 / n_f;
    let centre = p + z * z / (2.0 * n_f);
    let half = z * (p * (1.0 - p) / n_f + z * z / (4.0 * n_f * n_f)).sqrt();
    let denom = 1.0 + z * z / n_f;
    (((centre - half) / denom).max(0.0), ((centre + half) / denom).min(1.0))
}

/// A detector's recall and precision with their 95 % Wilson intervals, as one table row.
pub fn detector_row(name: &str, prf: &Prf) -> String {
    let (rl, rh) = wilson(prf.tp, prf.tp + prf.fn_);
    let (pl, ph) = wilson(prf.tp, prf.tp + prf.fp);
    format!(
        "| {name} | {} of {} | {:.3} [{rl:.2}, {rh:.2}] | {:.3} [{pl:.2}, {ph:.2}] | {} |",
        prf.tp,
        prf.tp + prf.fn_,
        prf.recall(),
        prf.precision(),
        prf.fp
    )
}

/// The header of [`detector_row`]'s table.
pub const DETECTOR_HEADER: &str = "| detector | found | recall [95 % CI] | precision [95 % CI] | false alarms |\n|---|---:|---:|---:|---:|";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_intervals_hold_the_proportion_and_stay_in_range() {
        let (lo, hi) = wilson(18, 20);
        assert!(lo < 0.9 && 0.9 < hi && lo > 0.6 && hi < 1.0, "{lo} {hi}");
        assert_eq!(wilson(0, 0), (0.0, 1.0));
        let (lo, hi) = wilson(0, 10);
        assert_eq!(lo, 0.0);
        assert!(hi > 0.2 && hi < 0.35, "{hi}");
        let (lo, hi) = wilson(10, 10);
        assert!(lo > 0.65 && hi == 1.0);
        let row = detector_row("x", &Prf { tp: 9, fp: 3, fn_: 1 });
        assert!(row.contains("9 of 10") && row.contains("0.900") && row.contains("0.750"), "{row}");
    }

    #[test]
    fn binary_counts() {
        let r = binary(&[(true, true), (true, false), (false, false), (false, true)]);
        assert_eq!(r.accuracy(), 0.5);
        assert_eq!(r.positive, Prf { tp: 1, fp: 1, fn_: 1 });
        assert!((r.positive.f1() - 0.5).abs() < 1e-12);
    }

    #[test]
    fn multilabel_micro_macro_and_confusion() {
        let labels = vec!["a".to_string(), "b".to_string(), "c".to_string()];
        let items = vec![
            LabelledPrediction { predicted: vec![0], gold: vec![0], predicted_primary: Some(0), gold_primary: Some(0) },
            LabelledPrediction { predicted: vec![0, 1], gold: vec![1], predicted_primary: Some(0), gold_primary: Some(1) },
        ];
        let r = multilabel(&labels, &items);
        assert_eq!(r.per_class[0], Prf { tp: 1, fp: 1, fn_: 0 });
        assert_eq!(r.per_class[1], Prf { tp: 1, fp: 0, fn_: 0 });
        assert_eq!(r.micro(), Prf { tp: 2, fp: 1, fn_: 0 });
        // c never occurs in gold: left out of the macro average.
        assert!((r.macro_f1() - (2.0 / 3.0 + 1.0) / 2.0).abs() < 1e-12);
        assert_eq!(r.primary_accuracy(), 0.5);
        assert_eq!(r.confusion[1][0], 1);
        assert!(r.to_string().contains("micro-F1"));
    }
}
