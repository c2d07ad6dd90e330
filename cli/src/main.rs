//! `qingting` — Qingting's domain on the command line, with exactly the code and artefacts the
//! widget and the worker use. Every subcommand reads JSON lines on stdin and writes one JSON line
//! per input line (a bad line gets an `{"error":{"code","message"}}` line, never a crash):
//!
//! ```text
//! qingting classify | explain   {"id","text"}        → the classification (explain: plus "top_tokens";
//!                                                      "given_complaint": true skips the complaint decision)
//! qingting segment              one text per line    → space-separated tokens
//! qingting faq                  {"id","text","lang"?} → the worker's intake decision (decision, status, reply)
//! qingting similar              {"id","q1","q2"}     → {"id","score"}
//! qingting sla                  {"id","calendar","start","minutes","pauses"?} → {"id","due","due_local"}
//! qingting mask-eval           --corpus FILE        → recall and precision of masking per kind
//! qingting fuzz                 --seconds N          → a time-boxed fuzzing run of the parsers (a table)
//! qingting spikes               {"key","hour","count"}  → at the end, one {"key","hour","kind","observed","expected","p",…} per alert
//! qingting train | eval | similar-train | similar-eval | faq-measure | faq-compile   (files; see --help)
//! ```
//!
//! `qingting --help` lists every subcommand with its arguments (from the `Command` enum below).

