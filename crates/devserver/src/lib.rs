//! A local Qingting: `wrangler dev` (workerd) with local D1, migrations applied and sites seeded.
//!
//! Used by `cargo xtask run`, by `cargo xtask test` for the browser tests, and by the integration
//! tests (`tests/`), which therefore need this crate and not the whole of `xtask`. A background
//! server runs in its own process group and is stopped with `killpg` when the handle drops (never
//! `/usr/bin/kill -PGID`, see ../shared/TOOLCHAIN.md).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The workspace root (this crate lives in `crates/devserver/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).expect("crates/devserver lives in the workspace").to_path_buf()
}

/// The pinned JavaScript tools installed by `npm ci` (wrangler, esbuild, wasm-opt).
pub fn node_bin(name: &str) -> PathBuf {
    root().join("node_modules/.bin").join(name)
}
/// A merchant site to register in the local database.
#[derive(Clone, Debug)]
pub struct SiteSeed {
    pub key: String,
    pub merchant_name: String,
    pub origins: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Options {
    /// Port to listen on; a free one when `None`.
    pub port: Option<u16>,
    /// Where local D1 lives; a fresh temporary folder when `None` (removed on drop).
    pub persist_to: Option<PathBuf>,
    pub sites: Vec<SiteSeed>,
    /// Passed as `--var TOKEN_SECRET:…` (with a fixed local `ENCRYPTION_KEY` unless `vars` has
    /// one); `None` leaves both to `worker/.dev.vars`.
    pub token_secret: Option<String>,
    /// More `--var NAME:VALUE` bindings (e.g. `ADMIN_TOKEN`, fast retry backoff for tests).
    pub vars: Vec<(String, String)>,
    /// Foreground: share the terminal and Ctrl-C with the caller, print wrangler's output.
    pub foreground: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            port: None,
            persist_to: None,
            sites: Vec::new(),
            token_secret: Some("local-test-secret-0123456789".into()),
            vars: Vec::new(),
            foreground: false,
        }
    }
}

/// A running local worker.
pub struct DevServer {
    child: Child,
    pub port: u16,
    pub base_url: String,
    pub persist_to: PathBuf,
    temporary: bool,
    log: PathBuf,
    stopped: bool,
}

/// A port nobody listens on right now.
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn wrangler(args: &[&str]) -> Command {
    let mut cmd = Command::new(node_bin("wrangler"));
    cmd.args(args).current_dir(root()).env("WRANGLER_SEND_METRICS", "false").env("CI", "true").env("NO_D1_WARNING", "true");
    cmd
}

fn run_quiet(mut cmd: Command, what: &str) -> Result<(), String> {
    let out = cmd.stdin(Stdio::null()).output().map_err(|e| format!("{what}: cannot start wrangler ({e}); run `cargo xtask setup`"))?;
    if out.status.success() { Ok(()) } else { Err(format!("{what} failed:\n{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))) }
}

fn sql_str(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn json_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|o| format!("\"{}\"", o.replace('\\', "\\\\").replace('"', "\\\""))).collect();
    format!("[{}]", quoted.join(","))
}

/// Applies the D1 migrations to a local database folder.
pub fn migrate(persist_to: &Path) -> Result<(), String> {
    let p = persist_to.to_string_lossy();
    run_quiet(wrangler(&["d1", "migrations", "apply", "DB", "--local", "--persist-to", &p, "-c", "worker/wrangler.toml"]), "applying D1 migrations")
}

/// Registers (or updates) sites in a local database folder.
pub fn seed(persist_to: &Path, sites: &[SiteSeed]) -> Result<(), String> {
    if sites.is_empty() {
        return Ok(());
    }
    let mut sql = String::new();
    for s in sites {
        sql.push_str(&format!(
            "INSERT INTO sites (key, merchant_name, allowed_origins) VALUES ({}, {}, {}) \
             ON CONFLICT (key) DO UPDATE SET merchant_name = excluded.merchant_name, allowed_origins = excluded.allowed_origins;\n",
            sql_str(&s.key),
            sql_str(&s.merchant_name),
            sql_str(&json_list(&s.origins))
        ));
    }
    let file = persist_to.join("seed.sql");
    std::fs::create_dir_all(persist_to).and_then(|_| std::fs::write(&file, sql)).map_err(|e| format!("writing {}: {e}", file.display()))?;
    let (p, f) = (persist_to.to_string_lossy(), file.to_string_lossy());
    run_quiet(wrangler(&["d1", "execute", "DB", "--local", "--persist-to", &p, "-c", "worker/wrangler.toml", "--file", &f]), "seeding sites")
}

/// Runs a file of SQL statements against a local database folder (e.g. bulk data for a benchmark).
pub fn execute_file(persist_to: &Path, file: &Path) -> Result<(), String> {
    let (p, f) = (persist_to.to_string_lossy(), file.to_string_lossy());
    run_quiet(wrangler(&["d1", "execute", "DB", "--local", "--persist-to", &p, "-c", "worker/wrangler.toml", "--file", &f]), "running an SQL file")
}

/// Runs SQL against a local database folder and returns wrangler's JSON output. A database busy
/// with the server's own write is retried a few times.
pub fn query(persist_to: &Path, sql: &str) -> Result<String, String> {
    let p = persist_to.to_string_lossy();
    let mut last = String::new();
    for attempt in 0..5 {
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(300 * attempt));
        }
        let out = wrangler(&["d1", "execute", "DB", "--local", "--persist-to", &p, "-c", "worker/wrangler.toml", "--json", "--command", sql])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
        }
        last = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        if !last.contains("SQLITE_BUSY") {
            break;
        }
    }
    Err(last)
}

