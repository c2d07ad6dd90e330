//! Submitting a complaint: one idempotency key per draft, automatic retries for failures that may
//! be passing (network, 5xx, 429), never for a refusal (other 4xx).

use gloo_net::http::Request;
use gloo_timers::future::TimeoutFuture;
use qingting_shared::ComplaintSubmission;
use qingting_shared::api::{ComplaintReceipt, ErrorBody};

/// Why a submission did not succeed.
#[derive(Clone, Debug, PartialEq)]
pub enum SubmitError {
    /// No answer (offline, DNS, CORS, connection reset).
    Network,
    /// The server failed (5xx) or asked us to slow down (429).
    Unavailable(u16),
    /// The server refused the submission; `code` is the API's error code.
    Rejected { code: String, message: String },
}

/// Delays before the 2nd and 3rd attempt.
const BACKOFF_MS: [u32; 2] = [600, 1_800];

/// Submits with up to three attempts under the same idempotency key, so a retry can never create a
/// second ticket.
pub async fn submit(api: &str, idempotency_key: &str, body: &ComplaintSubmission) -> Result<ComplaintReceipt, SubmitError> {
    let mut last = SubmitError::Network;
    for attempt in 0..=BACKOFF_MS.len() {
        if attempt > 0 {
            TimeoutFuture::new(BACKOFF_MS[attempt - 1]).await;
        }
        match submit_once(api, idempotency_key, body).await {
            Ok(receipt) => return Ok(receipt),
            Err(e @ SubmitError::Rejected { .. }) => return Err(e),
            Err(e) => last = e,
        }
    }
    Err(last)
}

async fn submit_once(api: &str, idempotency_key: &str, body: &ComplaintSubmission) -> Result<ComplaintReceipt, SubmitError> {
    let url = format!("{}/v1/complaints", api.trim_end_matches('/'));
    let request = Request::post(&url)
        .header("Idempotency-Key", idempotency_key)
        .json(body)
        .map_err(|_| SubmitError::Rejected { code: "client".into(), message: "could not encode the request".into() })?;
    let response = request.send().await.map_err(|_| SubmitError::Network)?;
    let status = response.status();
    if (200..300).contains(&status) {
        return response.json::<ComplaintReceipt>().await.map_err(|_| SubmitError::Unavailable(status));
    }
    if status >= 500 || status == 429 {
        return Err(SubmitError::Unavailable(status));
    }
    match response.json::<ErrorBody>().await {
        Ok(body) => Err(SubmitError::Rejected { code: body.error.code, message: body.error.message }),
        Err(_) => Err(SubmitError::Unavailable(status)),
    }
}
