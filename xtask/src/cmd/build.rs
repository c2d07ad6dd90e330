//! `cargo xtask build`: the widget (WASM app + loader), the console, the static site in target/www,
//! the release CLI and the worker bundle, each only when stale.

use std::process::Command;

use super::setup;
use crate::util::{Result, content_hash, copy_dir, is_stale, node_bin, read, root, sh, site_dir, step, tools_dir};

/// wasm-opt's settings for the widget and the console: smallest code, the features Rust enables.
const WASM_OPT: [&str; 8] = [
    "-Oz",
    "--enable-bulk-memory",
    "--enable-reference-types",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-multivalue",
    "--enable-simd",
];

/// `cargo xtask build`: install what `run` needs, then build.
pub fn build(_: &[String]) -> Result<()> {
    setup::all(false)?;
    all()
}

/// Builds the widget (WASM app + loader) and the console, assembles the static site, and builds the worker.
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
        sh(Command::new(node_bin("wasm-opt")).args(WASM_OPT).arg(pkg.join("qingting_widget_bg.wasm")).arg("-o").arg(&opt_wasm))?;
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

    console()?;

    step("building the qingting CLI (release; the browser tests compare it with the widget)");
    sh(Command::new("cargo").args(["build", "--release", "-p", "qingting-cli"]).current_dir(&root))?;

    step("assembling static files (www/ → target/www/)");
    copy_dir(&root.join("www"), &www)?;
    worker()
}

/// The worker bundle (`worker/build/`), when stale: all that the API needs, e.g. for `seed` and
/// `bench-inbox`.
pub fn worker() -> Result<()> {
    let root = root();
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

/// The console at `target/www/console/`: `index.html` naming content-hashed `app/` files (the
/// wasm-bindgen glue bundled with its start call, the `.wasm`, the CSS). Deep links are served
/// `index.html` by the worker (`worker/src/lib.rs`); its CSP is in `www/_headers` and the worker.
pub fn console() -> Result<()> {
    let root = root();
    step("building the console (leptos + leptos_router → wasm32, profile wasm-release)");
    sh(Command::new("cargo").args(["build", "--profile", "wasm-release", "--target", "wasm32-unknown-unknown", "-p", "qingting-console"]).current_dir(&root))?;
    let wasm = root.join("target/wasm32-unknown-unknown/wasm-release/qingting_console.wasm");
    let pkg = root.join("target/console-pkg");
    let opt_wasm = pkg.join("opt/qingting_console_bg.wasm");
    if is_stale(&opt_wasm, std::slice::from_ref(&wasm)) {
        step("console: wasm-bindgen (web target) → wasm-opt -Oz");
        std::fs::create_dir_all(pkg.join("opt")).map_err(|e| e.to_string())?;
        sh(Command::new(tools_dir().join("bin/wasm-bindgen")).args(["--target", "web", "--no-typescript", "--out-dir"]).arg(&pkg).arg(&wasm))?;
        sh(Command::new(node_bin("wasm-opt")).args(WASM_OPT).arg(pkg.join("qingting_console_bg.wasm")).arg("-o").arg(&opt_wasm))?;
    }
    let (web, out) = (root.join("console/web"), site_dir().join("console"));
    if !is_stale(&out.join("index.html"), &[opt_wasm.clone(), pkg.join("qingting_console.js"), web.clone()]) {
        step("console is up to date");
        return Ok(());
    }
    step("console: esbuild --minify (glue + start, CSS) → target/www/console/ with content-hashed names");
    let (glue, wasm_bytes, css) = (read(&pkg.join("qingting_console.js"))?, read(&opt_wasm)?, read(&web.join("console.css"))?);
    let hash = content_hash(&[&glue, &wasm_bytes, &css]);
    let (app_js, app_wasm, app_css) = (format!("qingting_console.{hash}.js"), format!("qingting_console_bg.{hash}.wasm"), format!("console.{hash}.css"));
    let app = out.join("app");
    let _ = std::fs::remove_dir_all(&app);
    std::fs::create_dir_all(&app).map_err(|e| e.to_string())?;
    std::fs::write(app.join(&app_wasm), &wasm_bytes).map_err(|e| e.to_string())?;
    // The module starts itself (`#[wasm_bindgen(start)]`) once `init` has the hashed `.wasm`.
    let start = pkg.join("start.js");
    let start_js = format!("import init from './qingting_console.js';\ninit({{ module_or_path: new URL('{app_wasm}', import.meta.url) }});\n");
    std::fs::write(&start, start_js).map_err(|e| e.to_string())?;
    sh(Command::new(node_bin("esbuild"))
        .arg(&start)
        .args(["--bundle", "--minify", "--format=esm", "--target=es2020", "--log-level=warning"])
        .arg(format!("--outfile={}", app.join(&app_js).display())))?;
    sh(Command::new(node_bin("esbuild"))
        .arg(web.join("console.css"))
        .args(["--minify", "--log-level=warning"])
        .arg(format!("--outfile={}", app.join(&app_css).display())))?;
    let page = String::from_utf8(read(&web.join("index.html"))?).map_err(|e| e.to_string())?;
    let page = page.replace("__JS__", &app_js).replace("__WASM__", &app_wasm).replace("__CSS__", &app_css);
    std::fs::write(out.join("index.html"), page).map_err(|e| e.to_string())
}