static COUNTER: AtomicU32 = AtomicU32::new(0);
static STOP: AtomicBool = AtomicBool::new(false);
static FOREGROUND: AtomicBool = AtomicBool::new(false);
/// Process groups of the servers this process runs, so a signal handler can stop them.
static GROUPS: [AtomicI32; 8] = [const { AtomicI32::new(0) }; 8];

extern "C" fn on_stop_signal(_: libc::c_int) {
    if FOREGROUND.load(Ordering::SeqCst) {
        // `cargo xtask run`: DevServer::wait sees the flag and stops the server cleanly.
        STOP.store(true, Ordering::SeqCst);
        return;
    }
    // Tests and benchmarks: stop every server's process group, then exit as interrupted.
    for g in &GROUPS {
        let pgid = g.load(Ordering::SeqCst);
        if pgid > 0 {
            // SAFETY: killpg and _exit are async-signal-safe.
            unsafe { libc::killpg(pgid, libc::SIGTERM) };
        }
    }
    unsafe { libc::_exit(130) };
}

/// Ctrl-C and SIGTERM stop the servers: they run in their own process groups and so do not see
/// the terminal's Ctrl-C themselves.
fn install_stop_signals(foreground: bool) {
    FOREGROUND.store(foreground, Ordering::SeqCst);
    let handler: extern "C" fn(libc::c_int) = on_stop_signal;
    // SAFETY: the handler only uses atomics and async-signal-safe calls.
    unsafe {
        libc::signal(libc::SIGINT, handler as libc::sighandler_t);
        libc::signal(libc::SIGTERM, handler as libc::sighandler_t);
    }
}

fn register_group(pgid: i32, on: bool) {
    for g in &GROUPS {
        let (from, to) = if on { (0, pgid) } else { (pgid, 0) };
        if g.compare_exchange(from, to, Ordering::SeqCst, Ordering::SeqCst).is_ok() {
            return;
        }
    }
}

impl DevServer {
    /// Applies migrations, seeds sites and starts `wrangler dev`; returns once `/v1/health` answers.
    pub fn start(opts: Options) -> Result<DevServer, String> {
        let root = root();
        for needed in ["worker/build/index.js", "target/www/widget/qingting.js"] {
            if !root.join(needed).exists() {
                return Err(format!("{needed} is missing: run `cargo xtask build` first"));
            }
        }
        let port = match opts.port {
            Some(p) => p,
            None => free_port().map_err(|e| e.to_string())?,
        };
        let (persist_to, temporary) = match &opts.persist_to {
            Some(p) => (p.clone(), false),
            None => {
                let n = COUNTER.fetch_add(1, Ordering::Relaxed);
                (root.join(format!("target/tmp/wrangler-{}-{n}", std::process::id())), true)
            }
        };
        if temporary {
            let _ = std::fs::remove_dir_all(&persist_to);
        }
        std::fs::create_dir_all(&persist_to).map_err(|e| e.to_string())?;
        migrate(&persist_to)?;
        seed(&persist_to, &opts.sites)?;

        let inspector = free_port().map_err(|e| e.to_string())?;
        let (port_s, inspector_s, persist_s) = (port.to_string(), inspector.to_string(), persist_to.to_string_lossy().into_owned());
        let mut args = vec![
            "dev",
            "-c",
            "worker/wrangler.toml",
            "--ip",
            "127.0.0.1",
            "--port",
            &port_s,
            "--inspector-port",
            &inspector_s,
            "--persist-to",
            &persist_s,
            "--show-interactive-dev-session=false",
            // `GET /__scheduled` runs the cron handler (the forwarding sweep) on demand.
            "--test-scheduled",
        ];
        let mut vars: Vec<String> = opts.vars.iter().map(|(k, v)| format!("{k}:{v}")).collect();
        // `GET /__dev/scheduled?time=` moves the cron's clock (local only; see worker/src/config.rs).
        vars.push("DEV_CLOCK:1".into());
        if let Some(secret) = &opts.token_secret {
            vars.push(format!("TOKEN_SECRET:{secret}"));
            // Secrets and contacts are sealed at rest (worker/src/seal.rs): a fixed local key.
            if !opts.vars.iter().any(|(k, _)| k == "ENCRYPTION_KEY") {
                vars.push("ENCRYPTION_KEY:cWluZ3RpbmctbG9jYWwtdGVzdC1rZXktMzItYnl0ZXM=".into());
            }
        }
        for var in &vars {
            args.extend(["--var", var]);
        }
        let mut cmd = wrangler(&args);
        let log = persist_to.join("wrangler.log");
        cmd.stdin(Stdio::null());
        install_stop_signals(opts.foreground);
        if opts.foreground {
            cmd.env_remove("CI");
        } else {
            let file = std::fs::File::create(&log).map_err(|e| e.to_string())?;
            let err = file.try_clone().map_err(|e| e.to_string())?;
            cmd.stdout(file).stderr(err);
        }
        // Always its own process group, so that stopping it stops workerd too.
        cmd.process_group(0);
        let child = cmd.spawn().map_err(|e| format!("cannot start wrangler dev ({e}); run `cargo xtask setup`"))?;
        register_group(child.id() as i32, true);
        let mut server = DevServer { child, port, base_url: format!("http://127.0.0.1:{port}"), persist_to, temporary, log, stopped: false };
        server.wait_ready(Duration::from_secs(120))?;
        Ok(server)
    }

