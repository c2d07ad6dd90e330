//! `qingting train`: fit, calibrate on a seeded hold-out, refit on everything, quantise, write.

use std::path::{Path, PathBuf};

use qingting_shared::Taxonomy;
use qingting_shared::understand::classify::analyse;
use qingting_shared::taxonomy::Priority;
use qingting_shared::understand::eval::{DETECTOR_HEADER, LabelledPrediction, binary, detector_row, multilabel};
use qingting_shared::understand::model::{Model, UrgentHead};
use qingting_shared::understand::priority::priority_for;
use qingting_shared::understand::numeric::sigmoid;
use qingting_shared::understand::segment::Segmenter;
use qingting_shared::understand::train::{Example, TrainConfig, best_accuracy_threshold, best_f1_threshold, fit_sparse, platt, shuffle};

use crate::CliError;
use crate::data::{Labelled, read_jsonl};

#[derive(clap::Args)]
pub struct Args {
    /// JSONL `{"id","text","complaint"}` for the complaint head.
    #[arg(long)]
    complaint: PathBuf,
    /// More complaint-or-not JSONL, out of domain: always trained on, never held out.
    #[arg(long)]
    complaint_extra: Option<PathBuf>,
    /// JSONL `{"id","text","categories","primary"}` (complaints only) for the category heads.
    #[arg(long)]
    categories: PathBuf,
    /// Where to write the artefact.
    #[arg(long, default_value = "shared/model/qingting.qtm")]
    out: PathBuf,
    /// Version tag stored in the artefact and with every complaint.
    #[arg(long)]
    version: String,
    #[arg(long, default_value_t = 18)]
    bits_complaint: u8,
    #[arg(long, default_value_t = 14)]
    bits_categories: u8,
    #[arg(long, default_value_t = 8)]
    epochs: u32,
    #[arg(long, default_value_t = 0.2)]
    learning_rate: f32,
    #[arg(long, default_value_t = 1e-6)]
    l2: f32,
    /// Epochs for the category heads (default: --epochs).
    #[arg(long)]
    category_epochs: Option<u32>,
    /// Learning rate for the category heads (default: --learning-rate).
    #[arg(long)]
    category_learning_rate: Option<f32>,
    #[arg(long, default_value_t = 20261123)]
    seed: u64,
    /// Up-weight the positives of rare categories (sqrt of the class ratio).
    #[arg(long)]
    balance: bool,
    /// Share of the complaint head's non-zero weights kept (largest first); the rest become zero.
    #[arg(long, default_value_t = 1.0)]
    keep_complaint: f32,
    /// Share of each category head's non-zero weights kept.
    #[arg(long, default_value_t = 1.0)]
    keep_categories: f32,
    /// Quantisation steps each side of zero (127 = full i8; 7 ≈ 4-bit weights).
    #[arg(long, default_value_t = 127)]
    levels: u8,
    /// Folds for the out-of-fold probabilities that choose the category thresholds.
    #[arg(long, default_value_t = 5)]
    folds: usize,
    /// Share of the training data held out to calibrate scores and choose thresholds.
    #[arg(long, default_value_t = 0.15)]
    holdout: f64,
    /// Staff corrections exported by `GET /v1/corrections` (repeatable): trained on as category
    /// examples, and as urgent examples (corrected to P1 or not) when `--urgent` is given.
    #[arg(long)]
    corrections: Vec<PathBuf>,
    /// JSONL `{"id","text","urgent"}` for the urgent (P1) head; without it the artefact has none.
    #[arg(long)]
    urgent: Option<PathBuf>,
    #[arg(long, default_value_t = 14)]
    bits_urgent: u8,
    #[arg(long, default_value_t = 15)]
    urgent_epochs: u32,
    /// Repeat examples of rare categories up to this many times (1 = off).
    #[arg(long, default_value_t = 1)]
    category_oversample: usize,
    /// How many times each urgent example is repeated in training (the class is rare).
    #[arg(long, default_value_t = 8)]
    urgent_oversample: usize,
    /// Share of the urgent head's non-zero weights kept.
    #[arg(long, default_value_t = 1.0)]
    keep_urgent: f32,
    /// The urgent threshold is the lowest whose out-of-fold precision (rules or head) is at least this.
    #[arg(long, default_value_t = 0.7)]
    urgent_precision: f64,
}

