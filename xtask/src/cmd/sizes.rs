//! `cargo xtask sizes`: what a customer downloads (the widget), then what staff download on the
//! console's first load; raw / gzip -9 / brotli -q 11.

use std::io::Write;

use crate::util::{Result, site_dir};

fn gzip(data: &[u8]) -> usize {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let _ = enc.write_all(data);
    enc.finish().map(|v| v.len()).unwrap_or(0)
}

fn brotli(data: &[u8]) -> usize {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 22, ..Default::default() };
    let _ = brotli::BrotliCompress(&mut &data[..], &mut out, &params);
    out.len()
}

pub fn sizes(_: &[String]) -> Result<()> {
    let dir = site_dir().join("widget");
    let read = |name: &str| std::fs::read(dir.join(name)).map_err(|e| format!("{name}: {e} (run `cargo xtask build` first)"));
    let loader = read("qingting.js")?;
    let manifest = String::from_utf8(read("manifest.json")?).map_err(|e| e.to_string())?;
    let name = |key: &str| -> Result<String> {
        let at = manifest.find(&format!("\"{key}\":\"")).ok_or(format!("manifest.json has no {key}"))? + key.len() + 4;
        Ok(manifest[at..].split('"').next().unwrap_or_default().to_string())
    };
    let js = read(&name("app")?)?;
    let wasm = read(&name("wasm")?)?;
    let (frame_js, frame_css) = (read("panel.js")?, read("panel.css")?);
    // The frame's document is made by the worker (worker/src/frame.rs): about 400 bytes.
    let frame_html = 400usize;
    println!("| file | raw | gzip -9 | brotli -q 11 |");
    println!("|---|---:|---:|---:|");
    let files: [(&str, &Vec<u8>); 5] = [
        ("loader qingting.js (on page load)", &loader),
        ("frame script panel.js (page idle, for the badge)", &frame_js),
        ("frame CSS panel.css", &frame_css),
        ("app JS qingting_widget.js (first open)", &js),
        ("app WASM qingting_widget_bg.wasm (first open)", &wasm),
    ];
    for (name, data) in files {
        println!("| {name} | {} | {} | {} |", data.len(), gzip(data), brotli(data));
    }
    let all = [&frame_js, &frame_css, &js, &wasm];
    println!(
        "| **first open, all told (frame document ≈ {frame_html} B + script + CSS + app; budget ≤ 200 KB brotli)** | {} | {} | {} |",
        frame_html + all.iter().map(|d| d.len()).sum::<usize>(),
        frame_html + all.iter().map(|d| gzip(d)).sum::<usize>(),
        frame_html + all.iter().map(|d| brotli(d)).sum::<usize>()
    );
    // The chunks beside the main module: 我的投诉 and a ticket's page, fetched on their first visit.
    let wasm_path = dir.join(name("wasm")?);
    let app_dir = wasm_path.parent().ok_or("the app has no directory")?;
    let mut chunks: Vec<_> = std::fs::read_dir(app_dir).map_err(|e| e.to_string())?.flatten().map(|e| e.path()).collect();
    chunks.retain(|p| p.extension().is_some_and(|x| x == "wasm") && *p != wasm_path);
    chunks.sort();
    for chunk in chunks {
        let data = std::fs::read(&chunk).map_err(|e| e.to_string())?;
        let file = chunk.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        println!("| lazily loaded (我的投诉, a ticket's page): {file} | {} | {} | {} |", data.len(), gzip(&data), brotli(&data));
    }
    console()
}

/// The console's first load: `index.html` and the files it names in `app/<hash>/` (the build
/// keeps only the current directory); then each lazily loaded chunk, fetched on its page's first
/// visit. Aim: first load ≤ 300 KB brotli.
fn console() -> Result<()> {
    let dir = site_dir().join("console");
    let read = |p: &std::path::Path| std::fs::read(p).map_err(|e| format!("{}: {e} (run `cargo xtask build` first)", p.display()));
    let app = std::fs::read_dir(dir.join("app")).map_err(|e| format!("console/app: {e}"))?.flatten().map(|e| e.path()).find(|p| p.is_dir());
    let app = app.ok_or("console/app/<hash>/ is missing (run `cargo xtask build` first)")?;
    let hash = app.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut first = vec![("console/index.html".to_string(), read(&dir.join("index.html"))?)];
    for name in ["console.js", "qingting_console_bg.wasm", "console.css"] {
        first.push((format!("console/app/{hash}/{name}"), read(&app.join(name))?));
    }
    let mut lazy: Vec<_> = std::fs::read_dir(&app)
        .map_err(|e| format!("{}: {e}", app.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "wasm") && !p.ends_with("qingting_console_bg.wasm"))
        .collect();
    lazy.sort();
    println!();
    println!("| console file | raw | gzip -9 | brotli -q 11 |");
    println!("|---|---:|---:|---:|");
    let (mut raw, mut gz, mut br) = (0, 0, 0);
    for (name, data) in &first {
        let (g, b) = (gzip(data), brotli(data));
        println!("| {name} | {} | {g} | {b} |", data.len());
        (raw, gz, br) = (raw + data.len(), gz + g, br + b);
    }
    println!("| **console first load (sum of files; aim ≤ 300 KB brotli)** | {raw} | {gz} | {br} |");
    for path in lazy {
        let data = read(&path)?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        println!("| lazily loaded: {name} | {} | {} | {} |", data.len(), gzip(&data), brotli(&data));
    }
    Ok(())
}
