//! `qingting similar` (score paraphrase pairs), `similar-train` and `similar-eval` (ROC-AUC and
//! best F1 against BM25 and character TF-IDF cosine baselines, in one run).

use std::collections::HashMap;
use std::path::PathBuf;

use qingting_shared::faq::terms;
use qingting_shared::understand::model::LinearTable;
use qingting_shared::understand::segment::Segmenter;
use qingting_shared::understand::similar::{BUILTIN_SIMILAR, pair_features, roc_auc, similarity};
use qingting_shared::understand::text::normalize;
use qingting_shared::understand::train::{Example, TrainConfig, fit};
use serde::Deserialize;

use crate::CliError;
use crate::data::read_jsonl;

#[derive(Deserialize)]
struct Pair {
    #[serde(default)]
    id: serde_json::Value,
    q1: String,
    q2: String,
    #[serde(default)]
    same: Option<u8>,
}

fn builtin() -> Result<LinearTable, CliError> {
    Ok(LinearTable::from_bytes(BUILTIN_SIMILAR)?)
}

/// stdin `{"id","q1","q2"}` → `{"id","score"}`.
pub fn run(segmenter: &Segmenter) -> Result<(), CliError> {
    let model = builtin()?;
    crate::each_jsonl_line(|line, n| match serde_json::from_str::<Pair>(line) {
        Ok(p) => {
            serde_json::json!({"id": p.id, "score": (f64::from(similarity(&model, segmenter, &p.q1, &p.q2)) * 1e4).round() / 1e4})
        }
        Err(e) => {
            serde_json::json!({"id": null, "line": n, "error": {"code": "invalid_pair", "message": e.to_string()}})
        }
    })
}

#[derive(clap::Args)]
pub struct TrainArgs {
    #[arg(long)]
    pairs: PathBuf,
    #[arg(long, default_value = "shared/model/similar.qtl")]
    out: PathBuf,
}

pub fn train(segmenter: &Segmenter, args: &TrainArgs) -> Result<(), CliError> {
    let pairs = read_jsonl::<Pair>(&args.pairs)?;
    let examples: Vec<Example> =
        pairs.iter().filter_map(|p| p.same.map(|s| Example { features: pair_features(segmenter, &p.q1, &p.q2), targets: vec![s == 1], weight: 1.0 })).collect();
    let cfg = TrainConfig { bits: 18, epochs: 8, learning_rate: 0.2, l2: 1e-6, seed: 20261123, balance: false, full_balance: false };
    let mut table = fit(&examples, 1, &cfg);
    table.prune(0.3);
    let model = table.quantize(&["same"], &[0.5], 15);
    let bytes = model.to_bytes();
    std::fs::write(&args.out, &bytes).map_err(|source| CliError::Io { path: args.out.display().to_string(), source })?;
    eprintln!("trained on {} pairs → {} ({} bytes)", examples.len(), args.out.display(), bytes.len());
    Ok(())
}

#[derive(clap::Args)]
pub struct EvalArgs {
    /// Pairs to train the baselines' statistics on (IDF).
    #[arg(long)]
    train: PathBuf,
    /// Held-out pairs to score.
    #[arg(long)]
    pairs: PathBuf,
}

struct Idf(HashMap<String, f32>, f32);

impl Idf {
    fn new(docs: impl Iterator<Item = Vec<String>>) -> Idf {
        let mut df: HashMap<String, f32> = HashMap::new();
        let mut n = 0.0;
        for d in docs {
            n += 1.0;
            let mut d = d;
            d.sort();
            d.dedup();
            for t in d {
                *df.entry(t).or_default() += 1.0;
            }
        }
        Idf(df, n)
    }
    fn get(&self, t: &str) -> f32 {
        let df = self.0.get(t).copied().unwrap_or(0.0);
        ((self.1 - df + 0.5) / (df + 0.5) + 1.0).ln()
    }
}

fn bm25(idf: &Idf, q: &[String], d: &[String], avg: f32) -> f32 {
    let mut tf: HashMap<&str, f32> = HashMap::new();
    for t in d {
        *tf.entry(t).or_default() += 1.0;
    }
    let len = d.len() as f32;
    q.iter().filter_map(|t| tf.get(t.as_str()).map(|&f| idf.get(t) * f * 2.2 / (f + 1.2 * (0.25 + 0.75 * len / avg)))).sum()
}