/// The rows of every `--corrections` file (`GET /v1/corrections`): complaints as staff settled
/// them, the text masked. A ticket corrected twice appears once per file; later files win.
fn corrections(args: &Args) -> Result<Vec<Labelled>, CliError> {
    let mut by_id: Vec<Labelled> = Vec::new();
    for path in &args.corrections {
        for r in read_jsonl::<Labelled>(path)? {
            by_id.retain(|o| o.id != r.id);
            by_id.push(r);
        }
    }
    Ok(by_id)
}

/// Repeats each example by the square root of its rarest category's class ratio, capped at
/// `cap` (1 = no repetition): the rare categories are learnt without large sample weights.
fn repeat_rare(examples: &[Example], cap: usize) -> Vec<Example> {
    if cap <= 1 || examples.is_empty() {
        return examples.to_vec();
    }
    let heads = examples[0].targets.len();
    let n = examples.len() as f64;
    let factor: Vec<usize> = (0..heads)
        .map(|h| {
            let pos = examples.iter().filter(|e| e.targets[h]).count().max(1) as f64;
            (((n - pos) / pos).sqrt().round() as usize).clamp(1, cap)
        })
        .collect();
    examples
        .iter()
        .flat_map(|e| {
            let times = (0..heads).filter(|&h| e.targets[h]).map(|h| factor[h]).max().unwrap_or(1);
            std::iter::repeat_n(e, times)
        })
        .cloned()
        .collect()
}

/// Each positive `times` times: a rare class learnt by repetition rather than by one large
/// weight, which would blow up Adagrad's accumulators for exactly the features that matter.
fn oversample<'a>(examples: impl Iterator<Item = &'a Example>, times: usize) -> Vec<Example> {
    examples.flat_map(|e| std::iter::repeat_n(e, if e.targets[0] { times.max(1) } else { 1 })).cloned().collect()
}

