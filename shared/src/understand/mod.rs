//! Understanding a complaint: is it one, what is it about, how urgent is it.
//!
//! The pipeline is [`text`] (normalisation, Traditional → Simplified through the generated
//! `t2s_table`) → [`segment`] (jieba-rs over the trimmed dictionary `model/dict.txt`) →
//! [`features`] (hashed word and character n-grams) → [`model`] (the quantised `QTM2` linear
//! model) → [`classify`] (complaint score, categories, the words that drove them), with
//! [`priority`]'s explicit rules on top. [`numeric`] keeps the arithmetic bit-identical in the
//! browser and on the edge; [`train`] and [`eval`] fit and measure the model; [`similar`] is the
//! learned paraphrase score.
//!
//! Architecture invariant: everything here is deterministic and free of I/O; the widget, the worker
//! and the CLI load the same embedded artefacts and classify a text identically.

pub mod classify;
pub mod eval;
pub mod features;
pub mod model;
pub mod numeric;
pub mod priority;
pub mod segment;
pub mod similar;
mod t2s_table;
pub mod text;
pub mod train;
