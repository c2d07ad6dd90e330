//! `cargo xtask run [--port N]`: install what is missing, build what is stale, apply the D1
//! migrations to the local database in .wrangler/state, seed the demo site, start the whole
//! system on 127.0.0.1 in the foreground (Ctrl-C stops it), and make the demo accounts on first use
//! (`demo`).

use std::path::PathBuf;

use qingting_devserver::{DevServer, Options, SiteSeed};

use super::{build, demo, setup};
use crate::util::{Result, root, step};

pub fn run(args: &[String]) -> Result<()> {
    let port: u16 = match args {
        [] => 8787,
        [flag, n] if flag == "--port" => n.parse().map_err(|_| format!("--port takes a number, not {n}"))?,
        _ => return Err("usage: cargo xtask run [--port N]".into()),
    };
    setup::all(false)?;
    build::all()?;
    let server = start(port, true)?;
    let accounts = match demo::ensure(port, &demo::accounts_file()) {
        Ok(demo) => Some(demo.accounts),
        Err(e) => {
            eprintln!("xtask: the demo accounts could not be made ({e}); the system runs without them");
            None
        }
    };
    println!();
    println!("  倾听 Qingting is running (Ctrl-C stops it)");
    println!("  landing page   http://127.0.0.1:{port}/");
    println!("  demo merchant  http://127.0.0.1:{port}/demo/   (hostile page CSS: /demo/?hostile=1)");
    println!("  console        http://127.0.0.1:{port}/console/   (staff sign-in: the demo accounts below)");
    println!("  API            http://127.0.0.1:{port}/v1/health");
    println!("  admin API      http://127.0.0.1:{port}/v1/admin/sites/demo   (signed in as a site's admin; README: Configuring a merchant)");
    println!(
        "  local D1       npx wrangler d1 execute DB --local --persist-to .wrangler/state -c worker/wrangler.toml --command \"SELECT ticket_no, category, priority FROM complaints\""
    );
    if let Some(accounts) = &accounts {
        demo::print(accounts, port);
    }
    println!();
    server.wait().map_err(|e| e.to_string())?;
    Ok(())
}

/// The local D1 of `run` and `seed` (kept between runs).
pub fn state_dir() -> PathBuf {
    root().join(".wrangler/state")
}

/// Writes the local secrets if missing, applies the migrations to [`state_dir`], seeds the demo
/// site and starts `wrangler dev` on `port` (in the foreground: sharing the terminal and Ctrl-C).
pub fn start(port: u16, foreground: bool) -> Result<DevServer> {
    token_secret_file()?;
    let origins = vec![format!("http://127.0.0.1:{port}"), format!("http://localhost:{port}")];
    step("applying D1 migrations to the local database (.wrangler/state) and seeding the demo site");
    DevServer::start(Options {
        port: Some(port),
        persist_to: Some(state_dir()),
        sites: vec![SiteSeed { key: "demo".into(), merchant_name: demo::MERCHANTS[0].name.into(), origins }],
        token_secret: None,
        vars: Vec::new(),
        foreground,
    })
}

/// `worker/.dev.vars` (not committed): random local secrets, and `http://` receivers allowed.
/// Adds whatever a file from an older checkout lacks; never changes what is there.
pub fn token_secret_file() -> Result<()> {
    let path = root().join("worker/.dev.vars");
    let mut text = std::fs::read_to_string(&path).unwrap_or_else(|_| "# Local secrets for wrangler dev (not committed).\n".into());
    let urandom = |bytes: &mut [u8]| std::fs::File::open("/dev/urandom").and_then(|mut f| std::io::Read::read_exact(&mut f, bytes)).map_err(|e| e.to_string());
    let random = || -> Result<String> {
        let mut bytes = [0u8; 24];
        urandom(&mut bytes)?;
        Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
    };
    // ENCRYPTION_KEY: 32 random bytes in base64 (worker/src/seal.rs).
    let mut key = [0u8; 32];
    urandom(&mut key)?;
    let key = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, key);
    let mut added = Vec::new();
    for (name, value) in [
        ("TOKEN_SECRET", None),
        ("ADMIN_TOKEN", None),
        ("PASSWORD_PEPPER", None),
        ("ALLOW_HTTP_DESTINATIONS", Some("1")),
        ("ENCRYPTION_KEY", Some(key.as_str())),
    ] {
        if text.lines().any(|l| l.trim_start().starts_with(&format!("{name}="))) {
            continue;
        }
        let value = match value {
            Some(v) => v.to_string(),
            None => random()?,
        };
        text.push_str(&format!("{name}=\"{value}\"\n"));
        added.push(name);
    }
    if !added.is_empty() {
        std::fs::write(&path, text).map_err(|e| e.to_string())?;
        step(&format!("worker/.dev.vars: added {} (local only; ADMIN_TOKEN creates the first platform admin, see README)", added.join(", ")));
    }
    Ok(())
}

