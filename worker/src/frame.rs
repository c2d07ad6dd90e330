//! The customer's panel frame: `GET /widget/panel?site=KEY` (the loader adds `lang`, `order`
//! and `parent`, read by the frame's own script).
//!
//! The panel runs in this document on Qingting's origin, not in the merchant page's realm: the
//! page cannot read what the customer types, the draft, the ticket ids or their tokens, and cannot
//! replace `fetch` under the panel. The document is the same for every site except its
//! `Content-Security-Policy`, whose `frame-ancestors` lists the site's allowed origins — so only
//! the merchant's own pages can frame it (that is what makes Qingting's own origin acceptable to
//! intake for the site: `Site::check_origin`). Scripts and styles are files (`/widget/panel.js`,
//! `/widget/panel.css`); nothing inline.

use worker::{Env, Headers, Method, Request, Response, Result};

use crate::store::{self, sites};

/// What the frame may load and where it may be shown, before `frame-ancestors`.
const PANEL_CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; connect-src 'self'; img-src 'self' data:; \
     base-uri 'none'; form-action 'none'";

/// The document: a language is set by the script once it has read the query.
const PANEL_HTML: &str = "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>倾听</title>\
<link rel=\"stylesheet\" href=\"/widget/panel.css\"><script type=\"module\" src=\"/widget/panel.js\"></script></head>\
<body><main id=\"qt-root\"></main></body></html>\n";

/// An origin as a CSP source: `scheme://host[:port]` with nothing a policy could be bent by.
fn csp_source(origin: &str) -> Option<&str> {
    let ok = (origin.starts_with("https://") || origin.starts_with("http://"))
        && origin.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.:/[]".contains(&b))
        && origin.matches('/').count() == 2;
    ok.then_some(origin)
}

/// The `frame-ancestors` directive for a site's allowed origins (`'none'` for none).
pub fn frame_ancestors(origins: &[String]) -> String {
    let sources: Vec<&str> = origins.iter().filter_map(|o| csp_source(o)).collect();
    if sources.is_empty() { "frame-ancestors 'none'".into() } else { format!("frame-ancestors {}", sources.join(" ")) }
}

/// Answers `GET /widget/panel`; `None` for every other request.
pub async fn panel(req: &Request, env: &Env) -> Result<Option<Response>> {
    let url = req.url()?;
    if !matches!(req.method(), Method::Get | Method::Head) || url.path() != "/widget/panel" {
        return Ok(None);
    }
    let key = url.query_pairs().find(|(k, _)| k == "site").map(|(_, v)| v.into_owned()).unwrap_or_default();
    let db = match store::db(env) {
        Ok(db) => db,
        Err(e) => return e.into_response().map(Some),
    };
    let origins = match sites::existing(&db, &key).await {
        Ok(site) => site.origins(),
        Err(e) => return e.into_response().map(Some),
    };
    let headers = Headers::new();
    headers.set("Content-Type", "text/html; charset=utf-8")?;
    headers.set("Cache-Control", "no-cache")?;
    headers.set("Content-Security-Policy", &format!("{PANEL_CSP}; {}", frame_ancestors(&origins)))?;
    headers.set("X-Content-Type-Options", "nosniff")?;
    headers.set("Referrer-Policy", "no-referrer")?;
    Ok(Some(Response::ok(PANEL_HTML)?.with_headers(headers)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_origins_become_frame_ancestors() {
        let origins = vec![
            "https://shop.example.cn".to_string(),
            "http://127.0.0.1:8790".to_string(),
            "https://evil.example; script-src *".to_string(),
            "https://x.example/path".to_string(),
        ];
        assert_eq!(frame_ancestors(&origins), "frame-ancestors https://shop.example.cn http://127.0.0.1:8790");
        assert_eq!(frame_ancestors(&[]), "frame-ancestors 'none'");
    }
}
