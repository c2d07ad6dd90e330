//! Helpers every command uses: where things are, progress lines, running programs, and the file
//! checks of the build.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

pub use qingting_devserver::{node_bin, root};

pub type Result<T, E = String> = std::result::Result<T, E>;

/// Where Rust-built tools (wasm-bindgen, worker-build) are installed: outside the checkout so a
/// fresh clone on the same machine does not rebuild them. Override with `QINGTING_TOOLS`.
pub fn tools_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("QINGTING_TOOLS") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").map_or_else(|| root().join("target"), PathBuf::from);
    home.join(".cache/qingting/tools")
}

/// The built static files served by the worker (www/ plus the widget).
pub fn site_dir() -> PathBuf {
    root().join("target/www")
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

/// Whether `output` is missing or older than any file below `inputs`.
pub fn is_stale(output: &Path, inputs: &[PathBuf]) -> bool {
    match (mtime(output), newest(inputs)) {
        (Some(out), Some(inp)) => inp > out,
        _ => true,
    }
}

pub fn read(p: &Path) -> Result<Vec<u8>> {
    std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))
}

/// 40 bits of FNV-1a over the files, as hex: enough to tell builds apart in a file name.
pub fn content_hash(parts: &[&[u8]]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in parts.iter().flat_map(|p| p.iter()) {
        h = (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{:010x}", h >> 24)
}

pub fn copy_dir(from: &Path, to: &Path) -> Result<()> {
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

/// Training and dev files (target/data) from ../shared/data/external and data/labels.
pub fn datasets() -> Result<()> {
    step("assembling training and dev files (target/data) from ../shared/data/external and data/labels");
    sh(Command::new("python3").arg("scripts/build_datasets.py").current_dir(root()))
}

/// The Python venv for the data scripts (target/py), with `packages` installed; its python.
pub fn python_venv(packages: &[&str]) -> Result<PathBuf> {
    let venv = root().join("target/py");
    let python = venv.join("bin/python");
    if !python.exists() {
        step("creating a Python venv for the data scripts (target/py)");
        sh(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    }
    if !packages.is_empty() {
        let mut cmd = Command::new(venv.join("bin/pip"));
        cmd.args(["install", "-q", "--disable-pip-version-check"]).args(packages);
        sh(&mut cmd)?;
    }
    Ok(python)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_hash_is_fnv1a_over_all_parts_in_40_bits() {
        // FNV-1a of the empty input is its offset basis.
        assert_eq!(content_hash(&[]), format!("{:010x}", 0xcbf2_9ce4_8422_2325_u64 >> 24));
        assert_eq!(content_hash(&[b"ab", b"c"]), content_hash(&[b"abc"]));
        assert_ne!(content_hash(&[b"abc"]), content_hash(&[b"abd"]));
        assert_eq!(content_hash(&[b"x"]).len(), 10);
    }

    #[test]
    fn a_missing_output_is_stale() {
        assert!(is_stale(&root().join("target/no-such-output"), &[root().join("Cargo.toml")]));
    }
}
