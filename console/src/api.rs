//! The sign-in API as the console calls it: `POST /v1/auth/login`, `GET /v1/auth/me`,
//! `POST /v1/auth/logout` (same origin, so the browser sends the `__Host-qt_session` cookie by
//! itself). Refusals come back as [`Failure`]s matched by [`ErrorCode`], never by message text.

use gloo_net::http::{Request, Response};
use qingting_shared::ErrorCode;
use qingting_shared::accounts::Membership;
use serde::{Deserialize, Serialize};

/// The signed-in staff member.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct User {
    pub id: String,
    pub email: String,
    pub display_name: String,
}

/// `{user, memberships}`: what `login` and `me` answer.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Me {
    pub user: User,
    pub memberships: Vec<Membership>,
}

/// Why a call did not give its answer.
#[derive(Clone, Debug, PartialEq)]
pub enum Failure {
    /// No answer at all (offline, DNS, a dropped connection).
    Network,
    /// The API refused: its code (`None` for a code this build does not know, or a body that is not
    /// the API's error shape), its message, and `Retry-After` in seconds when it said one.
    Refused { status: u16, code: Option<ErrorCode>, message: String, retry_after: Option<u32> },
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Network => f.write_str("network"),
            Failure::Refused { code, status, .. } => write!(f, "{} ({status})", code.map_or("unknown", |c| c.as_str())),
        }
    }
}

impl std::error::Error for Failure {}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorInfo,
}

#[derive(Deserialize)]
struct ErrorInfo {
    code: String,
    #[serde(default)]
    message: String,
}

/// The [`Failure`] an unsuccessful response stands for.
async fn refusal(response: Response) -> Failure {
    let status = response.status();
    let retry_after = response.headers().get("Retry-After").and_then(|s| s.trim().parse().ok());
    let (code, message) = match response.json::<ErrorBody>().await {
        Ok(body) => (ErrorCode::parse(&body.error.code), body.error.message),
        Err(_) => (None, String::new()),
    };
    Failure::Refused { status, code, message, retry_after }
}

async fn me_from(response: Response) -> Result<Me, Failure> {
    if !response.ok() {
        return Err(refusal(response).await);
    }
    response.json::<Me>().await.map_err(|_| Failure::Refused { status: response.status(), code: None, message: String::new(), retry_after: None })
}

#[derive(Serialize)]
struct LoginBody<'a> {
    email: &'a str,
    password: &'a str,
}

/// Signs in; the answer sets the session cookie.
pub async fn login(email: &str, password: &str) -> Result<Me, Failure> {
    let request = Request::post("/v1/auth/login").json(&LoginBody { email, password }).map_err(|_| Failure::Network)?;
    me_from(request.send().await.map_err(|_| Failure::Network)?).await
}

/// The signed-in user, or `None` when there is no valid session (any `401`).
pub async fn me() -> Result<Option<Me>, Failure> {
    let response = Request::get("/v1/auth/me").send().await.map_err(|_| Failure::Network)?;
    if response.status() == 401 {
        return Ok(None);
    }
    me_from(response).await.map(Some)
}

/// Ends this session. A session that had already ended counts as signed out.
pub async fn logout() -> Result<(), Failure> {
    let response = Request::post("/v1/auth/logout").send().await.map_err(|_| Failure::Network)?;
    if response.ok() || response.status() == 401 { Ok(()) } else { Err(refusal(response).await) }
}
