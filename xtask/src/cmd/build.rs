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

    step("bundling the loader (widget/loader → /widget/qingting.js) and the panel frame's script and CSS");
    sh(Command::new(node_bin("esbuild"))
        .arg(root.join("widget/loader/loader.js"))
        .args(["--bundle", "--minify", "--format=iife", "--target=es2020", "--loader:.css=text", "--log-level=warning"])
        .arg(format!("--outfile={}", widget_out.join("qingting.js").display())))?;
    // The frame's script names the current app pair (relative to itself: /widget/panel.js).
    sh(Command::new(node_bin("esbuild"))
        .arg(root.join("widget/frame/panel.js"))
        .args(["--bundle", "--minify", "--format=esm", "--target=es2020", "--log-level=warning"])
        .arg(format!("--define:__QT_APP__=\"./app/{app_js}\""))
        .arg(format!("--define:__QT_WASM__=\"./app/{app_wasm}\""))
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

/// The console at `target/www/console/`: `index.html` naming `app/<hash>/`, a directory named by
/// the hash of everything in it: the wasm-bindgen glue bundled with its start call and the split
/// loader, the main `.wasm`, the lazily loaded `.wasm` chunks (`#[lazy_route]` pages, split off by
/// `wasm_split_cli_support`, the splitter `cargo leptos --split` uses) and the CSS. Deep links are
/// served `index.html` by the worker (`worker/src/lib.rs`); its CSP is in `www/_headers` and the
/// worker.
pub fn console() -> Result<()> {
    let root = root();
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
        for chunk in wasm_files(&split)? {
            if chunk != main_wasm {
                let name = chunk.file_name().ok_or("chunk without a name")?;
                // The chunks carry a name subsection wasm-opt does not know: its warning about
                // that is dropped, anything else it says is shown.
                let mut cmd = Command::new(node_bin("wasm-opt"));
                cmd.args(WASM_OPT).arg("--strip-debug").arg(&chunk).arg("-o").arg(opt.join(name));
                let out = cmd.output().map_err(|e| format!("wasm-opt: {e}"))?;
                String::from_utf8_lossy(&out.stderr).lines().filter(|l| !l.contains("unknown name subsection")).for_each(|l| eprintln!("{l}"));
                if !out.status.success() {
                    return Err(format!("wasm-opt failed on {} ({})", chunk.display(), out.status));
                }
            }
        }
    }
    let (web, out) = (root.join("console/web"), site_dir().join("console"));
    if !is_stale(&out.join("index.html"), &[opt.join("qingting_console_bg.wasm"), pkg.join("qingting_console.js"), web.clone()]) {
        step("console is up to date");
        return Ok(());
    }
    step("console: esbuild --minify (glue + split loader + start, CSS) → target/www/console/app/<hash>/");
    let chunks = wasm_files(&opt)?;
    let mut parts = vec![read(&pkg.join("qingting_console.js"))?, read(&pkg.join("__wasm_split.js"))?, read(&web.join("console.css"))?];
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
    sh(Command::new(node_bin("esbuild"))
        .arg(web.join("console.css"))
        .args(["--minify", "--log-level=warning"])
        .arg(format!("--outfile={}", dir.join("console.css").display())))?;
    let page = String::from_utf8(read(&web.join("index.html"))?).map_err(|e| e.to_string())?;
    std::fs::write(out.join("index.html"), page.replace("__APP__", &hash)).map_err(|e| e.to_string())
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
