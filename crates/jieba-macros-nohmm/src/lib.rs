//! `generate_hmm_data!()` for jieba-rs, without the HMM.
//!
//! Upstream, this macro embeds jieba's HMM model for unknown words: about 510 KB of `f64` tables,
//! which LTO keeps in every binary because `Jieba::cut(text, hmm)` takes `hmm` at run time. Qingting
//! never enables the HMM (segmentation is the dictionary's maximum-probability route, the same in
//! the widget, the worker and the CLI), so this stand-in emits the same items with no emission
//! table: were the HMM ever run, every character would get the minimum probability and stay a
//! single-character word. `shared/src/understand/segment.rs` tests that segmentation does not depend on it.

use proc_macro::TokenStream;

#[proc_macro]
pub fn generate_hmm_data(_input: TokenStream) -> TokenStream {
    // States B, E, M, S (begin, end, middle, single): a word may only start in B or S.
    const ITEMS: &str = r#"
        pub static INITIAL_PROBS: [f64; 4] = [-0.26268660809250016, -3.14e100, -3.14e100, -1.4652633398537678];
        pub static TRANS_PROBS: [[f64; 4]; 4] = [
            [-3.14e100, -0.51082562376599, -0.916290731874155, -3.14e100],
            [-0.5897149736854513, -3.14e100, -3.14e100, -0.8085250474669937],
            [-3.14e100, -0.33344856811948514, -1.2603623820268226, -3.14e100],
            [-0.7211965654669841, -3.14e100, -3.14e100, -0.6658631448798212],
        ];
        pub const HMM_HAN_MIN: char = '\u{4E00}';
        pub const HMM_HAN_MAX: char = '\u{9FD5}';
        pub const EMIT_MIN_CHAR: u32 = 0x4E00;
        pub const EMIT_NONE: u16 = u16::MAX;
        pub static EMIT_INDEX: [u16; 1] = [EMIT_NONE];
        pub static EMIT_PROBS: [[f64; 4]; 1] = [[-3.14e100; 4]];
    "#;
    ITEMS.parse().expect("valid items")
}