use std::io::{self, BufRead, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use qingting_shared::understand::classify::Classifier;

mod data;
mod eval;
mod faq;
mod fuzz;
mod mask_eval;
mod similar;
mod sla;
mod spikes;
mod train;

#[derive(Parser)]
#[command(name = "qingting", version, about = "倾听 Qingting complaint classifier")]
struct Cli {
    /// Use this model artefact instead of the built-in one.
    #[arg(long, global = true)]
    model: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Classify JSONL `{"id","text"}` from stdin; one JSONL line out per line in.
    Classify,
    /// Like `classify`, plus `top_tokens`: the words that drove each decision.
    Explain,
    /// Segment one text per line from stdin; space-separated tokens out.
    Segment,
    /// What the worker's intake would do with each `{"id","text","lang"?}` (classify, mask, route):
    /// `{"id","decision","status","reply_faq_id","matches"}` against the default FAQ pack.
    Faq,
    /// Score `{"id","q1","q2"}` pairs: `{"id","score"}`, higher = the same question.
    Similar,
    /// SLA due times: `{"id","calendar","start","minutes","pauses"?}` → `{"id","due","due_local"}`
    /// (business minutes in the calendar, pauses left out), through the worker's own code.
    Sla,
    /// Spike alerts over hourly counts `{"key","hour","count"}` (RFC 3339 hours, any keys): at the
    /// end of the input, the alerts the cron would have raised hour by hour, one JSON line each.
    Spikes(spikes::Args),
    /// Train the paraphrase model from `{"q1","q2","same"}` pairs.
    SimilarTrain(similar::TrainArgs),
    /// ROC-AUC and best F1 of the paraphrase model against BM25 and TF-IDF baselines.
    SimilarEval(similar::EvalArgs),
    /// Share of complaints auto-closed and questions answered per resolve threshold.
    FaqMeasure(faq::MeasureArgs),
    /// Compile a FAQ pack (JSON, `data/faq/*.json`) to the `QTF1` form the worker serves.
    FaqCompile {
        /// The JSON pack.
        pack: PathBuf,
        /// Where to write (default: stdout).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Train the model from JSONL files and write the artefact.
    Train(train::Args),
    /// Evaluate on labelled JSONL files and print metrics.
    Eval(eval::Args),
    /// Recall and precision of personal-data masking per kind over a corpus (data/masking/).
    MaskEval(mask_eval::Args),
    /// Fuzz the parsers of outside input (intake JSON, FAQ packs, the model, masking,
    /// segmentation) for a time box, from the corpus in data/fuzz/; crashes go to target/fuzz-crashes/.
    Fuzz(fuzz::Args),
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{path}: {source}")]
    Io { path: String, source: io::Error },
    #[error("{path}:{line}: {message}")]
    Data { path: String, line: usize, message: String },
    #[error("model: {0}")]
    Model(#[from] qingting_shared::understand::model::ModelError),
    #[error("{0}")]
    Usage(String),
}

fn load_classifier(model: Option<&PathBuf>) -> Result<Classifier, CliError> {
    match model {
        None => Ok(Classifier::builtin().clone()),
        Some(path) => {
            let bytes = std::fs::read(path).map_err(|source| CliError::Io { path: path.display().to_string(), source })?;
            Ok(Classifier::from_model_bytes(&bytes)?)
        }
    }
}

/// Runs `f` on every non-empty stdin line (with its 1-based number) and writes its JSON answer.
/// Split on bytes, not `lines()`: a line that is not UTF-8 gets an error line, and the run goes on.
pub fn each_jsonl_line(mut f: impl FnMut(&str, usize) -> serde_json::Value) -> Result<(), CliError> {
    let mut out = BufWriter::new(io::stdout().lock());
    let io_err = |source| CliError::Io { path: "stdout".into(), source };
    for (n, line) in io::stdin().lock().split(b'\n').enumerate() {
        let line = line.map_err(|source| CliError::Io { path: "stdin".into(), source })?;
        let result = match String::from_utf8(line) {
            Ok(line) if line.trim().is_empty() => continue,
            Ok(line) => f(&line, n + 1),
            Err(_) => {
                serde_json::json!({"id": null, "line": n + 1, "error": {"code": "invalid_utf8", "message": "the line is not valid UTF-8"}})
            }
        };
        writeln!(out, "{result}").map_err(io_err)?;
    }
    out.flush().map_err(io_err)
}

fn classify(classifier: &Classifier, explain: bool) -> Result<(), CliError> {
    each_jsonl_line(|line, n| classify_line(classifier, line, n, explain))
}

/// One output line for one input line: a classification, or an error object for that id.
pub fn classify_line(classifier: &Classifier, line: &str, line_no: usize, explain: bool) -> serde_json::Value {
    use serde_json::{Value, json};
    let parsed: Result<Value, _> = serde_json::from_str(line);
    let id = parsed.as_ref().ok().and_then(|v| v.get("id").cloned()).unwrap_or(Value::Null);
    let text = match &parsed {
        Err(e) => {
            return json!({"id": id, "line": line_no, "error": {"code": "invalid_json", "message": e.to_string()}});
        }
        Ok(v) => v.get("text").and_then(Value::as_str),
    };
    let Some(text) = text else {
        return json!({"id": id, "line": line_no, "error": {"code": "missing_text", "message": "each line needs a string field `text`"}});
    };
    // `"given_complaint": true` takes the complaint decision as given (category benchmarks).
    let given = parsed.as_ref().ok().and_then(|v| v.get("given_complaint")).and_then(Value::as_bool).unwrap_or(false);
    let c = if given { classifier.classify_as_complaint(text) } else { classifier.classify(text) };
    let mut out = json!({
        "id": id,
        "complaint": c.complaint,
        "complaint_score": (f64::from(c.complaint_score) * 1e4).round() / 1e4,
        "categories": c.categories,
        "primary": c.primary,
        "priority": c.priority,
        "urgent_score": (f64::from(c.urgent_score) * 1e4).round() / 1e4,
    });
    if explain {
        out["top_tokens"] = json!(c.top_tokens);
    }
    out
}

fn segment(classifier: &Classifier) -> Result<(), CliError> {
    let stdin = io::stdin();
    let mut out = BufWriter::new(io::stdout().lock());
    let io_err = |source| CliError::Io { path: "stdout".into(), source };
    for line in stdin.lock().lines() {
        let line = line.map_err(|source| CliError::Io { path: "stdin".into(), source })?;
        let norm = qingting_shared::understand::text::normalize(&line);
        writeln!(out, "{}", classifier.segmenter().cut(&norm).join(" ")).map_err(io_err)?;
    }
    out.flush().map_err(io_err)
}

fn faq_compile(pack: &PathBuf, out: Option<&PathBuf>) -> Result<(), CliError> {
    let text = std::fs::read_to_string(pack).map_err(|source| CliError::Io { path: pack.display().to_string(), source })?;
    let parsed: qingting_shared::faq::FaqPack =
        serde_json::from_str(&text).map_err(|e| CliError::Data { path: pack.display().to_string(), line: e.line(), message: e.to_string() })?;
    parsed.validate().map_err(|e| CliError::Usage(format!("{}: {e}", pack.display())))?;
    let compiled = qingting_shared::faq::compiled::write(&parsed, None);
    match out {
        Some(path) => std::fs::write(path, compiled).map_err(|source| CliError::Io { path: path.display().to_string(), source }),
        None => io::stdout().write_all(compiled.as_bytes()).map_err(|source| CliError::Io { path: "stdout".into(), source }),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Train(args) => train::run(args),
        Command::FaqCompile { pack, out } => faq_compile(pack, out.as_ref()),
        Command::Sla => sla::run(),
        Command::Spikes(args) => spikes::run(args),
        Command::MaskEval(args) => mask_eval::run(args),
        Command::Fuzz(args) => fuzz::run(args),
        command => load_classifier(cli.model.as_ref()).and_then(|c| match command {
            Command::Classify => classify(&c, false),
            Command::Explain => classify(&c, true),
            Command::Segment => segment(&c),
            Command::Eval(args) => eval::run(&c, args),
            Command::Faq => faq::run(&c),
            Command::Similar => similar::run(c.segmenter()),
            Command::SimilarTrain(args) => similar::train(c.segmenter(), args),
            Command::SimilarEval(args) => similar::eval(c.segmenter(), args),
            Command::FaqMeasure(args) => faq::measure(&c, args),
            Command::Train(_) | Command::FaqCompile { .. } | Command::Sla | Command::Spikes(_) | Command::MaskEval(_) | Command::Fuzz(_) => unreachable!("handled above"),
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("qingting: {e}");
            ExitCode::FAILURE
        }
    }
}
