//! `cargo xtask similar`: train the paraphrase model on 80 % of the ATEC pairs and print ROC-AUC
//! and best F1 on the other 20 % next to BM25 and TF-IDF cosine.

use std::process::Command;

use crate::util::{Result, datasets, root, sh, step};

pub fn similar(_: &[String]) -> Result<()> {
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
