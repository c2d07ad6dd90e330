//! Reading labelled JSONL files.

use serde::Deserialize;

use crate::CliError;

/// A labelled text. `complaint` for the complaint files; `categories`/`primary` for category files.
#[derive(Clone, Debug, Deserialize)]
pub struct Labelled {
    pub id: String,
    pub text: String,
    #[serde(default)]
    pub complaint: Option<bool>,
    #[serde(default)]
    pub categories: Vec<String>,
    #[serde(default)]
    pub primary: Option<String>,
    /// The priority staff settled on (corrections files).
    #[serde(default)]
    pub priority: Option<String>,
    /// Whether the text reports an urgent (P1) matter, for the urgent files.
    #[serde(default)]
    pub urgent: Option<bool>,
    /// Training weight (default 1).
    #[serde(default)]
    pub weight: Option<f32>,
}

/// Every non-blank line of a JSONL file as `T`; errors name the file and line.
pub fn read_jsonl<T: serde::de::DeserializeOwned>(path: &std::path::Path) -> Result<Vec<T>, CliError> {
    let text = std::fs::read_to_string(path).map_err(|source| CliError::Io { path: path.display().to_string(), source })?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| CliError::Data { path: path.display().to_string(), line: i + 1, message: e.to_string() }))
        .collect()
}
