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

    let (app_js, app_wasm) = widget(&widget_out)?;

    step("bundling the loader (widget/loader → /widget/qingting.js) and the panel frame's script and CSS");
    sh(Command::new(node_bin("esbuild"))
        .arg(root.join("widget/loader/loader.js"))
        .args(["--bundle", "--minify", "--format=iife", "--target=es2020", "--loader:.css=text", "--log-level=warning"])
        .arg(format!("--outfile={}", widget_out.join("qingting.js").display())))?;
    // The frame's script names the current app pair (relative to itself: /widget/panel.js).
    sh(Command::new(node_bin("esbuild"))
        .arg(root.join("widget/frame/panel.js"))
        .args(["--bundle", "--minify", "--format=esm", "--target=es2020", "--log-level=warning"])
        .arg(format!("--define:__QT_APP__=\"./{app_js}\""))
        .arg(format!("--define:__QT_WASM__=\"./{app_wasm}\""))
        .arg(format!("--outfile={}", widget_out.join("panel.js").display())))?;
    sh(Command::new(node_bin("esbuild"))
        .arg(root.join("widget/frame/panel.css"))
        .args(["--minify", "--log-level=warning"])
        .arg(format!("--outfile={}", widget_out.join("panel.css").display())))?;

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

/// The widget's app in `target/www/widget/app/<hash>/`: the WebAssembly split like the console's
/// (`#[lazy]` pages — 我的投诉 and a ticket's page — become chunks fetched on their first visit, so
/// the first open pays only for the form), the wasm-bindgen glue bundled with the split loader as
/// `widget.js`, and the chunks, in a directory named by the hash of everything in it (a deploy can
/// never pair new glue with a cached old module; the files are cached for good). Writes
/// `widget/manifest.json`; the app's JS and main `.wasm` paths relative to `widget/`.
fn widget(widget_out: &std::path::Path) -> Result<(String, String)> {
    let root = root();
    step("building the widget (leptos → wasm32, profile wasm-release, relocations kept for splitting)");
    sh(Command::new("cargo")
        .args(["rustc", "--profile", "wasm-release", "--target", "wasm32-unknown-unknown", "-p", "qingting-widget", "--lib", "--crate-type", "cdylib"])
        .args(["--", "-C", "link-args=--emit-relocs"])
        .current_dir(&root))?;
    let wasm = root.join("target/wasm32-unknown-unknown/wasm-release/qingting_widget.wasm");
    let pkg = root.join("target/widget-pkg");
    let opt = pkg.join("opt");
    if is_stale(&opt.join("qingting_widget_bg.wasm"), std::slice::from_ref(&wasm)) {
        step("widget: split into lazily loaded chunks → wasm-bindgen (web target) → wasm-opt -Oz on each");
        let _ = std::fs::remove_dir_all(&pkg);
        let split = pkg.join("split");
        std::fs::create_dir_all(&opt).map_err(|e| e.to_string())?;
        let input = read(&wasm)?;
        let main_wasm = split.join("qingting_widget.wasm");
        wasm_split_cli_support::transform({
            let mut o = wasm_split_cli_support::Options::new(&input);
            o.output_dir = &split;
            o.main_out_path = &main_wasm;
            o.main_module = "./qingting_widget.js";
            o.link_name = "./__wasm_split.js";
            o
        })
        .map_err(|e| format!("splitting the widget's WebAssembly: {e}"))?;
        sh(Command::new(tools_dir().join("bin/wasm-bindgen"))
            .args(["--target", "web", "--no-typescript", "--keep-lld-exports", "--no-demangle", "--out-dir"])
            .arg(&pkg)
            .arg(&main_wasm))?;
        sh(Command::new(node_bin("wasm-opt")).args(WASM_OPT).arg(pkg.join("qingting_widget_bg.wasm")).arg("-o").arg(opt.join("qingting_widget_bg.wasm")))?;
        std::fs::copy(split.join("__wasm_split.js"), pkg.join("__wasm_split.js")).map_err(|e| e.to_string())?;
        optimise_chunks(&split, &main_wasm, &opt)?;
    } else {
        step("widget WASM is up to date");
    }
    // One module: the glue (init, mount, classify, the bench's exports) with the split loader.
    let entry = pkg.join("entry.js");
    std::fs::write(&entry, "export * from './qingting_widget.js';\nexport { default } from './qingting_widget.js';\n").map_err(|e| e.to_string())?;
    let bundle = pkg.join("widget.js");
    sh(Command::new(node_bin("esbuild"))
        .arg(&entry)
        .args(["--bundle", "--minify", "--format=esm", "--target=es2020", "--log-level=warning"])
        .arg(format!("--outfile={}", bundle.display())))?;
    let chunks = wasm_files(&opt)?;
    let mut parts = vec![read(&bundle)?];
    for chunk in &chunks {
        parts.push(read(chunk)?);
    }
    let hash = content_hash(&parts.iter().map(Vec::as_slice).collect::<Vec<_>>());
    let app = widget_out.join("app");
    let _ = std::fs::remove_dir_all(&app);
    let dir = app.join(&hash);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    std::fs::copy(&bundle, dir.join("widget.js")).map_err(|e| e.to_string())?;
    for chunk in &chunks {
        let name = chunk.file_name().ok_or("chunk without a name")?;
        std::fs::copy(chunk, dir.join(name)).map_err(|e| e.to_string())?;
    }
    let (app_js, app_wasm) = (format!("app/{hash}/widget.js"), format!("app/{hash}/qingting_widget_bg.wasm"));
    let manifest = format!("{{\"app\":\"{app_js}\",\"wasm\":\"{app_wasm}\"}}\n");
    std::fs::write(widget_out.join("manifest.json"), manifest).map_err(|e| e.to_string())?;
    Ok((app_js, app_wasm))
}

