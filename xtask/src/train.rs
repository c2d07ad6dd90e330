//! `cargo xtask train [--dict]` and `cargo xtask eval`: rebuild the model artefact (and, with
//! `--dict`, the segmentation dictionary) from the external corpora and the project's labels.
//! Needs `../shared/data/external/` beside the checkout. Deterministic: same inputs, same bytes.

use std::process::Command;

use xtask::root;

use crate::{Result, sh, step};

/// The hyperparameters of the shipped model, chosen on a hold-out of the training data (never on
/// the dev split): see docs/CLASSIFIER.md.
pub const TRAIN_ARGS: &[&str] = &[
    "--bits-complaint",
    "18",
    "--bits-categories",
    "14",
    "--epochs",
    "4",
    "--learning-rate",
    "0.2",
    "--l2",
    "1e-5",
    "--category-epochs",
    "15",
    "--category-learning-rate",
    "0.5",
    "--keep-complaint",
    "0.05",
    "--keep-categories",
    "0.1",
    "--levels",
    "7",
    "--seed",
    "20261123",
];

/// The version tag of the model this tree trains: bump it whenever labels, data or settings change.
pub const MODEL_VERSION: &str = "qt-lr-2";

fn python_venv(packages: &[&str]) -> Result<std::path::PathBuf> {
    let venv = root().join("target/py");
    let python = venv.join("bin/python");
    if !python.exists() {
        step("creating a Python venv for the data scripts (target/py)");
        sh(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    }
    if !packages.is_empty() {
        let mut cmd = Command::new(venv.join("bin/pip"));
        cmd.args(["install", "-q", "--disable-pip-version-check"]).args(packages);
        sh(&mut cmd)?;
    }
    Ok(python)
}

pub fn datasets() -> Result<()> {
    step("assembling training and dev files (target/data) from ../shared/data/external and data/labels");
    sh(Command::new("python3").arg("scripts/build_datasets.py").current_dir(root()))
}

pub fn train(args: &[String]) -> Result<()> {
    let root = root();
    if args.iter().any(|a| a == "--dict") {
        let python = python_venv(&["jieba==0.42.1"])?;
        step("rebuilding the segmentation dictionary (shared/model/dict.txt)");
        sh(Command::new(python).arg("scripts/build_dict.py").current_dir(&root))?;
    }
    datasets()?;
    step("building the qingting CLI (release)");
    sh(Command::new("cargo").args(["build", "--release", "--quiet", "-p", "qingting-cli"]).current_dir(&root))?;
    step("training (qingting train) → shared/model/qingting.qtm");
    sh(Command::new(root.join("target/release/qingting"))
        .args(["train", "--complaint", "target/data/complaint_train.jsonl", "--complaint-extra", "target/data/complaint_extra.jsonl"])
        .args(["--categories", "target/data/category_train.jsonl", "--out", "shared/model/qingting.qtm", "--version", MODEL_VERSION])
        .args(TRAIN_ARGS)
        .current_dir(&root))?;
    eval()
}

pub fn eval() -> Result<()> {
    let root = root();
    if !root.join("target/data/complaint_dev.jsonl").exists() {
        datasets()?;
    }
    sh(Command::new("cargo").args(["build", "--release", "--quiet", "-p", "qingting-cli"]).current_dir(&root))?;
    step("evaluating the built-in model on the dev splits");
    sh(Command::new(root.join("target/release/qingting"))
        .args(["eval", "--complaint", "target/data/complaint_dev.jsonl", "--categories", "target/data/category_dev.jsonl"])
        .current_dir(&root))
}

/// `cargo xtask bench-baselines`: scikit-learn and fastText against Qingting on the same splits.
pub fn bench_baselines() -> Result<()> {
    let python = python_venv(&["jieba==0.42.1", "scikit-learn", "numpy<2", "fasttext-wheel"])?;
    datasets()?;
    sh(Command::new("cargo").args(["build", "--release", "--quiet", "-p", "qingting-cli"]).current_dir(root()))?;
    step("training and scoring the baselines (a few minutes)");
    sh(Command::new(python).arg("scripts/bench_baselines.py").current_dir(root()))
}

/// `cargo xtask faq`: compile the default FAQ pack (data/faq/default.json → shared/model/faq-default.qtf).
pub fn faq() -> Result<()> {
    step("compiling data/faq/default.json → shared/model/faq-default.qtf");
    sh(Command::new("cargo")
        .args(["run", "--release", "--quiet", "-p", "qingting-cli", "--", "faq-compile", "data/faq/default.json", "--out", "shared/model/faq-default.qtf"])
        .current_dir(root()))
}

/// `cargo xtask faq-measure`: the FAQ auto-reply threshold table of docs/BENCHMARKS.md.
pub fn faq_measure() -> Result<()> {
    datasets()?;
    sh(Command::new("cargo").args(["build", "--release", "--quiet", "-p", "qingting-cli"]).current_dir(root()))?;
    let q = root().join("target/release/qingting");
    step("chosen on: waimai_10k train negatives + ATEC how-to questions; acknowledgements hand-labelled on a train sample");
    sh(Command::new(&q)
        .args([
            "faq-measure",
            "--complaints",
            "target/data/faq_complaints_train.jsonl",
            "--questions",
            "target/data/faq_questions.jsonl",
            "--acknowledge-labels",
            "data/labels/faq_ack_train.jsonl",
        ])
        .current_dir(root()))?;
    step("checked on: waimai_10k dev negatives and a hand-labelled dev sample (held out)");
    sh(Command::new(&q)
        .args(["faq-measure", "--complaints", "target/data/faq_complaints_dev.jsonl", "--acknowledge-labels", "data/labels/faq_ack_dev.jsonl"])
        .current_dir(root()))
}

/// `cargo xtask similar`: train the paraphrase model on 80 % of the ATEC pairs and print ROC-AUC
/// and best F1 on the other 20 % next to BM25 and TF-IDF cosine.
pub fn similar() -> Result<()> {
    datasets()?;
    let root = root();
    sh(Command::new("cargo").args(["build", "--release", "--quiet", "-p", "qingting-cli"]).current_dir(&root))?;
    step("training the paraphrase model → shared/model/similar.qtl");
    sh(Command::new(root.join("target/release/qingting")).args(["similar-train", "--pairs", "target/data/atec_pairs_train.jsonl"]).current_dir(&root))?;
    sh(Command::new("cargo").args(["build", "--release", "--quiet", "-p", "qingting-cli"]).current_dir(&root))?;
    sh(Command::new(root.join("target/release/qingting"))
        .args(["similar-eval", "--train", "target/data/atec_pairs_train.jsonl", "--pairs", "target/data/atec_pairs_holdout.jsonl"])
        .current_dir(&root))
}
