//! `cargo xtask test`: install what is missing (with the browser), build, and run every test: the
//! workspace's unit tests, the worker under local `wrangler dev` with local D1, and the browser end
//! to end tests in Debian Chromium.

use std::process::Command;
use std::time::Instant;

use qingting_devserver::{DevServer, Options, SiteSeed, free_port};

use super::{build, setup};
use crate::util::{Result, root, sh, step};

pub fn test(args: &[String]) -> Result<()> {
    let t0 = Instant::now();
    // `--browser`: only the browser tests (after the build), for working on the widget or console.
    let browser_only = args.iter().any(|a| a == "--browser");
    setup::all(true)?;
    build::all()?;
    let root = root();
    if !browser_only {
        cargo_tests(&root)?;
    }
    browser_tests(&root)?;
    step(&format!("all tests passed in {:.0?}; screenshots in test-output/", t0.elapsed()));
    Ok(())
}

fn cargo_tests(root: &std::path::Path) -> Result<()> {
    step("cargo test: domain unit tests and the worker under local wrangler dev with local D1");
    sh(Command::new("cargo")
        .args(["test", "--workspace", "--exclude", "qingting-widget", "--exclude", "qingting-console", "--exclude", "qingting-worker"])
        .current_dir(root))?;

    step("cargo test: the widget's, the console's and the worker's plain logic (drafts, words, frame policy, keyed hashes), natively");
    sh(Command::new("cargo").args(["test", "-p", "qingting-widget", "-p", "qingting-console", "-p", "qingting-worker", "--lib"]).current_dir(root))?;

    // The parsers of outside input under mutation for a few seconds (`cargo xtask fuzz` for longer).
    super::fuzz::fuzz(&["--seconds".into(), "10".into()])?;

    Ok(())
}

fn browser_tests(root: &std::path::Path) -> Result<()> {
    step("browser end to end: Debian Chromium, a merchant page on another origin with hostile CSS");
    let merchant_port = free_port().map_err(|e| e.to_string())?;
    let merchant_origin = format!("http://localhost:{merchant_port}");
    // The console's tests create the first platform admin with ADMIN_TOKEN (POST /v1/auth/bootstrap).
    let admin_token = "local-test-admin-token-0123456789";
    let server = DevServer::start(Options {
        sites: vec![SiteSeed { key: "demo".into(), merchant_name: "老街小馆（演示）".into(), origins: vec![merchant_origin] }],
        // http:// receivers on loopback (the alert's channel in widget.test.mjs): a fresh clone has
        // no worker/.dev.vars.
        vars: vec![
            ("ADMIN_TOKEN".into(), admin_token.into()),
            ("PASSWORD_PEPPER".into(), "local-test-pepper-0123456789".into()),
            ("ALLOW_HTTP_DESTINATIONS".into(), "1".into()),
        ],
        ..Options::default()
    })?;
    let output = root.join("test-output");
    std::fs::create_dir_all(&output).map_err(|e| e.to_string())?;
    let result = sh(Command::new("node")
        .args(["--test", "--test-concurrency=1", "tests/e2e/widget.test.mjs"])
        .current_dir(root)
        .env("QT_BASE_URL", &server.base_url)
        .env("QT_MERCHANT_PORT", merchant_port.to_string())
        .env("QT_PERSIST_TO", &server.persist_to)
        .env("QT_ADMIN_TOKEN", admin_token)
        .env("QT_OUTPUT_DIR", &output))
    .and_then(|()| {
        step("browser end to end: the staff console (sign-in, shell, inbox, ticket page, settings, invitation setup, dashboard, axe-core WCAG 2.1 A/AA)");
        sh(Command::new("node")
            .args([
                "--test",
                "--test-concurrency=1",
                "tests/e2e/console.test.mjs",
                "tests/e2e/tickets.test.mjs",
                "tests/e2e/settings.test.mjs",
                "tests/e2e/analytics.test.mjs",
            ])
            .current_dir(root)
            .env("QT_BASE_URL", &server.base_url)
            .env("QT_PERSIST_TO", &server.persist_to)
            .env("QT_ADMIN_TOKEN", admin_token)
            .env("QT_MERCHANT_PORT", merchant_port.to_string())
            .env("QT_OUTPUT_DIR", &output))
    });
    if result.is_err() {
        eprintln!("--- wrangler dev log (last lines) ---\n{}", server.log_tail());
    }
    drop(server);
    result
}
