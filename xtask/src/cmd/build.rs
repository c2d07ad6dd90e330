//! `cargo xtask build`: the widget (WASM app + loader), the static site in target/www, the release
//! CLI and the worker bundle, each only when stale.

use std::process::Command;

use super::setup;
use crate::util::{Result, content_hash, copy_dir, is_stale, node_bin, read, root, sh, site_dir, step, tools_dir};

/// `cargo xtask build`: install what `run` needs, then build.
pub fn build(_: &[String]) -> Result<()> {
    setup::all(false)?;
    all()
}

/// Builds the widget (WASM app + loader), assembles the static site, and builds the worker.
pub fn all() -> Result<()> {
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
    // The crates the worker is built from (`crates/devserver` is not one of them: changing it must
    // not rebuild the worker).
    let inputs = [
        root.join("worker/src"),
        root.join("worker/Cargo.toml"),
        root.join("shared"),
        root.join("crates/jieba-macros-nohmm"),
        root.join("Cargo.lock"),
        root.join("Cargo.toml"),
    ];
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
