//! `cargo xtask train [--dict] [--corrections FILE]…` and `cargo xtask eval`: rebuild the model artefact (and, with
//! `--dict`, the segmentation dictionary) from the external corpora and the project's labels.
//! Needs `../shared/data/external/` beside the checkout. Deterministic: same inputs, same bytes.

use std::process::Command;

use crate::util::{Result, datasets, python_venv, root, sh, step};

/// The hyperparameters of the shipped model, chosen on a hold-out of the training data (never on
/// the dev split): see docs/CLASSIFIER.md.
pub const TRAIN_ARGS: &[&str] = &[
    "--bits-complaint",
    "16",
    "--bits-categories",
    "18",
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
    "0.2",
    "--keep-categories",
    "0.008",
    "--bits-urgent",
    "18",
    "--urgent-epochs",
    "15",
    "--urgent-oversample",
    "30",
    "--keep-urgent",
    "0.02",
    "--urgent-precision",
    "0.6",
    "--levels",
    "7",
    "--seed",
    "20261123",
];

/// The version tag of the model this tree trains: bump it whenever labels, data or settings change.
pub const MODEL_VERSION: &str = "qt-lr-3";

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
        .args(["--categories", "target/data/category_train.jsonl", "--urgent", "target/data/urgent_train.jsonl", "--out", "shared/model/qingting.qtm", "--version", MODEL_VERSION])
        .args(TRAIN_ARGS)
        .args(corrections(args))
        .current_dir(&root))?;
    eval(&[])
}

/// `--corrections FILE` (repeatable): staff corrections from `GET /v1/corrections`, passed on to
/// `qingting train`. A model trained with them is a deployment's own: give it its own version.
fn corrections(args: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--corrections"
            && let Some(path) = it.next()
        {
            out.extend(["--corrections".to_string(), path.clone()]);
        }
    }
    out
}

pub fn eval(_: &[String]) -> Result<()> {
    let root = root();
    if !root.join("target/data/urgent_dev.jsonl").exists() {
        datasets()?;
    }
    sh(Command::new("cargo").args(["build", "--release", "--quiet", "-p", "qingting-cli"]).current_dir(&root))?;
    step("evaluating the built-in model on the dev splits");
    sh(Command::new(root.join("target/release/qingting"))
        .args(["eval", "--complaint", "target/data/complaint_dev.jsonl", "--categories", "target/data/category_dev.jsonl", "--urgent", "target/data/urgent_dev.jsonl"])
        .current_dir(&root))
}