fn char_grams(text: &str) -> Vec<String> {
    let chars: Vec<char> = normalize(text).chars().filter(|c| c.is_alphanumeric()).collect();
    let mut out: Vec<String> = chars.iter().map(|c| c.to_string()).collect();
    out.extend(chars.windows(2).map(|w| w.iter().collect::<String>()));
    out
}

fn tfidf_vector<'a>(idf: &Idf, t: &'a [String]) -> HashMap<&'a str, f32> {
    let mut m: HashMap<&str, f32> = HashMap::new();
    for x in t {
        *m.entry(x.as_str()).or_default() += 1.0;
    }
    m.into_iter().map(|(k, v)| (k, (1.0 + v.ln()) * idf.get(k))).collect()
}

fn cosine(idf: &Idf, a: &[String], b: &[String]) -> f32 {
    let (va, vb) = (tfidf_vector(idf, a), tfidf_vector(idf, b));
    let dot: f32 = va.iter().filter_map(|(k, x)| vb.get(k).map(|y| x * y)).sum();
    let norm = |v: &HashMap<&str, f32>| v.values().map(|x| x * x).sum::<f32>().sqrt();
    let d = norm(&va) * norm(&vb);
    if d == 0.0 { 0.0 } else { dot / d }
}

fn best_f1(scored: &[(f32, bool)]) -> f64 {
    let mut v = scored.to_vec();
    v.sort_by(|a, b| b.0.total_cmp(&a.0));
    let pos = v.iter().filter(|x| x.1).count() as f64;
    let (mut tp, mut fp, mut best) = (0.0, 0.0, 0.0f64);
    for (_, y) in v {
        if y {
            tp += 1.0
        } else {
            fp += 1.0
        }
        best = best.max(2.0 * tp / (2.0 * tp + fp + (pos - tp)));
    }
    best
}

pub fn eval(segmenter: &Segmenter, args: &EvalArgs) -> Result<(), CliError> {
    let train = read_jsonl::<Pair>(&args.train)?;
    let pairs: Vec<Pair> = read_jsonl::<Pair>(&args.pairs)?.into_iter().filter(|p| p.same.is_some()).collect();
    let word_docs: Vec<Vec<String>> = train.iter().flat_map(|p| [terms(segmenter, &p.q1), terms(segmenter, &p.q2)]).collect();
    let avg = word_docs.iter().map(|d| d.len() as f32).sum::<f32>() / word_docs.len().max(1) as f32;
    let word_idf = Idf::new(word_docs.into_iter());
    let char_idf = Idf::new(train.iter().flat_map(|p| [char_grams(&p.q1), char_grams(&p.q2)]));
    let model = builtin()?;
    let (mut ours, mut bm, mut tfidf) = (Vec::new(), Vec::new(), Vec::new());
    for p in &pairs {
        let y = p.same == Some(1);
        let (a, b) = (terms(segmenter, &p.q1), terms(segmenter, &p.q2));
        bm.push(((bm25(&word_idf, &a, &b, avg) + bm25(&word_idf, &b, &a, avg)) / 2.0, y));
        tfidf.push((cosine(&char_idf, &char_grams(&p.q1), &char_grams(&p.q2)), y));
        ours.push((similarity(&model, segmenter, &p.q1, &p.q2), y));
    }
    println!("## Paraphrase pairs: {} held-out ATEC pairs ({} same)\n", pairs.len(), pairs.iter().filter(|p| p.same == Some(1)).count());
    println!("| method | ROC-AUC | best F1 |");
    println!("|---|---:|---:|");
    for (name, s) in [
        ("BM25 (jieba words + char bigrams, symmetric)", &bm),
        ("character 1–2-gram TF-IDF cosine", &tfidf),
        ("Qingting learned similarity (qingting similar)", &ours),
    ] {
        println!("| {name} | {:.4} | {:.4} |", roc_auc(s), best_f1(s));
    }
    Ok(())
}
