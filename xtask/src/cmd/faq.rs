//! `cargo xtask faq` and `cargo xtask faq-measure`: compile the default FAQ pack, and measure the
//! thresholds that decide when an FAQ answer settles a complaint.

use std::process::Command;

use crate::util::{Result, datasets, root, sh, step};

/// `cargo xtask faq`: compile the default FAQ pack (data/faq/default.json → shared/model/faq-default.qtf).
pub fn faq(_: &[String]) -> Result<()> {
    step("compiling data/faq/default.json → shared/model/faq-default.qtf");
    sh(Command::new("cargo")
        .args(["run", "--release", "--quiet", "-p", "qingting-cli", "--", "faq-compile", "data/faq/default.json", "--out", "shared/model/faq-default.qtf"])
        .current_dir(root()))
}

/// `cargo xtask faq-measure`: the FAQ auto-reply threshold table of docs/BENCHMARKS.md.
pub fn faq_measure(_: &[String]) -> Result<()> {
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
