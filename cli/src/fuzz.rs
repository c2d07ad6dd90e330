//! `qingting fuzz --seconds 60`: a time-boxed mutational fuzzer on the stable toolchain
//! (`cargo fuzz` needs nightly, which cannot be installed here) over the code that reads outside
//! input: the JSON intake (`ComplaintSubmission` → `validate`), FAQ packs (the compiled `QTF1`
//! form and merchants' JSON), the model artefact loader, masking and segmentation.
//!
//! Each target starts from its committed corpus (`data/fuzz/<target>/`, plus the shipped model
//! and FAQ pack) and runs mutated inputs — bit flips, random and "interesting" bytes and strings,
//! deletions, duplications, splices of two seeds — until its share of the time is up. The input
//! being run is kept aside; if it panics, the panic hook writes it to
//! `target/fuzz-crashes/<target>.bin` before the process ends (release builds abort on panic),
//! so every crash is a file to replay with `--replay`. Prints a table of executions per target.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use qingting_shared::faq::{FaqPack, compiled};
use qingting_shared::intake::mask::{mask_contact, mask_order_id, mask_pii};
use qingting_shared::understand::classify::Classifier;
// xorshift64*: small, fast and repeatable (the trainer's shuffler); the fuzzer needs no better.
use qingting_shared::understand::train::Rng;
use qingting_shared::understand::text::normalize;
use qingting_shared::{ComplaintSubmission, Taxonomy};

use crate::CliError;

#[derive(clap::Args)]
pub struct Args {
    /// Total time, shared equally by the targets.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// The committed seeds, one folder per target.
    #[arg(long, default_value = "data/fuzz")]
    corpus: PathBuf,
    /// Where a crashing input is written.
    #[arg(long, default_value = "target/fuzz-crashes")]
    crashes: PathBuf,
    /// The random generator's seed (runs are repeatable for one seed and one time box).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Only this target (intake, faq_pack, model, mask, segment).
    #[arg(long)]
    target: Option<String>,
    /// Run one file through its target and stop (to replay a crash).
    #[arg(long)]
    replay: Option<PathBuf>,
}

/// A parser under test: its name, and what it does with one input.
struct Target {
    name: &'static str,
    run: fn(&[u8]),
}

fn intake(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Ok(sub) = serde_json::from_str::<ComplaintSubmission>(s)
        && let Ok(valid) = sub.validate()
    {
        let _ = valid.fingerprint_input();
        let _ = mask_pii(&valid.text);
        let _ = Classifier::builtin().classify(&valid.text);
    }
}

fn faq_pack(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    let _ = compiled::read(&s);
    if let Ok(pack) = serde_json::from_str::<FaqPack>(&s) {
        let _ = pack.validate_merchant(&Taxonomy::default_taxonomy());
    }
}

fn model(data: &[u8]) {
    if let Ok(c) = Classifier::from_model_bytes(data) {
        let _ = c.classify("送来的汤洒了一半，骑手还骂人");
    }
}

fn mask(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    let m = mask_pii(&s);
    assert_eq!(m.found.is_empty(), m.text == s, "found kinds and changed text must agree");
    let _ = (mask_contact(&s), mask_order_id(&s));
}

fn segment(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    let normalized = normalize(&s);
    let tokens = Classifier::builtin().segmenter().cut(&normalized);
    assert!(tokens.iter().all(|t| normalized.contains(t)), "every token comes from the text");
}

const TARGETS: [Target; 5] = [
    Target { name: "intake", run: intake },
    Target { name: "faq_pack", run: faq_pack },
    Target { name: "model", run: model },
    Target { name: "mask", run: mask },
    Target { name: "segment", run: segment },
];

