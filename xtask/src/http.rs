//! A tiny HTTP/1.1 client for the local worker on loopback (`demo`, `seed`, `bench-inbox`): one
//! connection per request, `Connection: close`, bodies with `Content-Length` or chunked. Enough for
//! JSON APIs on 127.0.0.1; not a general client.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::Value;

use crate::util::Result;

/// An answer: status, headers (names lower-cased) and the body as text.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    /// The API's error code (`{"error": {"code": …}}`), if the body has one.
    pub fn error_code(&self) -> Option<String> {
        self.json()["error"]["code"].as_str().map(str::to_string)
    }

    /// `Ok(self)` for a 2xx answer; otherwise an error naming `what`, the status and the body.
    pub fn ok(self, what: &str) -> Result<Response> {
        if (200..300).contains(&self.status) { Ok(self) } else { Err(format!("{what}: HTTP {} {}", self.status, self.body.trim())) }
    }

    /// The session token from a `Set-Cookie: NAME=token; …` header, as `NAME=token`.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers.iter().filter(|(k, _)| k == "set-cookie").find_map(|(_, v)| {
            let pair = v.split(';').next()?.trim();
            pair.starts_with(&format!("{name}=")).then(|| pair.to_string())
        })
    }
}

/// A request to `127.0.0.1:port`: `headers` as given, a JSON body when `body` is `Some`.
pub fn request(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&Value>) -> Result<Response> {
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() || matches!(method, "POST" | "PUT") {
        head.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    let raw = exchange(port, head.as_bytes(), body.as_bytes()).map_err(|e| format!("{method} {path}: {e}"))?;
    parse(&raw).ok_or_else(|| format!("{method} {path}: not an HTTP answer: {}", String::from_utf8_lossy(&raw)))
}

/// Sends the request and reads one answer: up to its `Content-Length` or the end of its chunks
/// (local `wrangler dev` keeps the connection open for seconds despite `Connection: close`).
fn exchange(port: u16, head: &[u8], body: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut s = TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(5))?;
    s.set_read_timeout(Some(Duration::from_secs(60)))?;
    s.set_nodelay(true)?;
    s.write_all(&[head, body].concat())?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    while !complete(&buf) {
        let n = s.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(buf)
}

/// Whether `raw` holds a whole answer: the head, then `Content-Length` bytes or the last chunk.
fn complete(raw: &[u8]) -> bool {
    let Some(split) = raw.windows(4).position(|w| w == b"\r\n\r\n") else { return false };
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let body = &raw[split + 4..];
    let value = |name: &str| head.split("\r\n").find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_string()));
    if let Some(n) = value("content-length:").and_then(|v| v.parse::<usize>().ok()) {
        body.len() >= n
    } else if value("transfer-encoding:").is_some_and(|v| v.contains("chunked")) {
        body.ends_with(b"0\r\n\r\n") && dechunk(body).is_some()
    } else {
        // No length: the answer ends when the connection does (or has no body at all).
        head.starts_with("http/1.1 204") || head.starts_with("http/1.1 304")
    }
}

/// Status, headers and body of a complete answer read up to the closed connection.
fn parse(raw: &[u8]) -> Option<Response> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..split]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string())).collect();
    let rest = &raw[split + 4..];
    let chunked = headers.iter().any(|(k, v)| k == "transfer-encoding" && v.to_ascii_lowercase().contains("chunked"));
    let body = if chunked { dechunk(rest)? } else { rest.to_vec() };
    Some(Response { status, headers, body: String::from_utf8_lossy(&body).into_owned() })
}

/// The payload of a chunked body.
fn dechunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&rest[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(rest.get(..size)?);
        rest = rest.get(size + 2..)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_with_length_or_chunks_are_read() {
        let plain = parse(b"HTTP/1.1 201 Created\r\nContent-Length: 7\r\nSet-Cookie: __Host-qt_session=abc; Path=/; Secure\r\n\r\n{\"a\":1}").unwrap();
        assert_eq!((plain.status, plain.body.as_str()), (201, "{\"a\":1}"));
        assert_eq!(plain.json()["a"], 1);
        assert_eq!(plain.cookie("__Host-qt_session").as_deref(), Some("__Host-qt_session=abc"));
        let chunked = parse(b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"err\r\n11\r\nor\":{\"code\":\"x\"}}\r\n0\r\n\r\n").unwrap();
        assert_eq!(chunked.body, "{\"error\":{\"code\":\"x\"}}");
        assert_eq!(chunked.error_code().as_deref(), Some("x"));
        assert!(chunked.ok("GET /").unwrap_err().contains("HTTP 404"));
        assert!(parse(b"garbage").is_none());
        assert!(complete(b"HTTP/1.1 201 Created\r\nContent-Length: 7\r\n\r\n{\"a\":1}"));
        assert!(!complete(b"HTTP/1.1 201 Created\r\nContent-Length: 7\r\n\r\n{\"a\""));
        assert!(complete(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n"));
        assert!(!complete(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n"));
    }
}
