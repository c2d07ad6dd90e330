//! `qingting mask-eval --corpus data/masking/corpus.jsonl`: recall and precision of personal-data
//! masking per kind, over the project-written corpus of strings that must be masked and strings
//! that must survive (`data/masking/README.md`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use qingting_shared::intake::mask::{PiiKind, mask_pii};
use serde::Deserialize;

use crate::CliError;
use crate::data::read_jsonl;

#[derive(clap::Args)]
pub struct Args {
    /// JSONL `{"id","text","kind","secret"}` (must be masked) and `{"id","text","kind":"none","keep"}`.
    #[arg(long, default_value = "data/masking/corpus.jsonl")]
    corpus: PathBuf,
    /// Also list every miss and every false alarm.
    #[arg(long)]
    verbose: bool,
}

#[derive(Deserialize)]
struct Row {
    id: String,
    text: String,
    kind: String,
    #[serde(default)]
    secret: Option<String>,
    #[serde(default)]
    keep: Option<String>,
}

/// The corpus kind a masker kind answers for (precision is counted per corpus kind).
fn corpus_kind(k: PiiKind) -> &'static str {
    match k {
        PiiKind::Phone => "phone",
        PiiKind::IdNumber => "id_number",
        PiiKind::CardNumber | PiiKind::CardSecurity => "card",
        PiiKind::Email => "email",
        PiiKind::ChatAccount | PiiKind::Contact => "qq_wechat",
    }
}

#[derive(Default)]
struct Tally {
    rows: usize,
    masked: usize,
    /// Must-survive rows this kind's masking damaged.
    false_alarms: usize,
}

/// What masking did to the corpus: per kind, and how many must-survive rows were left intact.
struct Summary {
    by_kind: BTreeMap<String, Tally>,
    keep_rows: usize,
    kept: usize,
    notes: Vec<String>,
}

fn tally(rows: &[Row]) -> Result<Summary, String> {
    let mut s = Summary { by_kind: BTreeMap::new(), keep_rows: 0, kept: 0, notes: Vec::new() };
    for r in rows {
        let masked = mask_pii(&r.text);
        match (&r.secret, &r.keep) {
            (Some(secret), _) => {
                let t = s.by_kind.entry(r.kind.clone()).or_default();
                t.rows += 1;
                if masked.text.contains(secret.as_str()) {
                    s.notes.push(format!("missed {} ({}): {}", r.id, r.kind, masked.text));
                } else {
                    t.masked += 1;
                }
            }
            (None, Some(keep)) => {
                s.keep_rows += 1;
                if masked.text.contains(keep.as_str()) {
                    s.kept += 1;
                } else {
                    for k in &masked.found {
                        s.by_kind.entry(corpus_kind(*k).to_string()).or_default().false_alarms += 1;
                    }
                    s.notes.push(format!("false alarm {}: {} → {}", r.id, r.text, masked.text));
                }
            }
            (None, None) => return Err(format!("row {} has neither `secret` nor `keep`", r.id)),
        }
    }
    Ok(s)
}

pub fn run(args: &Args) -> Result<(), CliError> {
    let rows = read_jsonl::<Row>(&args.corpus)?;
    let Summary { by_kind, keep_rows, kept, notes } = tally(&rows).map_err(|e| CliError::Usage(format!("{}: {e}", args.corpus.display())))?;
    if args.verbose {
        notes.iter().for_each(|n| println!("{n}"));
    }
    println!("\n## Masking — {} ({} must be masked, {keep_rows} must survive)\n", args.corpus.display(), rows.len() - keep_rows);
    println!("| kind | must be masked | masked | recall | false alarms on must-survive rows | precision |");
    println!("|---|---:|---:|---:|---:|---:|");
    let (mut all_rows, mut all_masked, mut all_fa) = (0, 0, 0);
    for (kind, t) in &by_kind {
        let recall = if t.rows == 0 { f64::NAN } else { t.masked as f64 / t.rows as f64 };
        let precision = if t.masked + t.false_alarms == 0 { f64::NAN } else { t.masked as f64 / (t.masked + t.false_alarms) as f64 };
        println!("| {kind} | {} | {} | {recall:.3} | {} | {precision:.3} |", t.rows, t.masked, t.false_alarms);
        (all_rows, all_masked, all_fa) = (all_rows + t.rows, all_masked + t.masked, all_fa + t.false_alarms);
    }
    let precision = if all_masked + all_fa == 0 { f64::NAN } else { all_masked as f64 / (all_masked + all_fa) as f64 };
    println!("| **all** | {all_rows} | {all_masked} | {:.3} | {} | {precision:.3} |", all_masked as f64 / all_rows.max(1) as f64, keep_rows - kept);
    println!("\nmust-survive rows left intact: {kept} of {keep_rows}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, text: &str, kind: &str, secret: Option<&str>, keep: Option<&str>) -> Row {
        Row { id: id.into(), text: text.into(), kind: kind.into(), secret: secret.map(Into::into), keep: keep.map(Into::into) }
    }

    #[test]
    fn counts_masked_secrets_and_damaged_keeps_per_kind() {
        let rows = vec![
            row("m1", "我的电话13812345678", "phone", Some("13812345678"), None),
            row("m2", "邮箱 zhang@qq。com", "email", Some("zhang@qq。com"), None),
            row("k1", "一共38.5元，等了45分钟", "none", None, Some("38.5元")),
        ];
        let s = tally(&rows).unwrap();
        assert_eq!((s.by_kind["phone"].rows, s.by_kind["phone"].masked), (1, 1));
        assert_eq!(s.by_kind["email"].rows, 1);
        assert_eq!((s.keep_rows, s.kept), (1, 1));
        assert!(tally(&[row("x", "t", "none", None, None)]).is_err(), "a row must say what it expects");
    }
}