/// wasm-opt on every chunk `split` holds besides `main` (written to `opt`). The chunks carry a
/// name subsection wasm-opt does not know: its warning about that is dropped, anything else it
/// says is shown.
fn optimise_chunks(split: &std::path::Path, main: &std::path::Path, opt: &std::path::Path) -> Result<()> {
    for chunk in wasm_files(split)? {
        if chunk != main {
            let name = chunk.file_name().ok_or("chunk without a name")?;
            let mut cmd = Command::new(node_bin("wasm-opt"));
            cmd.args(WASM_OPT).arg("--strip-debug").arg(&chunk).arg("-o").arg(opt.join(name));
            let out = cmd.output().map_err(|e| format!("wasm-opt: {e}"))?;
            String::from_utf8_lossy(&out.stderr).lines().filter(|l| !l.contains("unknown name subsection")).for_each(|l| eprintln!("{l}"));
            if !out.status.success() {
                return Err(format!("wasm-opt failed on {} ({})", chunk.display(), out.status));
            }
        }
    }
    Ok(())
}

/// The console at `target/www/console/`: ECharts in `vendor/` (the dashboard's, [`echarts`]),
/// `index.html` naming `app/<hash>/`, a directory named by the hash of everything in it: the
/// wasm-bindgen glue bundled with its start call and the split loader, the main `.wasm`, the
/// lazily loaded `.wasm` chunks (`#[lazy_route]` pages, split off by `wasm_split_cli_support`, the
/// splitter `cargo leptos --split` uses) and the CSS (`console.css`; `analytics.css`, the
/// dashboard's, fetched with it). Deep links are served `index.html` by the
/// worker (`worker/src/lib.rs`); its CSP is in `www/_headers` and the worker.
pub fn console() -> Result<()> {
    let root = root();
    echarts()?;
    step("building the console (leptos + leptos_router → wasm32, profile wasm-release, relocations kept for splitting)");
    // `cargo rustc` passes the link argument to the console alone: its dependencies keep the
    // artefacts the widget's build shares.
    sh(Command::new("cargo")
        .args(["rustc", "--profile", "wasm-release", "--target", "wasm32-unknown-unknown", "-p", "qingting-console", "--lib", "--crate-type", "cdylib"])
        .args(["--", "-C", "link-args=--emit-relocs"])
        .current_dir(&root))?;
    let wasm = root.join("target/wasm32-unknown-unknown/wasm-release/qingting_console.wasm");
    let pkg = root.join("target/console-pkg");
    let opt = pkg.join("opt");
    if is_stale(&opt.join("qingting_console_bg.wasm"), std::slice::from_ref(&wasm)) {
        step("console: split into lazily loaded chunks → wasm-bindgen (web target) → wasm-opt -Oz on each");
        let _ = std::fs::remove_dir_all(&pkg);
        let split = pkg.join("split");
        std::fs::create_dir_all(&opt).map_err(|e| e.to_string())?;
        let input = read(&wasm)?;
        let main_wasm = split.join("qingting_console.wasm");
        wasm_split_cli_support::transform({
            let mut o = wasm_split_cli_support::Options::new(&input);
            o.output_dir = &split;
            o.main_out_path = &main_wasm;
            o.main_module = "./qingting_console.js";
            o.link_name = "./__wasm_split.js";
            o
        })
        .map_err(|e| format!("splitting the console's WebAssembly: {e}"))?;
        sh(Command::new(tools_dir().join("bin/wasm-bindgen"))
            .args(["--target", "web", "--no-typescript", "--keep-lld-exports", "--no-demangle", "--out-dir"])
            .arg(&pkg)
            .arg(&main_wasm))?;
        sh(Command::new(node_bin("wasm-opt")).args(WASM_OPT).arg(pkg.join("qingting_console_bg.wasm")).arg("-o").arg(opt.join("qingting_console_bg.wasm")))?;
        std::fs::copy(split.join("__wasm_split.js"), pkg.join("__wasm_split.js")).map_err(|e| e.to_string())?;
        optimise_chunks(&split, &main_wasm, &opt)?;
    }
    let (web, out) = (root.join("console/web"), site_dir().join("console"));
    if !is_stale(&out.join("index.html"), &[opt.join("qingting_console_bg.wasm"), pkg.join("qingting_console.js"), web.clone()]) {
        step("console is up to date");
        return Ok(());
    }
    step("console: esbuild --minify (glue + split loader + start, CSS) → target/www/console/app/<hash>/");
    let chunks = wasm_files(&opt)?;
    let mut parts =
        vec![read(&pkg.join("qingting_console.js"))?, read(&pkg.join("__wasm_split.js"))?, read(&web.join("console.css"))?, read(&web.join("analytics.css"))?];
    for chunk in &chunks {
        parts.push(read(chunk)?);
    }
    let hash = content_hash(&parts.iter().map(Vec::as_slice).collect::<Vec<_>>());
    let app = out.join("app");
    let _ = std::fs::remove_dir_all(&app);
    let dir = app.join(&hash);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    for chunk in &chunks {
        let name = chunk.file_name().ok_or("chunk without a name")?;
        std::fs::copy(chunk, dir.join(name)).map_err(|e| e.to_string())?;
    }
    // The module starts itself (`#[wasm_bindgen(start)]`) once `init` has the main `.wasm`; the
    // split loader fetches chunks relative to the bundle (`new URL("./…wasm", import.meta.url)`).
    let start = pkg.join("start.js");
    std::fs::write(&start, "import init from './qingting_console.js';\ninit({ module_or_path: new URL('qingting_console_bg.wasm', import.meta.url) });\n")
        .map_err(|e| e.to_string())?;
    sh(Command::new(node_bin("esbuild"))
        .arg(&start)
        .args(["--bundle", "--minify", "--format=esm", "--target=es2020", "--log-level=warning"])
        .arg(format!("--outfile={}", dir.join("console.js").display())))?;
    // The dashboard's stylesheet is fetched with the dashboard (`console/src/analytics/echarts.rs`).
    for css in ["console.css", "analytics.css"] {
        sh(Command::new(node_bin("esbuild"))
            .arg(web.join(css))
            .args(["--minify", "--log-level=warning"])
            .arg(format!("--outfile={}", dir.join(css).display())))?;
    }
    let page = String::from_utf8(read(&web.join("index.html"))?).map_err(|e| e.to_string())?;
    std::fs::write(out.join("index.html"), page.replace("__APP__", &hash)).map_err(|e| e.to_string())
}

