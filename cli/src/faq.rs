//! `qingting faq` (what the worker would do with each text) and `qingting faq-measure` (how the
//! decision thresholds were chosen).

use std::path::PathBuf;

use qingting_shared::Category;
use qingting_shared::faq::{DEFAULT_PACK, FaqIndex, FaqKind, Thresholds, acknowledges, category_prior, compiled};
use qingting_shared::intake::mask::mask_pii;
use qingting_shared::understand::classify::Classifier;
use qingting_shared::{Lang, intake};

use crate::CliError;
use crate::data::{Labelled, read_jsonl};

fn index(classifier: &Classifier) -> Result<FaqIndex, CliError> {
    let pack = compiled::read(DEFAULT_PACK).map_err(|e| CliError::Usage(e.to_string()))?;
    Ok(FaqIndex::build(pack, classifier.segmenter()))
}

/// The category prior the widget and worker use (see [`category_prior`]).
fn prior(classifier: &Classifier, text: &str) -> Vec<(Category, f32)> {
    category_prior(&classifier.classify(text))
}

/// stdin `{"id","text","lang"?}` → `{"id","decision","status","reply_faq_id","matches":[{"faq_id","score"}]}`:
/// the worker's intake decision ([`intake::decide`]) over the default pack and thresholds.
pub fn run(classifier: &Classifier) -> Result<(), CliError> {
    let index = index(classifier)?;
    crate::each_jsonl_line(|line, n| {
        let v: Result<serde_json::Value, _> = serde_json::from_str(line);
        let id = v.as_ref().ok().and_then(|v| v.get("id").cloned()).unwrap_or(serde_json::Value::Null);
        let Some(text) = v.as_ref().ok().and_then(|v| v.get("text")).and_then(|t| t.as_str()) else {
            return serde_json::json!({"id": id, "line": n, "error": {"code": "missing_text", "message": "each line needs a string field `text`"}});
        };
        let lang = v.as_ref().ok().and_then(|v| v.get("lang")).and_then(|l| l.as_str()).and_then(Lang::from_tag).unwrap_or_default();
        let d = intake::decide(classifier, &index, text, lang, Thresholds::default());
        let matches: Vec<serde_json::Value> = d
            .routing
            .matches
            .iter()
            .map(|m| serde_json::json!({"faq_id": index.pack().entries[m.entry].id, "score": (f64::from(m.score) * 1e4).round() / 1e4}))
            .collect();
        serde_json::json!({
            "id": id,
            "decision": d.decision(),
            "status": d.status,
            "reply_faq_id": d.reply.map(|r| r.faq_id),
            "matches": matches,
        })
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
    /// Hand labels `{"id","faq_id","relevant"}` of acknowledgements for rows of `--complaints`
    /// (a sample stratified by score): prints the acknowledgement's precision per threshold.
    #[arg(long)]
    acknowledge_labels: Option<PathBuf>,
}

/// Lower edge and width of the score bins the acknowledgement labels were sampled from.
const ACK_BIN_FROM: f32 = 0.55;
const ACK_BIN_WIDTH: f32 = 0.05;

fn ack_bin(score: f32) -> Option<usize> {
    (score >= ACK_BIN_FROM).then(|| (((score - ACK_BIN_FROM) / ACK_BIN_WIDTH) as usize).min(6))
}

#[derive(serde::Deserialize)]
struct AckLabel {
    id: String,
    faq_id: String,
    relevant: bool,
}

/// Precision of acknowledgements per threshold, each labelled row weighted by how many
/// complaints its score bin holds over how many of them were labelled (the sample is stratified).
fn measure_acknowledgements(classifier: &Classifier, index: &FaqIndex, rows: &[Labelled], labels: &std::path::Path) -> Result<(), CliError> {
    let defaults = Thresholds::default();
    // Per complaint: the acknowledgement it would get (entry id, score), unless it is auto-closed.
    let acks: Vec<(String, Option<(String, f32)>)> = rows
        .iter()
        .map(|r| {
            // Measured on what intake routes: the masked text (`intake::decide`).
            let c = classifier.classify(&r.text);
            let m = index.search(classifier.segmenter(), &mask_pii(&r.text).text, &category_prior(&c), 3);
            let resolved = m.first().is_some_and(|b| index.pack().entries[b.entry].kind == FaqKind::Resolves && b.score >= defaults.resolve);
            // The acknowledgement `route` would send at the lowest threshold measured here.
            let floor = Thresholds { acknowledge: ACK_BIN_FROM, ..defaults };
            let ack = (!resolved)
                .then(|| m.iter().find(|x| acknowledges(index.pack(), x, floor, &c.categories)).map(|x| (index.pack().entries[x.entry].id.clone(), x.score)))
                .flatten();
            (r.id.clone(), ack)
        })
        .collect();
    let by_id: std::collections::HashMap<&str, &(String, f32)> = acks.iter().filter_map(|(id, a)| a.as_ref().map(|a| (id.as_str(), a))).collect();
    let mut labelled: Vec<(f32, bool)> = Vec::new();
    let mut stale = 0;
    for l in read_jsonl::<AckLabel>(labels)? {
        match by_id.get(l.id.as_str()) {
            // The label judged this entry; if the pack now picks another, the label no longer applies.
            Some((faq_id, score)) if *faq_id == l.faq_id => labelled.push((*score, l.relevant)),
            _ => stale += 1,
        }
    }
    let mut population = [0f64; 7];
    for (_, a) in &acks {
        if let Some(b) = a.as_ref().and_then(|a| ack_bin(a.1)) {
            population[b] += 1.0;
        }
    }
    let mut sampled = [0f64; 7];
    for (s, _) in &labelled {
        if let Some(b) = ack_bin(*s) {
            sampled[b] += 1.0;
        }
    }
    let weight = |s: f32| ack_bin(s).map_or(0.0, |b| if sampled[b] > 0.0 { population[b] / sampled[b] } else { 0.0 });
    println!("\n| acknowledge threshold | complaints acknowledged (n={}) | relevant (weighted precision) | labelled ≥ threshold |", rows.len());
    println!("|---:|---:|---:|---:|");
    for step in 0..=8 {
        let t = 0.55 + step as f32 * 0.05;
        let acknowledged = acks.iter().filter(|(_, a)| a.as_ref().is_some_and(|a| a.1 >= t)).count();
        let above: Vec<&(f32, bool)> = labelled.iter().filter(|(s, _)| *s >= t).collect();
        let (w_all, w_rel) = above.iter().fold((0.0, 0.0), |(a, r), (s, rel)| (a + weight(*s), r + if *rel { weight(*s) } else { 0.0 }));
        let precision = if w_all > 0.0 { format!("{:.1} %", 100.0 * w_rel / w_all) } else { "—".into() };
        println!("| {t:.2} | {:.1} % | {precision} | {} |", 100.0 * acknowledged as f64 / rows.len().max(1) as f64, above.len());
    }
    println!("\n{} labels used, {stale} no longer apply (the pack now picks another entry or none)", labelled.len());
    Ok(())
}

/// Prints, per resolve threshold, the share of complaints that would be auto-closed and the
/// share of questions that would be answered.
pub fn measure(classifier: &Classifier, args: &MeasureArgs) -> Result<(), CliError> {
    let index = index(classifier)?;
    let best_resolve = |text: &str| -> f32 {
        let m = index.search(classifier.segmenter(), &mask_pii(text).text, &prior(classifier, text), 3);
        match m.first() {
            Some(b) if index.pack().entries[b.entry].kind == FaqKind::Resolves => b.score,
            _ => 0.0,
        }
    };
    let complaint_rows: Vec<Labelled> = read_jsonl::<Labelled>(&args.complaints)?.into_iter().filter(|r| r.complaint != Some(false)).collect();
    let complaints: Vec<f32> = complaint_rows.iter().map(|r| best_resolve(&r.text)).collect();
    let questions: Vec<f32> = match &args.questions {
        Some(p) => read_jsonl::<Labelled>(p)?.iter().map(|r| best_resolve(&r.text)).collect(),
        None => Vec::new(),
    };
    let share = |v: &[f32], t: f32| {
        if v.is_empty() { 0.0 } else { v.iter().filter(|&&s| s >= t).count() as f64 / v.len() as f64 }
    };
    println!("| resolve threshold | complaints auto-closed (n={}) | questions answered (n={}) |", complaints.len(), questions.len());
    println!("|---:|---:|---:|");
    for step in 10..=19 {
        let t = step as f32 * 0.05;
        println!("| {t:.2} | {:.2} % | {:.1} % |", 100.0 * share(&complaints, t), 100.0 * share(&questions, t));
    }
    let d = Thresholds::default();
    println!(
        "\ndefault resolve threshold {:.2}: complaints auto-closed {:.2} %, questions answered {:.1} %",
        d.resolve,
        100.0 * share(&complaints, d.resolve),
        100.0 * share(&questions, d.resolve)
    );
    if let Some(labels) = &args.acknowledge_labels {
        measure_acknowledgements(classifier, &index, &complaint_rows, labels)?;
    }
    Ok(())
}
