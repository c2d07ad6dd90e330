//! `cargo xtask bench-browser`: classification speed of the widget build in Chromium.

use std::process::Command;

use qingting_devserver::{DevServer, Options, SiteSeed};

use super::{build, setup};
use crate::util::{Result, datasets, root, sh};

pub fn bench_browser(_: &[String]) -> Result<()> {
    setup::all(true)?;
    build::all()?;
    if !root().join("target/data/complaint_dev.jsonl").exists() {
        datasets()?;
    }
    let server =
        DevServer::start(Options { sites: vec![SiteSeed { key: "demo".into(), merchant_name: "bench".into(), origins: vec![] }], ..Options::default() })?;
    sh(Command::new("node").arg("scripts/bench_browser.mjs").current_dir(root()).env("QT_BASE_URL", &server.base_url))
}
