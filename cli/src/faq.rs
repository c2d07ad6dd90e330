//! `qingting faq` (what the worker would do with each text) and `qingting faq-measure` (how the
//! decision thresholds were chosen).

use std::path::PathBuf;

use qingting_shared::Category;
use qingting_shared::classify::Classifier;
use qingting_shared::faq::{
    DEFAULT_PACK, FaqIndex, FaqKind, Thresholds, category_prior, compiled, route,
};

use crate::CliError;
use crate::data::read_jsonl;

fn index(classifier: &Classifier) -> Result<FaqIndex, CliError> {
    let pack = compiled::read(DEFAULT_PACK).map_err(|e| CliError::Usage(e.to_string()))?;
    Ok(FaqIndex::build(pack, classifier.segmenter()))
}

/// The category prior the widget and worker use (see [`category_prior`]).
fn prior(classifier: &Classifier, text: &str) -> Vec<(Category, f32)> {
    category_prior(&classifier.classify(text))
}

/// stdin `{"id","text"}` → `{"id","decision","matches":[{"faq_id","score"}]}`.
pub fn run(classifier: &Classifier) -> Result<(), CliError> {
    let index = index(classifier)?;
    crate::each_jsonl_line(|line, n| {
        let v: Result<serde_json::Value, _> = serde_json::from_str(line);
        let id = v
            .as_ref()
            .ok()
            .and_then(|v| v.get("id").cloned())
            .unwrap_or(serde_json::Value::Null);
        let Some(text) = v
            .as_ref()
            .ok()
            .and_then(|v| v.get("text"))
            .and_then(|t| t.as_str())
        else {
            return serde_json::json!({"id": id, "line": n, "error": {"code": "missing_text", "message": "each line needs a string field `text`"}});
        };
        let routing = route(
            &index,
            classifier.segmenter(),
            text,
            &classifier.classify(text),
            Thresholds::default(),
        );
        let decision = routing.decision;
        let matches: Vec<serde_json::Value> = routing
            .matches
            .iter()
            .map(|m| serde_json::json!({"faq_id": index.pack().entries[m.entry].id, "score": (f64::from(m.score) * 1e4).round() / 1e4}))
            .collect();
        serde_json::json!({"id": id, "decision": decision, "matches": matches})
    })
}

#[derive(clap::Args)]
pub struct MeasureArgs {
    /// JSONL of real complaints that need a person (e.g. waimai_10k negatives).
    #[arg(long)]
    complaints: PathBuf,
    /// JSONL of how-to questions (e.g. ATEC questions labelled not-a-complaint).
    #[arg(long)]
    questions: Option<PathBuf>,
}

/// Prints, per resolve threshold, the share of complaints that would be auto-closed and the
/// share of questions that would be answered.
pub fn measure(classifier: &Classifier, args: &MeasureArgs) -> Result<(), CliError> {
    let index = index(classifier)?;
    let best_resolve = |text: &str| -> f32 {
        let m = index.search(classifier.segmenter(), text, &prior(classifier, text), 3);
        match m.first() {
            Some(b) if index.pack().entries[b.entry].kind == FaqKind::Resolves => b.score,
            _ => 0.0,
        }
    };
    let complaints: Vec<f32> = read_jsonl(&args.complaints)?
        .iter()
        .filter(|r| r.complaint != Some(false))
        .map(|r| best_resolve(&r.text))
        .collect();
    let questions: Vec<f32> = match &args.questions {
        Some(p) => read_jsonl(p)?
            .iter()
            .map(|r| best_resolve(&r.text))
            .collect(),
        None => Vec::new(),
    };
    let share = |v: &[f32], t: f32| {
        if v.is_empty() {
            0.0
        } else {
            v.iter().filter(|&&s| s >= t).count() as f64 / v.len() as f64
        }
    };
    println!(
        "| resolve threshold | complaints auto-closed (n={}) | questions answered (n={}) |",
        complaints.len(),
        questions.len()
    );
    println!("|---:|---:|---:|");
    for step in 10..=19 {
        let t = step as f32 * 0.05;
        println!(
            "| {t:.2} | {:.2} % | {:.1} % |",
            100.0 * share(&complaints, t),
            100.0 * share(&questions, t)
        );
    }
    let d = Thresholds::default();
    println!(
        "\ndefault resolve threshold {:.2}: complaints auto-closed {:.2} %, questions answered {:.1} %",
        d.resolve,
        100.0 * share(&complaints, d.resolve),
        100.0 * share(&questions, d.resolve)
    );
    Ok(())
}