    fn wait_ready(&mut self, limit: Duration) -> Result<(), String> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if STOP.load(Ordering::SeqCst) {
                return Err("interrupted while starting".into());
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("wrangler dev exited ({status}) before it was ready:\n{}", self.log_tail()));
            }
            if http_get(self.port, "/v1/health").is_ok_and(|(code, _)| code == 200) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        Err(format!("wrangler dev did not answer /v1/health within {limit:?}:\n{}", self.log_tail()))
    }

    /// The last lines wrangler printed (background servers only).
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// Waits until the server ends or this process is asked to stop (Ctrl-C, SIGTERM), then
    /// stops the whole server process group.
    pub fn wait(mut self) -> std::io::Result<()> {
        while !STOP.load(Ordering::SeqCst) {
            if self.child.try_wait()?.is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        println!("\nstopping wrangler dev …");
        self.stop();
        Ok(())
    }

    /// Stops the whole process group (wrangler *and* workerd), even when wrangler itself has
    /// already exited: the group lives as long as any member, and the leader is reaped last so
    /// its id cannot be reused while we still signal the group.
    fn stop(&mut self) {
        if std::mem::replace(&mut self.stopped, true) {
            return;
        }
        let pgid = self.child.id() as libc::pid_t;
        let alive = || unsafe { libc::killpg(pgid, 0) } == 0;
        // SAFETY: plain syscalls on the process group this handle started and has not reaped.
        unsafe {
            libc::killpg(pgid, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while alive() && Instant::now() < deadline {
            // Reap the leader if it exited, but keep waiting for the rest of the group.
            let _ = self.child.try_wait();
            std::thread::sleep(Duration::from_millis(100));
        }
        if alive() {
            // SAFETY: as above.
            unsafe {
                libc::killpg(pgid, libc::SIGKILL);
            }
        }
        let _ = self.child.wait();
        register_group(pgid, false);
    }
}

impl Drop for DevServer {
    fn drop(&mut self) {
        self.stop();
        if self.temporary {
            let _ = std::fs::remove_dir_all(&self.persist_to);
        }
    }
}

/// A minimal HTTP/1.1 GET on loopback: (status, body).
pub fn http_get(port: u16, path: &str) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(2))?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n")?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf)?;
    let text = String::from_utf8_lossy(&buf).into_owned();
    let code = text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    Ok((code, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_is_the_workspace() {
        let root = root();
        assert!(root.join("Cargo.toml").is_file() && root.join("worker/wrangler.toml").is_file(), "{}", root.display());
        assert_eq!(node_bin("wrangler"), root.join("node_modules/.bin/wrangler"));
    }

    #[test]
    fn seed_values_are_quoted_for_sql_and_json() {
        assert_eq!(sql_str("老街's"), "'老街''s'");
        assert_eq!(json_list(&[]), "[]");
        assert_eq!(json_list(&["https://a.cn".into(), r#"x"\y"#.into()]), r#"["https://a.cn","x\"\\y"]"#);
    }

    #[test]
    fn process_groups_are_registered_and_released() {
        // Group ids no real process uses here, so the slots of running servers are not touched.
        register_group(-7, true);
        assert!(GROUPS.iter().any(|g| g.load(Ordering::SeqCst) == -7));
        register_group(-7, false);
        assert!(!GROUPS.iter().any(|g| g.load(Ordering::SeqCst) == -7));
    }

    #[test]
    fn http_get_reads_status_and_body() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            // The request may arrive in pieces: read up to the blank line that ends it.
            let (mut request, mut buf) = (Vec::new(), [0u8; 256]);
            while !request.ends_with(b"\r\n\r\n") {
                let n = s.read(&mut buf).unwrap();
                assert!(n > 0, "request ended early: {}", String::from_utf8_lossy(&request));
                request.extend_from_slice(&buf[..n]);
            }
            assert!(request.starts_with(b"GET /v1/health HTTP/1.1\r\n"));
            s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\nConnection: close\r\n\r\n{\"ok\":true}").unwrap();
        });
        assert_eq!(http_get(port, "/v1/health").unwrap(), (200, "{\"ok\":true}".to_string()));
        server.join().unwrap();
        assert_ne!(free_port().unwrap(), 0);
    }
}
