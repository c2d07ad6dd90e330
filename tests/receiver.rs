//! A merchant's webhook receiver on loopback, for the forwarding tests: records every request and
//! answers per path — `/ok…` accepts, `/fail-N-…` refuses the first N requests then accepts,
//! `/down…` always refuses, `/feishu…`, `/dingtalk…`, `/wecom…` answer like those bots.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One request as the receiver saw it.
#[derive(Clone, Debug)]
pub struct Received {
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// What the receiver answered.
    pub status: u16,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

#[derive(Clone)]
pub struct Receiver {
    pub port: u16,
    log: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    pub fn start() -> std::io::Result<Receiver> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let log: Arc<Mutex<Vec<Received>>> = Arc::default();
        let counts: Arc<Mutex<HashMap<String, u32>>> = Arc::default();
        let (log2, counts2) = (log.clone(), counts.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (log, counts) = (log2.clone(), counts2.clone());
                std::thread::spawn(move || {
                    let _ = handle(stream, &log, &counts);
                });
            }
        });
        Ok(Receiver { port, log })
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Requests whose path starts with `prefix`.
    pub fn requests(&self, prefix: &str) -> Vec<Received> {
        self.log.lock().map(|l| l.iter().filter(|r| r.path.starts_with(prefix)).cloned().collect()).unwrap_or_default()
    }
}

/// Polls `f` until it returns `Some` or `limit` passes.
pub fn wait_for<T>(limit: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if start.elapsed() > limit {
            return None;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn handle(stream: TcpStream, log: &Mutex<Vec<Received>>, counts: &Mutex<HashMap<String, u32>>) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h)?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let len = headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("content-length")).and_then(|(_, v)| v.parse::<usize>().ok()).unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body)?;

    let route = path.split('?').next().unwrap_or("").to_string();
    let n = {
        let mut c = counts.lock().map_err(|_| std::io::Error::other("poisoned"))?;
        let n = c.entry(route.clone()).or_default();
        *n += 1;
        *n
    };
    let failing = |p: &str| -> bool {
        // `/fail-3-…`: the first 3 requests fail.
        p.strip_prefix("/fail-").and_then(|r| r.split('-').next()).and_then(|k| k.parse::<u32>().ok()).is_some_and(|k| n <= k)
    };
    let (status, answer) = if route.starts_with("/down") || failing(&route) {
        (500, "{\"error\":\"temporarily broken\"}".to_string())
    } else if route.starts_with("/feishu") {
        (200, "{\"code\":0,\"msg\":\"success\",\"data\":{}}".to_string())
    } else if route.starts_with("/dingtalk") || route.starts_with("/wecom") {
        (200, "{\"errcode\":0,\"errmsg\":\"ok\"}".to_string())
    } else {
        (200, "{\"ok\":true}".to_string())
    };
    if let Ok(mut l) = log.lock() {
        l.push(Received { path, headers, body, status });
    }
    let mut out = stream;
    write!(out, "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}", answer.len())?;
    out.flush()
}
