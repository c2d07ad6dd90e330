//! `cargo xtask setup`, and the first step of `run`, `build`, `test` and the benchmarks: installs
//! what the project needs, idempotently: each tool is checked first and installed only when missing
//! or at the wrong version. See ../shared/TOOLCHAIN.md for why each pin is what it is.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::util::{Result, node_bin, root, sh, step, tools_dir};

/// worker-build must match the `worker` crate (worker/Cargo.toml pins `=0.8.7`).
const WORKER_BUILD_VERSION: &str = "0.8.7";
/// The Debian packages the browser tests need (the font, or Chinese renders as boxes).
const APT_PACKAGES: [&str; 3] = ["chromium", "chromium-driver", "fonts-noto-cjk"];

/// `cargo xtask setup`: install everything, the browser too, and build nothing.
pub fn setup(_: &[String]) -> Result<()> {
    all(true)
}

/// Installs everything `run` needs, plus the browser when `with_browser`.
pub fn all(with_browser: bool) -> Result<()> {
    node()?;
    wasm_target()?;
    wasm_bindgen()?;
    worker_build()?;
    npm()?;
    if with_browser {
        browser()?;
    }
    Ok(())
}

fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.stderr(Stdio::null()).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn node() -> Result<()> {
    let version = output(Command::new("node").arg("--version")).ok_or("Node.js is not installed: install Node 20.3 or newer (wrangler 4.86 needs it)")?;
    let mut parts = version.trim().trim_start_matches('v').split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    if (major, minor) < (20, 3) {
        return Err(format!("Node.js {version} is too old: wrangler 4.86 needs 20.3 or newer"));
    }
    Ok(())
}

fn wasm_target() -> Result<()> {
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if installed.lines().any(|l| l.trim() == "wasm32-unknown-unknown") {
        return Ok(());
    }
    step("installing the Rust target wasm32-unknown-unknown");
    sh(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

/// The `wasm-bindgen` version in Cargo.lock: the CLI must match it exactly.
fn locked_wasm_bindgen() -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).map_err(|e| format!("Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\""
            && let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \""))
        {
            return Ok(v.trim_end_matches('"').to_string());
        }
    }
    Err("wasm-bindgen is not in Cargo.lock".into())
}

fn tool_version(bin: &Path) -> String {
    output(Command::new(bin).arg("--version")).unwrap_or_default()
}

fn wasm_bindgen() -> Result<()> {
    let version = locked_wasm_bindgen()?;
    let bin = tools_dir().join("bin/wasm-bindgen");
    if tool_version(&bin).split_whitespace().nth(1) == Some(version.as_str()) {
        return Ok(());
    }
    step(&format!("installing wasm-bindgen-cli {version} into {} (once; about 10 minutes on 2 cores)", tools_dir().display()));
    // Without --locked: its lockfile wants a crate version the index lacks (TOOLCHAIN.md).
    sh(Command::new("cargo").args(["install", "wasm-bindgen-cli", "--version", &version, "--root"]).arg(tools_dir()))
}

fn worker_build() -> Result<()> {
    let bin = tools_dir().join("bin/worker-build");
    if tool_version(&bin).contains(WORKER_BUILD_VERSION) {
        return Ok(());
    }
    step(&format!("installing worker-build {WORKER_BUILD_VERSION} (once; about 13 minutes on 2 cores)"));
    sh(Command::new("cargo").args(["install", "worker-build", "--version", WORKER_BUILD_VERSION, "--locked", "--root"]).arg(tools_dir()))
}

/// `npm ci` when node_modules is missing or older than package-lock.json.
fn npm() -> Result<()> {
    let root = root();
    let stamp = root.join("node_modules/.package-lock.json");
    let fresh = match (std::fs::metadata(&stamp).and_then(|m| m.modified()), std::fs::metadata(root.join("package-lock.json")).and_then(|m| m.modified())) {
        (Ok(installed), Ok(lock)) => installed >= lock,
        _ => false,
    };
    if fresh && node_bin("wrangler").exists() && node_bin("esbuild").exists() && node_bin("wasm-opt").exists() {
        return Ok(());
    }
    step("installing pinned npm tools (wrangler 4.86, binaryen wasm-opt, esbuild, playwright-core)");
    sh(Command::new("npm").args(["ci", "--no-audit", "--no-fund", "--loglevel=error"]).current_dir(&root))
}

fn browser() -> Result<()> {
    let font = Path::new("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc");
    if Path::new("/usr/bin/chromium").exists() && Path::new("/usr/bin/chromedriver").exists() && font.exists() {
        return Ok(());
    }
    step(&format!("installing {} from Debian (apt-get)", APT_PACKAGES.join(", ")));
    let is_root = output(Command::new("id").arg("-u")).is_some_and(|u| u.trim() == "0");
    let apt = |args: &[&str]| {
        let mut cmd = if is_root {
            Command::new("apt-get")
        } else {
            let mut c = Command::new("sudo");
            c.arg("apt-get");
            c
        };
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    };
    sh(&mut apt(&["update", "-q"]))?;
    let mut install = apt(&["install", "-y", "-q", "--no-install-recommends"]);
    install.args(APT_PACKAGES);
    sh(&mut install)
}
