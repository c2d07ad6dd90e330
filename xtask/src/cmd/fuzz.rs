//! `cargo xtask fuzz [--seconds N]`: the time-boxed fuzzing run of the parsers that read outside
//! input (`qingting fuzz`: intake JSON, FAQ packs, the model artefact, masking, segmentation) from
//! the committed corpus in `data/fuzz/`; a crash leaves its input in `target/fuzz-crashes/`.
//! `cargo xtask test` runs it for 10 seconds.

use std::process::Command;

use crate::util::{Result, root, sh, step};

pub fn fuzz(args: &[String]) -> Result<()> {
    let root = root();
    step("building the qingting CLI (release)");
    sh(Command::new("cargo").args(["build", "--release", "--quiet", "-p", "qingting-cli"]).current_dir(&root))?;
    let seconds = if args.iter().any(|a| a == "--seconds") { vec![] } else { vec!["--seconds".to_string(), "60".to_string()] };
    step("fuzzing the parsers (data/fuzz/ → target/fuzz-crashes/ on a crash)");
    sh(Command::new(root.join("target/release/qingting")).arg("fuzz").args(&seconds).args(args).current_dir(&root))
}
