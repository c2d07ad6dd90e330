//! `qingting eval`: accuracy, per-class P/R/F1, micro/macro-F1 and a confusion matrix.

use std::path::PathBuf;
use std::time::Instant;

use qingting_shared::Priority;
use qingting_shared::understand::classify::{Classification, Classifier};
use qingting_shared::understand::eval::{DETECTOR_HEADER, LabelledPrediction, binary, detector_row, multilabel};
use qingting_shared::understand::model::Model;

use crate::CliError;
use crate::data::{Labelled, read_jsonl};

#[derive(clap::Args)]
pub struct Args {
    /// JSONL `{"id","text","complaint"}`: complaint-or-not accuracy.
    #[arg(long)]
    complaint: Option<PathBuf>,
    /// JSONL `{"id","text","categories","primary"}` of complaints: category metrics.
    #[arg(long)]
    categories: Option<PathBuf>,
    /// JSONL `{"id","text","urgent"}`: recall and precision of P1 with 95 % intervals.
    #[arg(long)]
    urgent: Option<PathBuf>,
}

pub fn run(classifier: &Classifier, args: &Args) -> Result<(), CliError> {
    if args.complaint.is_none() && args.categories.is_none() && args.urgent.is_none() {
        return Err(CliError::Usage("give --complaint, --categories and/or --urgent".into()));
    }
    println!("model {}", classifier.model_version());
    if let Some(path) = &args.complaint {
        let rows = read_jsonl::<Labelled>(path)?;
        let start = Instant::now();
        let pairs: Vec<(bool, bool)> = rows.iter().filter_map(|r| r.complaint.map(|g| (classifier.classify(&r.text).complaint, g))).collect();
        let us = start.elapsed().as_secs_f64() * 1e6 / rows.len().max(1) as f64;
        println!("\n## {} ({us:.1} µs per text)\n{}", path.display(), binary(&pairs));
    }
    if let Some(path) = &args.categories {
        let rows = read_jsonl::<Labelled>(path)?;
        let ids: Vec<String> = classifier.category_ids().iter().map(|c| c.as_str().to_string()).collect();
        let index = |name: &str| ids.iter().position(|i| i == name);
        let (mut given, mut end_to_end) = (Vec::new(), Vec::new());
        for r in rows.iter().filter(|r| !r.categories.is_empty()) {
            let gold: Vec<usize> = r.categories.iter().filter_map(|c| index(c)).collect();
            let gold_primary = r.primary.as_deref().and_then(index);
            let analysis = classifier.analyse(&r.text);
            let (_, probs) = classifier.scores(&analysis);
            let (predicted, primary) = classifier.categorize(&probs);
            given.push(LabelledPrediction { predicted, gold: gold.clone(), predicted_primary: Some(primary), gold_primary });
            let c = classifier.classify(&r.text);
            let predicted: Vec<usize> = c.categories.iter().filter_map(|c| index(c.as_str())).collect();
            let predicted_primary = c.primary.as_ref().and_then(|p| index(p.as_str()));
            end_to_end.push(LabelledPrediction { predicted, gold, predicted_primary, gold_primary });
        }
        println!("\n## {} — categories of complaints (category heads alone)\n{}", path.display(), multilabel(&ids, &given));
        let e2e = multilabel(&ids, &end_to_end);
        let micro = e2e.micro();
        println!(
            "end to end (a complaint the model misses gets no category): micro-F1 {:.4}, macro-F1 {:.4}, primary accuracy {:.4}",
            micro.f1(),
            e2e.macro_f1(),
            e2e.primary_accuracy()
        );
    }
    if let Some(path) = &args.urgent {
        let rows = read_jsonl::<Labelled>(path)?;
        let rules_only = Classifier::new(classifier.segmenter().clone(), Model { urgent: None, ..classifier.model().clone() });
        let (mut end_to_end, mut rules, mut head, mut missed) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for r in &rows {
            let Some(gold) = r.urgent else { continue };
            let p1 = |c: &Classification| c.priority == Some(Priority::P1);
            let full = classifier.classify(&r.text);
            let by_head = classifier.urgent(&classifier.analyse(&r.text)).1;
            end_to_end.push((p1(&full), gold));
            rules.push((p1(&rules_only.classify(&r.text)), gold));
            head.push((by_head, gold));
            if gold && !p1(&full) {
                missed.push(format!("{} (urgent score {:.2}, complaint {})", r.id, full.urgent_score, full.complaint));
            }
        }
        println!("\n## {} — urgent (P1)\n{DETECTOR_HEADER}", path.display());
        println!("{}", detector_row("rules alone (no urgent head)", &binary(&rules).positive));
        println!("{}", detector_row("urgent head alone", &binary(&head).positive));
        println!("{}", detector_row("P1 as classified (rules or head)", &binary(&end_to_end).positive));
        if !missed.is_empty() {
            println!("missed: {}", missed.join("; "));
        }
    }
    Ok(())
}
