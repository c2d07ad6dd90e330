//! Shared pieces of the build orchestration, also used by the integration tests: where things
//! are, and a local `wrangler dev` with a fresh D1 database.

pub mod devserver;

use std::path::PathBuf;

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

/// The pinned JavaScript tools installed by `npm ci` (wrangler, esbuild, wasm-opt).
pub fn node_bin(name: &str) -> PathBuf {
    root().join("node_modules/.bin").join(name)
}

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
