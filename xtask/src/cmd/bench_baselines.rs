//! `cargo xtask bench-baselines`: scikit-learn and fastText against Qingting on the same splits.

use std::process::Command;

use crate::util::{Result, datasets, python_venv, root, sh, step};

pub fn bench_baselines(_: &[String]) -> Result<()> {
    let python = python_venv(&["jieba==0.42.1", "scikit-learn", "numpy<2", "fasttext-wheel"])?;
    datasets()?;
    sh(Command::new("cargo").args(["build", "--release", "--quiet", "-p", "qingting-cli"]).current_dir(root()))?;
    step("training and scoring the baselines (a few minutes)");
    sh(Command::new(python).arg("scripts/bench_baselines.py").current_dir(root()))
}
