//! `cargo xtask bench-masking`: recall and precision of personal-data masking per kind over the
//! project-written corpus `data/masking/corpus.jsonl` (the table in docs/BENCHMARKS.md).

use std::process::Command;

use crate::util::{Result, root, sh, step};

pub fn bench_masking(args: &[String]) -> Result<()> {
    let root = root();
    step("building the qingting CLI (release)");
    sh(Command::new("cargo").args(["build", "--release", "--quiet", "-p", "qingting-cli"]).current_dir(&root))?;
    step("masking the corpus (data/masking/corpus.jsonl)");
    sh(Command::new(root.join("target/release/qingting")).args(["mask-eval", "--corpus", "data/masking/corpus.jsonl"]).args(args).current_dir(&root))
}