/// The urgent head: out-of-fold logits → Platt scaling → the lowest threshold whose out-of-fold
/// precision, together with the explicit P1 rules, reaches the floor; then a refit on everything.
fn train_urgent(args: &Args, path: &Path, segmenter: &Segmenter, cfg: &TrainConfig) -> Result<UrgentHead, CliError> {
    let mut rows = read_jsonl::<Labelled>(path)?;
    // Staff corrections: a ticket corrected to P1 is urgent, one corrected to anything else is not.
    rows.extend(corrections(args)?.into_iter().map(|mut r| {
        r.urgent = Some(r.priority.as_deref() == Some("P1"));
        r
    }));
    let mut examples = Vec::with_capacity(rows.len());
    let mut rule = Vec::with_capacity(rows.len());
    for r in &rows {
        let label = r.urgent.ok_or_else(|| CliError::Usage(format!("{}: row {} has no `urgent`", path.display(), r.id)))?;
        let a = analyse(segmenter, &r.text);
        rule.push(priority_for(&a.normalized, &[]).0 == Priority::P1);
        examples.push(Example { features: a.features, targets: vec![label], weight: r.weight.unwrap_or(1.0) });
    }
    let mut order: Vec<usize> = (0..examples.len()).collect();
    shuffle(&mut order, args.seed ^ 0x7777);
    let mut oof = vec![0f32; examples.len()];
    for fold in 0..args.folds {
        let held: std::collections::HashSet<usize> = order.iter().copied().skip(fold).step_by(args.folds).collect();
        let fit_set = oversample((0..examples.len()).filter(|i| !held.contains(i)).map(|i| &examples[i]), args.urgent_oversample);
        let table = fit_sparse(&fit_set, 1, cfg, args.keep_urgent, 3);
        for &i in &held {
            oof[i] = table.logits(&examples[i].features)[0];
        }
    }
    let scored: Vec<(f32, bool)> = oof.iter().zip(&examples).map(|(&z, e)| (z, e.targets[0])).collect();
    let (a, b) = platt(&scored);
    let probs: Vec<f32> = oof.iter().map(|&z| sigmoid(a * z + b)).collect();
    // Figures and the threshold come from real texts only: project-written examples (ids
    // `qt-…`) are trained on but are easier than what customers write, and would flatter both.
    let real: Vec<bool> = rows.iter().map(|r| !r.id.starts_with("qt-")).collect();
    let count = |decide: &dyn Fn(usize) -> bool| {
        let pairs: Vec<(bool, bool)> = examples.iter().enumerate().filter(|(i, _)| real[*i]).map(|(i, e)| (decide(i), e.targets[0])).collect();
        binary(&pairs).positive
    };
    let mut threshold = 0.99f32;
    for step in (1..100).rev() {
        let t = step as f32 / 100.0;
        let prf = count(&|i| rule[i] || probs[i] >= t);
        if prf.precision() >= args.urgent_precision {
            threshold = t;
        }
    }
    eprintln!(
        "urgent, out-of-fold ({} folds; {} texts, figures over the {} real ones; threshold {threshold:.2}):\n{DETECTOR_HEADER}",
        args.folds,
        examples.len(),
        real.iter().filter(|&&r| r).count()
    );
    eprintln!("{}", detector_row("rules alone", &count(&|i| rule[i])));
    eprintln!("{}", detector_row("urgent head alone", &count(&|i| probs[i] >= threshold)));
    eprintln!("{}", detector_row("rules or head", &count(&|i| rule[i] || probs[i] >= threshold)));
    let table = fit_sparse(&oversample(examples.iter(), args.urgent_oversample), 1, cfg, args.keep_urgent, 3);
    Ok(UrgentHead { table: table.quantize(&["urgent"], &[threshold], args.levels), platt_a: a, platt_b: b })
}

fn split<T: Clone>(items: &[T], holdout: f64, seed: u64) -> (Vec<T>, Vec<T>) {
    let mut idx: Vec<usize> = (0..items.len()).collect();
    shuffle(&mut idx, seed);
    let cut = ((items.len() as f64) * holdout).round() as usize;
    let held = idx[..cut].iter().map(|&i| items[i].clone()).collect();
    let kept = idx[cut..].iter().map(|&i| items[i].clone()).collect();
    (kept, held)
}

/// Category metrics of out-of-fold probabilities with the chosen thresholds (the same decision
/// rule as `Classifier::categorize`, on float weights).
fn oof_report(oof: &[Vec<f32>], examples: &[Example], names: &[&str], thresholds: &[f32]) -> qingting_shared::understand::eval::MultiLabelReport {
    let other = names.iter().position(|n| *n == "other");
    let items: Vec<LabelledPrediction> = oof
        .iter()
        .zip(examples)
        .map(|(p, e)| {
            let primary = (0..p.len()).fold(0, |b, i| if p[i] > p[b] { i } else { b });
            let mut predicted: Vec<usize> = (0..p.len()).filter(|&i| i == primary || p[i] >= thresholds[i]).collect();
            if Some(primary) != other {
                predicted.retain(|&i| Some(i) != other);
            }
            let gold: Vec<usize> = (0..p.len()).filter(|&i| e.targets[i]).collect();
            LabelledPrediction { predicted, gold_primary: gold.first().copied(), gold, predicted_primary: Some(primary) }
        })
        .collect();
    let labels: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    multilabel(&labels, &items)
}

