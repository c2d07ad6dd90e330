//! The commands of `cargo xtask`, one module each, and [`COMMANDS`]: the one list of them that
//! dispatch, `cargo xtask --help` and the documentation checks below are all made from.

mod bench_analytics;
mod bench_baselines;
mod bench_browser;
mod bench_inbox;
mod bench_load;
mod bench_masking;
mod fuzz;
mod bench_spikes;
mod bench_sweep;
mod build;
mod demo;
mod faq;
mod run;
mod seed;
mod setup;
mod similar;
mod sizes;
mod test;
mod train;

use crate::util::Result;

/// One `cargo xtask` command.
pub struct Command {
    /// What follows `cargo xtask`.
    pub name: &'static str,
    /// Its arguments, as shown in the usage (empty when it takes none).
    pub args: &'static str,
    /// One line for `cargo xtask --help`.
    pub about: &'static str,
    /// Runs it with the arguments after the name.
    pub run: fn(&[String]) -> Result<()>,
}

/// Every command, in the order `--help` shows them. README.md (its commands section) and the
/// `xtask/` row of ARCHITECTURE.md must name each one: the tests below check that.
pub const COMMANDS: &[Command] = &[
    Command {
        name: "run",
        args: "[--port N]",
        about: "install what is missing, build what is stale, start the whole system on 127.0.0.1 (Ctrl-C stops it)",
        run: run::run,
    },
    Command {
        name: "test",
        args: "",
        about: "install what is missing, build, run every test (unit, worker + local D1 over HTTP, Chromium end to end)",
        run: test::test,
    },
    Command {
        name: "seed",
        args: "[--tickets N] [--port N]",
        about: "fill the local demo with tickets in every status, from the project's own written examples (default 300)",
        run: seed::seed,
    },
    Command { name: "setup", args: "", about: "install only (the toolchain, npm tools and the browser), idempotently", run: setup::setup },
    Command { name: "build", args: "", about: "build only: the widget, the static files in target/www, the CLI, the worker bundle", run: build::build },
    Command { name: "sizes", args: "", about: "print the widget's size table (after build)", run: sizes::sizes },
    Command {
        name: "train",
        args: "[--dict]",
        about: "rebuild the model (and with --dict the dictionary) from ../shared/data and the labels, then eval",
        run: train::train,
    },
    Command { name: "eval", args: "", about: "the built-in model's metrics on the dev splits", run: train::eval },
    Command { name: "faq", args: "", about: "recompile the default FAQ pack (data/faq/default.json → shared/model/faq-default.qtf)", run: faq::faq },
    Command { name: "faq-measure", args: "", about: "measure the FAQ reply thresholds (the table in docs/BENCHMARKS.md)", run: faq::faq_measure },
    Command { name: "similar", args: "", about: "train the paraphrase model and measure it on the ATEC hold-out", run: similar::similar },
    Command { name: "bench-browser", args: "", about: "classification speed of the widget build in Chromium", run: bench_browser::bench_browser },
    Command {
        name: "bench-inbox",
        args: "[--tickets N]",
        about: "inbox and ticket API times and sign-in cost with 100,000 tickets in a local D1 (docs/BENCHMARKS.md)",
        run: bench_inbox::bench_inbox,
    },
    Command {
        name: "bench-sweep",
        args: "[--runs N]",
        about: "the cron's SLA sweep with 100,000 open tickets in a local D1: time and D1 statements per run (docs/BENCHMARKS.md)",
        run: bench_sweep::bench_sweep,
    },
    Command {
        name: "bench-spikes",
        args: "[--series N] [--seed N] [--config JSON]",
        about: "the spike detector replayed over seeded synthetic series: false alarms per 10,000 cell-hours and detection delay",
        run: bench_spikes::bench_spikes,
    },
    Command {
        name: "bench-analytics",
        args: "[--tickets N] [--samples N]",
        about: "the dashboards' API over 1,000,000 tickets in a local D1, and what the counts add to intake (docs/BENCHMARKS.md)",
        run: bench_analytics::bench_analytics,
    },
    Command {
        name: "bench-masking",
        args: "[--verbose]",
        about: "recall and precision of personal-data masking per kind over the project's corpus (data/masking/)",
        run: bench_masking::bench_masking,
    },
    Command {
        name: "bench-load",
        args: "[--requests N]",
        about: "intake under load (concurrency 1, 8, 32, beside /v1/health), one client over the limit, a restart half-way, a receiver outage and redrive",
        run: bench_load::bench_load,
    },
    Command {
        name: "fuzz",
        args: "[--seconds N] [--target NAME] [--seed N]",
        about: "time-boxed fuzzing of the intake JSON, FAQ packs, the model loader, masking and segmentation (data/fuzz/)",
        run: fuzz::fuzz,
    },
    Command {
        name: "bench-baselines",
        args: "",
        about: "scikit-learn and fastText against Qingting on the same splits",
        run: bench_baselines::bench_baselines,
    },
];