/// Apache ECharts for the dashboard, at `target/www/console/vendor/echarts.min.js`: the pinned npm
/// package's minified build (`package.json`), served from the console's own origin (the CSP's
/// `script-src 'self'`: no CDN, no inline script) and fetched only when `/console/analytics`
/// mounts (`console/src/analytics/echarts.rs`), never on the console's first load.
fn echarts() -> Result<()> {
    let from = root().join("node_modules/echarts/dist/echarts.min.js");
    let to = site_dir().join("console/vendor/echarts.min.js");
    if !from.exists() {
        return Err(format!("{} is missing: run `npm ci` (cargo xtask setup does)", from.display()));
    }
    if is_stale(&to, std::slice::from_ref(&from)) {
        step("console: copying ECharts (node_modules/echarts/dist/echarts.min.js → target/www/console/vendor/)");
        std::fs::create_dir_all(to.parent().ok_or("no vendor directory")?).map_err(|e| e.to_string())?;
        std::fs::copy(&from, &to).map_err(|e| format!("copy {}: {e}", from.display()))?;
    }
    Ok(())
}

/// The `.wasm` files directly in `dir`, sorted.
fn wasm_files(dir: &std::path::Path) -> Result<Vec<std::path::PathBuf>> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
        .collect();
    files.sort();
    Ok(files)
}