pub fn run(args: &Args) -> Result<(), CliError> {
    let segmenter = Segmenter::builtin();
    let taxonomy = Taxonomy::default_taxonomy();
    let names: Vec<&str> = taxonomy.categories().iter().map(|c| c.id.as_str()).collect();

    let complaint_examples = |path: &PathBuf| -> Result<Vec<Example>, CliError> {
        read_jsonl::<Labelled>(path)?
            .iter()
            .map(|r| {
                let label = r.complaint.ok_or_else(|| CliError::Usage(format!("{}: row {} has no `complaint`", path.display(), r.id)))?;
                Ok(Example { features: analyse(&segmenter, &r.text).features, targets: vec![label], weight: r.weight.unwrap_or(1.0) })
            })
            .collect()
    };
    let complaint = complaint_examples(&args.complaint)?;
    let extra = match &args.complaint_extra {
        Some(path) => complaint_examples(path)?,
        None => Vec::new(),
    };
    let mut category_rows = read_jsonl::<Labelled>(&args.categories)?;
    let corrected = corrections(args)?;
    if !corrected.is_empty() {
        eprintln!("adding {} staff corrections to the category and urgent data", corrected.len());
    }
    category_rows.extend(corrected.into_iter().filter(|r| !r.categories.is_empty()));
    let mut categories = Vec::with_capacity(category_rows.len());
    for r in &category_rows {
        if let Some(unknown) = r.categories.iter().find(|c| !names.contains(&c.as_str())) {
            return Err(CliError::Usage(format!("{}: row {} has unknown category {unknown}", args.categories.display(), r.id)));
        }
        let targets = names.iter().map(|n| r.categories.iter().any(|c| c == n)).collect();
        categories.push(Example { features: analyse(&segmenter, &r.text).features, targets, weight: r.weight.unwrap_or(1.0) });
    }
    eprintln!("training on {} (+{} out-of-domain) complaint-or-not texts and {} categorised complaints", complaint.len(), extra.len(), categories.len());

    let cfg = |bits| TrainConfig { bits, epochs: args.epochs, learning_rate: args.learning_rate, l2: args.l2, seed: args.seed, balance: false, full_balance: false };
    let category_cfg = |bits| TrainConfig {
        balance: args.balance,
        epochs: args.category_epochs.unwrap_or(args.epochs),
        learning_rate: args.category_learning_rate.unwrap_or(args.learning_rate),
        ..cfg(bits)
    };

    // 1. Calibrate on a hold-out.
    let (mut c_fit, c_held) = split(&complaint, args.holdout, args.seed);
    c_fit.extend(extra.iter().cloned());
    let c_table = fit_sparse(&c_fit, 1, &cfg(args.bits_complaint), args.keep_complaint, 2);
    let logits: Vec<(f32, bool)> = c_held.iter().map(|e| (c_table.logits(&e.features)[0], e.targets[0])).collect();
    let (platt_a, platt_b) = platt(&logits);
    let calibrated: Vec<(f32, bool)> = logits.iter().map(|&(z, y)| (sigmoid(platt_a * z + platt_b), y)).collect();
    let complaint_threshold = best_accuracy_threshold(&calibrated);
    let held_acc = calibrated.iter().filter(|&&(p, y)| (p >= complaint_threshold) == y).count() as f64 / calibrated.len().max(1) as f64;
    eprintln!("hold-out: complaint accuracy {held_acc:.4} at threshold {complaint_threshold:.2} (platt a={platt_a:.3} b={platt_b:.3})");

    // Category thresholds from out-of-fold probabilities over all the category data: the data is
    // small, and one 15 % hold-out gave thresholds that moved with the seed.
    let mut order: Vec<usize> = (0..categories.len()).collect();
    shuffle(&mut order, args.seed ^ 0x5555);
    let mut oof: Vec<Vec<f32>> = vec![Vec::new(); categories.len()];
    for fold in 0..args.folds {
        let held: Vec<usize> = order.iter().copied().skip(fold).step_by(args.folds).collect();
        let fit_set: Vec<Example> = order.iter().filter(|i| !held.contains(i)).map(|&i| categories[i].clone()).collect();
        let table = fit_sparse(&repeat_rare(&fit_set, args.category_oversample), names.len(), &category_cfg(args.bits_categories), args.keep_categories, 5);
        for &i in &held {
            oof[i] = table.logits(&categories[i].features).into_iter().map(sigmoid).collect();
        }
    }
    let thresholds: Vec<f32> =
        (0..names.len()).map(|h| best_f1_threshold(&oof.iter().zip(&categories).map(|(p, e)| (p[h], e.targets[h])).collect::<Vec<_>>())).collect();
    eprintln!("out-of-fold: category thresholds {}", names.iter().zip(&thresholds).map(|(n, t)| format!("{n}={t:.2}")).collect::<Vec<_>>().join(" "));
    let report = oof_report(&oof, &categories, &names, &thresholds);
    eprintln!(
        "out-of-fold ({} folds): categories micro-F1 {:.4} macro-F1 {:.4} primary accuracy {:.4}",
        args.folds,
        report.micro().f1(),
        report.macro_f1(),
        report.primary_accuracy()
    );
    // Per class, out of fold: the rare categories' figures rest on hundreds of examples here
    // rather than on the dev split's five.
    for (name, c) in report.labels.iter().zip(&report.per_class) {
        eprintln!("  out-of-fold {name}: support {} precision {:.3} recall {:.3} F1 {:.3}", c.support(), c.precision(), c.recall(), c.f1());
    }

    // 2. Refit on everything with the same settings; keep the calibration.
    let all: Vec<Example> = complaint.iter().chain(&extra).cloned().collect();
    let c_final = fit_sparse(&all, 1, &cfg(args.bits_complaint), args.keep_complaint, 2);
    let k_final = fit_sparse(&repeat_rare(&categories, args.category_oversample), names.len(), &category_cfg(args.bits_categories), args.keep_categories, 5);
    let urgent = match &args.urgent {
        Some(path) => Some(train_urgent(args, path, &segmenter, &TrainConfig { bits: args.bits_urgent, balance: false, epochs: args.urgent_epochs, ..category_cfg(args.bits_urgent) })?),
        None => None,
    };
    let model = Model {
        urgent,
        version: args.version.clone(),
        complaint: c_final.quantize(&["complaint"], &[complaint_threshold], args.levels),
        categories: k_final.quantize(&names, &thresholds, args.levels),
        platt_a,
        platt_b,
    };
    let bytes = model.to_bytes();
    std::fs::write(&args.out, &bytes).map_err(|source| CliError::Io { path: args.out.display().to_string(), source })?;
    eprintln!("wrote {} ({} bytes, version {})", args.out.display(), bytes.len(), model.version);
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: Args,
    }

    #[test]
    fn corrections_files_are_merged_by_ticket_later_files_winning() {
        let dir = std::env::temp_dir().join(format!("qingting-corrections-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (a, b) = (dir.join("a.jsonl"), dir.join("b.jsonl"));
        std::fs::write(&a, "{\"id\":\"t1\",\"text\":\"汤洒了\",\"complaint\":true,\"categories\":[\"delivery\"],\"primary\":\"delivery\",\"priority\":\"P3\"}\n{\"id\":\"t2\",\"text\":\"吃出塑料片\",\"complaint\":true,\"categories\":[\"food_safety\"],\"primary\":\"food_safety\",\"priority\":\"P1\",\"reason\":\"异物\"}\n").unwrap();
        std::fs::write(&b, "{\"id\":\"t1\",\"text\":\"汤洒了\",\"complaint\":true,\"categories\":[\"delivery\"],\"primary\":\"delivery\",\"priority\":\"P2\"}\n").unwrap();
        let cli = Cli::parse_from(["t", "--complaint", "c", "--categories", "k", "--version", "v", "--corrections", a.to_str().unwrap(), "--corrections", b.to_str().unwrap()]);
        let rows = corrections(&cli.args).unwrap();
        assert_eq!(rows.len(), 2);
        let t1 = rows.iter().find(|r| r.id == "t1").unwrap();
        assert_eq!(t1.priority.as_deref(), Some("P2"), "the later file wins");
        assert_eq!(rows.iter().find(|r| r.id == "t2").unwrap().categories, vec!["food_safety".to_string()]);
        std::fs::remove_dir_all(&dir).ok();
    }
}