/// What asks for the usage (on stdout, exit 0) instead of a command.
pub const HELP: [&str; 3] = ["--help", "-h", "help"];

/// The command called `name`.
pub fn find(name: &str) -> Option<&'static Command> {
    COMMANDS.iter().find(|c| c.name == name)
}

/// The usage text: the one-line synopsis, then a line per command.
pub fn usage() -> String {
    let synopsis = |c: &Command| if c.args.is_empty() { c.name.to_string() } else { format!("{} {}", c.name, c.args) };
    let all: Vec<String> = COMMANDS.iter().map(synopsis).collect();
    let width = all.iter().map(|s| s.chars().count()).max().unwrap_or(0);
    let mut text = format!("usage: cargo xtask <{}>\n\n", all.join(" | "));
    for (c, s) in COMMANDS.iter().zip(&all) {
        text.push_str(&format!("  {s:width$}  {}\n", c.about));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::root;

    fn doc(name: &str) -> String {
        std::fs::read_to_string(root().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    /// Whether `text` says `cargo xtask <name>` (and not just a longer name that starts with it).
    fn mentions(text: &str, name: &str) -> bool {
        let needle = format!("cargo xtask {name}");
        text.match_indices(&needle).any(|(at, _)| !text[at + needle.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '-' || c == '_'))
    }

    #[test]
    fn names_are_unique_and_plain() {
        for (i, c) in COMMANDS.iter().enumerate() {
            assert!(!c.name.is_empty() && c.name.chars().all(|ch| ch.is_ascii_lowercase() || ch == '-'), "name {:?}", c.name);
            assert!(!c.about.is_empty() && !c.about.contains('\n'), "{}: one line of description", c.name);
            assert!(COMMANDS[i + 1..].iter().all(|d| d.name != c.name), "{} is listed twice", c.name);
            assert_eq!(find(c.name).map(|f| f.about), Some(c.about), "find({:?})", c.name);
        }
        assert!(HELP.iter().chain(&[""]).all(|h| find(h).is_none()), "a command hides a help word");
    }

    #[test]
    fn usage_names_every_command_with_its_arguments() {
        let usage = usage();
        assert!(usage.starts_with("usage: cargo xtask <run [--port N] | test | "), "{usage}");
        for c in COMMANDS {
            assert!(usage.lines().any(|l| l.trim_start().starts_with(c.name) && l.contains(c.args) && l.ends_with(c.about)), "{}:\n{usage}", c.name);
        }
    }

    #[test]
    fn readme_commands_section_names_every_command() {
        let readme = doc("README.md");
        let start = readme.find("\n## The two commands").expect("README has a section `## The two commands`");
        let section = &readme[start + 1..];
        let section = &section[..section[1..].find("\n## ").map_or(section.len(), |end| end + 1)];
        let missing: Vec<&str> = COMMANDS.iter().map(|c| c.name).filter(|n| !mentions(section, n)).collect();
        assert!(missing.is_empty(), "README.md's commands section does not mention `cargo xtask {}`", missing.join("`, `cargo xtask "));
    }

    #[test]
    fn architecture_xtask_row_names_every_command() {
        let map = doc("ARCHITECTURE.md");
        let row = map.lines().find(|l| l.starts_with("| `xtask/` |")).expect("ARCHITECTURE.md has a row for `xtask/`");
        let missing: Vec<&str> = COMMANDS.iter().map(|c| c.name).filter(|n| !row.contains(&format!("`{n}`"))).collect();
        assert!(missing.is_empty(), "ARCHITECTURE.md's `xtask/` row does not name `{}`", missing.join("`, `"));
    }

    #[test]
    fn docs_name_no_command_that_does_not_exist() {
        let mut files = vec!["README.md".to_string(), "ARCHITECTURE.md".to_string()];
        for entry in std::fs::read_dir(root().join("docs")).expect("docs/").flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".md") {
                files.push(format!("docs/{name}"));
            }
        }
        for file in files {
            let text = doc(&file);
            for (at, needle) in text.match_indices("cargo xtask ") {
                let word: String = text[at + needle.len()..].chars().take_while(|c| c.is_ascii_lowercase() || *c == '-').collect();
                assert!(
                    word.is_empty() || HELP.contains(&word.as_str()) || find(&word).is_some(),
                    "{file} mentions `cargo xtask {word}`, which is not in COMMANDS"
                );
            }
        }
    }
}