/// The input being run and its target, for the panic hook.
static CURRENT: Mutex<(Option<&'static str>, Vec<u8>)> = Mutex::new((None, Vec::new()));

/// Fragments that reach the parsers' corners: separators, digits in several scripts, JSON syntax,
/// format characters, the model's magic.
const INTERESTING: &[&[u8]] = &[
    b"\"",
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b",",
    b"\\u0000",
    b"null",
    b"-1",
    b"1e309",
    b"QTM2",
    b"QTM1",
    b"QTF1",
    b"\xff\xff\xff\xff",
    b"\x00\x00\x00\x00",
    "13812345678".as_bytes(),
    "一三八".as_bytes(),
    "𝟏𝟑𝟖".as_bytes(),
    "\u{200D}".as_bytes(),
    "\u{202E}".as_bytes(),
    "\u{E0067}".as_bytes(),
    "订单号".as_bytes(),
    "微信".as_bytes(),
    "@qq。com".as_bytes(),
    " - ".as_bytes(),
    "（".as_bytes(),
    "\u{AD}".as_bytes(),
];

fn mutate(rng: &mut Rng, seeds: &[Vec<u8>], input: &mut Vec<u8>) {
    for _ in 0..=rng.below(4) {
        let n = input.len();
        match rng.below(8) {
            0 if n > 0 => {
                let i = rng.below(n);
                input[i] ^= 1 << rng.below(8);
            }
            1 if n > 0 => {
                let i = rng.below(n);
                input[i] = rng.next() as u8;
            }
            2 => {
                let frag = INTERESTING[rng.below(INTERESTING.len())];
                let at = rng.below(n + 1);
                input.splice(at..at, frag.iter().copied());
            }
            3 if n > 1 => {
                let a = rng.below(n);
                let b = (a + 1 + rng.below(16)).min(n);
                input.drain(a..b);
            }
            4 if n > 1 => {
                let a = rng.below(n);
                let b = (a + 1 + rng.below(32)).min(n);
                let copy: Vec<u8> = input[a..b].to_vec();
                let at = rng.below(n + 1);
                input.splice(at..at, copy);
            }
            5 if !seeds.is_empty() => {
                let other = &seeds[rng.below(seeds.len())];
                let cut = rng.below(n + 1);
                let from = rng.below(other.len() + 1);
                input.truncate(cut);
                input.extend_from_slice(&other[from..]);
            }
            6 if n > 0 => input.truncate(rng.below(n)),
            _ => input.push(rng.next() as u8),
        }
    }
    input.truncate(1 << 20);
}

fn seeds(corpus: &Path, target: &str) -> Result<Vec<Vec<u8>>, CliError> {
    let mut out = Vec::new();
    let dir = corpus.join(target);
    if let Ok(entries) = std::fs::read_dir(&dir) {
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect();
        paths.sort();
        for p in paths {
            out.push(std::fs::read(&p).map_err(|e| CliError::Usage(format!("{}: {e}", p.display())))?);
        }
    }
    // The shipped artefacts are seeds too (not copied into the corpus).
    match target {
        "model" => out.push(include_bytes!("../../shared/model/qingting.qtm").to_vec()),
        "faq_pack" => out.push(qingting_shared::faq::DEFAULT_PACK.as_bytes().to_vec()),
        _ => {}
    }
    if out.is_empty() {
        return Err(CliError::Usage(format!("no seeds in {}", dir.display())));
    }
    Ok(out)
}

pub fn run(args: &Args) -> Result<(), CliError> {
    let crashes = args.crashes.clone();
    std::panic::set_hook(Box::new(move |info| {
        let (target, input) = CURRENT.lock().map(|c| (c.0, c.1.clone())).unwrap_or((None, Vec::new()));
        let name = target.unwrap_or("unknown");
        let _ = std::fs::create_dir_all(&crashes);
        let path = crashes.join(format!("{name}.bin"));
        let _ = std::fs::write(&path, &input);
        eprintln!("fuzz: {name} panicked ({info}); the input is in {} (replay: qingting fuzz --target {name} --replay {})", path.display(), path.display());
    }));
    let chosen: Vec<&Target> = TARGETS.iter().filter(|t| args.target.as_deref().is_none_or(|n| n == t.name)).collect();
    if chosen.is_empty() {
        return Err(CliError::Usage("unknown target (intake, faq_pack, model, mask, segment)".into()));
    }
    if let Some(file) = &args.replay {
        let data = std::fs::read(file).map_err(|e| CliError::Usage(format!("{}: {e}", file.display())))?;
        for t in &chosen {
            (t.run)(&data);
        }
        println!("replayed {} through {} target(s): no panic", file.display(), chosen.len());
        return Ok(());
    }
    let share = Duration::from_secs(args.seconds.max(1)) / chosen.len() as u32;
    println!("\n## Fuzzing — {} s, seed {}\n", args.seconds, args.seed);
    println!("| target | seeds | executions | per second | panics |");
    println!("|---|---:|---:|---:|---:|");
    let mut rng = Rng(args.seed.max(1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    for t in chosen {
        let seeds = seeds(&args.corpus, t.name)?;
        let started = Instant::now();
        let mut runs = 0u64;
        // Every seed as it is first, then mutations until the time is up.
        let mut i = 0;
        while started.elapsed() < share || i < seeds.len() {
            let mut input = seeds[i % seeds.len()].clone();
            if i >= seeds.len() {
                mutate(&mut rng, &seeds, &mut input);
            }
            if let Ok(mut c) = CURRENT.lock() {
                *c = (Some(t.name), input.clone());
            }
            (t.run)(&input);
            runs += 1;
            i += 1;
        }
        let secs = started.elapsed().as_secs_f64();
        println!("| {} | {} | {runs} | {:.0} | 0 |", t.name, seeds.len(), runs as f64 / secs);
    }
    Ok(())
}
