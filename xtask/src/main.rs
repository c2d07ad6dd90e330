//! `cargo xtask <command>` — Qingting's two README commands and their parts.
//!
//! - `run`   install what is missing, build what is stale, start the whole system on 127.0.0.1
//! - `test`  install what is missing, build, run every test (unit, worker integration, browser)
//! - `setup` install only; `build` build only; `sizes` print the widget's size table
//! - `train [--dict]` rebuild the model (and dictionary) from ../shared/data; `eval` dev metrics
//! - `bench-browser`, `bench-baselines` the benchmark tables of docs/BENCHMARKS.md

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Instant, SystemTime};

use xtask::devserver::{DevServer, Options, SiteSeed};
use xtask::{node_bin, root, site_dir, tools_dir};

mod setup;
mod sizes;
mod train;

type Result<T, E = String> = std::result::Result<T, E>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let started = Instant::now();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup::all(true),
        Some("build") => setup::all(false).and_then(|_| build()),
        Some("run") => run(&args[1..]),
        Some("test") => test(),
        Some("sizes") => sizes::print(),
        Some("train") => train::train(&args[1..]),
        Some("eval") => train::eval(),
        Some("faq") => train::faq(),
        Some("faq-measure") => train::faq_measure(),
        Some("similar") => train::similar(),
        Some("bench-browser") => bench_browser(),
        Some("bench-baselines") => train::bench_baselines(),
        _ => {
            eprintln!(
                "usage: cargo xtask <run [--port N] | test | setup | build | sizes | train [--dict] | eval | faq | faq-measure | similar | bench-browser | bench-baselines>"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => {
            step(&format!("done in {:.0?}", started.elapsed()));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("\nxtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Prints a progress line.
pub fn step(msg: &str) {
    println!("==> {msg}");
}

/// Runs a command with inherited output; fails with its name when it fails.
pub fn sh(cmd: &mut Command) -> Result<()> {
    let name = format!("{:?}", cmd).replace('"', "");
    let status = cmd.status().map_err(|e| format!("cannot start {name}: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("{name} failed ({status})")) }
}

fn mtime(p: &Path) -> Option<SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

/// Newest modification time of any file below the given paths.
fn newest(paths: &[PathBuf]) -> Option<SystemTime> {
    let mut best = None;
    let mut stack: Vec<PathBuf> = paths.to_vec();
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            if let Ok(rd) = std::fs::read_dir(&p) {
                stack.extend(rd.flatten().map(|e| e.path()));
            }
        } else if let Some(t) = mtime(&p) {
            best = best.max(Some(t));
        }
    }
    best
}

fn is_stale(output: &Path, inputs: &[PathBuf]) -> bool {
    match (mtime(output), newest(inputs)) {
        (Some(out), Some(inp)) => inp > out,
        _ => true,
    }
}

fn read(p: &Path) -> Result<Vec<u8>> {
    std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))
}

/// 40 bits of FNV-1a over the files, as hex: enough to tell builds apart in a file name.
fn content_hash(parts: &[&[u8]]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in parts.iter().flat_map(|p| p.iter()) {
        h = (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{:010x}", h >> 24)
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).map_err(|e| e.to_string())?;
    for entry in std::fs::read_dir(from).map_err(|e| e.to_string())?.flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target).map_err(|e| format!("copy {}: {e}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// Builds the widget (WASM app + loader), assembles the static site, and builds the worker.
fn build() -> Result<()> {
    let root = root();
    let www = site_dir();
    let widget_out = www.join("widget");
    std::fs::create_dir_all(&widget_out).map_err(|e| e.to_string())?;

    step("building the widget (leptos → wasm32, profile wasm-release)");
    sh(Command::new("cargo").args(["build", "--profile", "wasm-release", "--target", "wasm32-unknown-unknown", "-p", "qingting-widget"]).current_dir(&root))?;
    let wasm = root.join("target/wasm32-unknown-unknown/wasm-release/qingting_widget.wasm");
    let pkg = root.join("target/widget-pkg");
    let opt = pkg.join("opt");
    let (opt_js, opt_wasm) = (opt.join("qingting_widget.js"), opt.join("qingting_widget_bg.wasm"));
    if is_stale(&opt_wasm, std::slice::from_ref(&wasm)) {
        step("wasm-bindgen (web target) → wasm-opt -Oz → esbuild --minify");
        std::fs::create_dir_all(&opt).map_err(|e| e.to_string())?;
        sh(Command::new(tools_dir().join("bin/wasm-bindgen")).args(["--target", "web", "--no-typescript", "--out-dir"]).arg(&pkg).arg(&wasm))?;
        sh(Command::new(node_bin("wasm-opt"))
            .args([
                "-Oz",
                "--enable-bulk-memory",
                "--enable-reference-types",
                "--enable-nontrapping-float-to-int",
                "--enable-sign-ext",
                "--enable-mutable-globals",
                "--enable-multivalue",
                "--enable-simd",
            ])
            .arg(pkg.join("qingting_widget_bg.wasm"))
            .arg("-o")
            .arg(&opt_wasm))?;
        sh(Command::new(node_bin("esbuild"))
            .arg(pkg.join("qingting_widget.js"))
            .args(["--minify", "--format=esm", "--log-level=warning"])
            .arg(format!("--outfile={}", opt_js.display())))?;
    } else {
        step("widget WASM is up to date");
    }

    // Content-hashed names: a deploy can never pair new glue with a cached old module; the
    // loader (short cache) names the current pair, and the pair itself is cached for good.
    let app_dir = widget_out.join("app");
    let _ = std::fs::remove_dir_all(&app_dir);
    std::fs::create_dir_all(&app_dir).map_err(|e| e.to_string())?;
    let (js_bytes, wasm_bytes) = (read(&opt_js)?, read(&opt_wasm)?);
    let hash = content_hash(&[&js_bytes, &wasm_bytes]);
    let (app_js, app_wasm) = (format!("qingting_widget.{hash}.js"), format!("qingting_widget_bg.{hash}.wasm"));
    std::fs::write(app_dir.join(&app_js), &js_bytes).map_err(|e| e.to_string())?;
    std::fs::write(app_dir.join(&app_wasm), &wasm_bytes).map_err(|e| e.to_string())?;
    let manifest = format!("{{\"app\":\"app/{app_js}\",\"wasm\":\"app/{app_wasm}\"}}\n");
    std::fs::write(widget_out.join("manifest.json"), manifest).map_err(|e| e.to_string())?;

    step("bundling the loader (widget/loader → /widget/qingting.js)");
    sh(Command::new(node_bin("esbuild"))
        .arg(root.join("widget/loader/loader.js"))
        .args(["--bundle", "--minify", "--format=iife", "--target=es2020", "--loader:.css=text", "--log-level=warning"])
        .arg(format!("--define:__QT_APP__=\"app/{app_js}\""))
        .arg(format!("--define:__QT_WASM__=\"app/{app_wasm}\""))
        .arg(format!("--outfile={}", widget_out.join("qingting.js").display())))?;

    step("building the qingting CLI (release; the browser tests compare it with the widget)");
    sh(Command::new("cargo").args(["build", "--release", "-p", "qingting-cli"]).current_dir(&root))?;

    step("assembling static files (www/ → target/www/)");
    copy_dir(&root.join("www"), &www)?;

    let worker_js = root.join("worker/build/index.js");
    let inputs =
        [root.join("worker/src"), root.join("worker/Cargo.toml"), root.join("shared"), root.join("crates"), root.join("Cargo.lock"), root.join("Cargo.toml")];
    if is_stale(&worker_js, &inputs) {
        step("building the worker (worker-build, profile wasm-release, local tools)");
        let tools = tools_dir().join("bin");
        sh(Command::new(tools.join("worker-build"))
            .args(["--profile", "wasm-release"])
            .current_dir(root.join("worker"))
            .env("WASM_BINDGEN_BIN", tools.join("wasm-bindgen"))
            .env("WASM_OPT_BIN", node_bin("wasm-opt"))
            .env("ESBUILD_BIN", node_bin("esbuild")))?;
    } else {
        step("worker is up to date");
    }
    Ok(())
}

/// `worker/.dev.vars` (not committed): random local secrets, and `http://` receivers allowed.
/// Adds whatever a file from an older checkout lacks; never changes what is there.
fn token_secret_file() -> Result<()> {
    let path = root().join("worker/.dev.vars");
    let mut text = std::fs::read_to_string(&path).unwrap_or_else(|_| "# Local secrets for wrangler dev (not committed).\n".into());
    let random = || -> Result<String> {
        let mut bytes = [0u8; 24];
        std::fs::File::open("/dev/urandom").and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes)).map_err(|e| e.to_string())?;
        Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
    };
    let mut added = Vec::new();
    for (name, value) in [("TOKEN_SECRET", None), ("ADMIN_TOKEN", None), ("ALLOW_HTTP_DESTINATIONS", Some("1"))] {
        if text.lines().any(|l| l.trim_start().starts_with(&format!("{name}="))) {
            continue;
        }
        let value = match value {
            Some(v) => v.to_string(),
            None => random()?,
        };
        text.push_str(&format!("{name}=\"{value}\"\n"));
        added.push(name);
    }
    if !added.is_empty() {
        std::fs::write(&path, text).map_err(|e| e.to_string())?;
        step(&format!("worker/.dev.vars: added {} (local only; ADMIN_TOKEN is your key for /v1/admin)", added.join(", ")));
    }
    Ok(())
}

fn run(args: &[String]) -> Result<()> {
    let port: u16 = match args {
        [] => 8787,
        [flag, n] if flag == "--port" => n.parse().map_err(|_| format!("--port takes a number, not {n}"))?,
        _ => return Err("usage: cargo xtask run [--port N]".into()),
    };
    setup::all(false)?;
    build()?;
    token_secret_file()?;
    let origins = vec![format!("http://127.0.0.1:{port}"), format!("http://localhost:{port}")];
    step("applying D1 migrations to the local database (.wrangler/state) and seeding the demo site");
    let server = DevServer::start(Options {
        port: Some(port),
        persist_to: Some(root().join(".wrangler/state")),
        sites: vec![SiteSeed { key: "demo".into(), merchant_name: "老街小馆（演示）".into(), origins }],
        token_secret: None,
        vars: Vec::new(),
        foreground: true,
    })?;
    println!();
    println!("  倾听 Qingting is running (Ctrl-C stops it)");
    println!("  landing page   http://127.0.0.1:{port}/");
    println!("  demo merchant  http://127.0.0.1:{port}/demo/   (hostile page CSS: /demo/?hostile=1)");
    println!("  API            http://127.0.0.1:{port}/v1/health");
    println!(
        "  admin API      http://127.0.0.1:{port}/v1/admin/sites/demo   (Authorization: Bearer <ADMIN_TOKEN from worker/.dev.vars>; README: Configuring a merchant)"
    );
    println!(
        "  local D1       npx wrangler d1 execute DB --local --persist-to .wrangler/state -c worker/wrangler.toml --command \"SELECT ticket_no, category, priority FROM complaints\""
    );
    println!();
    server.wait().map_err(|e| e.to_string())?;
    Ok(())
}

/// `cargo xtask bench-browser`: classification speed of the widget build in Chromium.
fn bench_browser() -> Result<()> {
    setup::all(true)?;
    build()?;
    if !root().join("target/data/complaint_dev.jsonl").exists() {
        train::datasets()?;
    }
    let server =
        DevServer::start(Options { sites: vec![SiteSeed { key: "demo".into(), merchant_name: "bench".into(), origins: vec![] }], ..Options::default() })?;
    sh(Command::new("node").arg("scripts/bench_browser.mjs").current_dir(root()).env("QT_BASE_URL", &server.base_url))
}

fn test() -> Result<()> {
    let t0 = Instant::now();
    setup::all(true)?;
    build()?;
    let root = root();

    step("cargo test: domain unit tests and the worker under local wrangler dev with local D1");
    sh(Command::new("cargo").args(["test", "--workspace", "--exclude", "qingting-widget", "--exclude", "qingting-worker"]).current_dir(&root))?;

    step("browser end to end: Debian Chromium, a merchant page on another origin with hostile CSS");
    let merchant_port = xtask::devserver::free_port().map_err(|e| e.to_string())?;
    let merchant_origin = format!("http://localhost:{merchant_port}");
    let server = DevServer::start(Options {
        sites: vec![SiteSeed { key: "demo".into(), merchant_name: "老街小馆（演示）".into(), origins: vec![merchant_origin] }],
        ..Options::default()
    })?;
    let output = root.join("test-output");
    std::fs::create_dir_all(&output).map_err(|e| e.to_string())?;
    let result = sh(Command::new("node")
        .args(["--test", "--test-concurrency=1", "tests/e2e/widget.test.mjs"])
        .current_dir(&root)
        .env("QT_BASE_URL", &server.base_url)
        .env("QT_MERCHANT_PORT", merchant_port.to_string())
        .env("QT_PERSIST_TO", &server.persist_to)
        .env("QT_OUTPUT_DIR", &output));
    if result.is_err() {
        eprintln!("--- wrangler dev log (last lines) ---\n{}", server.log_tail());
    }
    drop(server);
    result?;
    step(&format!("all tests passed in {:.0?}; screenshots in test-output/", t0.elapsed()));
    Ok(())
}
