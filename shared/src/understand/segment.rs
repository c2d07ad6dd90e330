//! Word segmentation: jieba-rs with the project's trimmed dictionary (`shared/model/dict.txt`,
//! built by `scripts/build_dict.py` from the training texts and `data/lexicon/domain.txt`).
//!
//! jieba's default dictionary (2.4 MB and a 0.7 s stall in the browser) is never loaded, and the
//! HMM for unknown words is never used: segmentation is the dictionary's maximum-probability
//! route, identical in the widget, the worker and the CLI.

use jieba_rs::Jieba;
use thiserror::Error;

/// The dictionary the shipped model was trained with.
pub const BUILTIN_DICT: &str = include_str!("../../model/dict.txt");

#[derive(Debug, Error)]
#[error("the segmentation dictionary is not valid: {0}")]
pub struct DictError(String);

/// A jieba segmenter over a trimmed dictionary.
#[derive(Clone)]
pub struct Segmenter {
    jieba: Jieba,
}

impl std::fmt::Debug for Segmenter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Segmenter").finish_non_exhaustive()
    }
}

impl Segmenter {
    /// A segmenter over a dictionary in jieba's `word freq [tag]` line format.
    pub fn from_dict(dict: &str) -> Result<Segmenter, DictError> {
        let jieba = Jieba::with_dict(&mut dict.as_bytes()).map_err(|e| DictError(e.to_string()))?;
        Ok(Segmenter { jieba })
    }

    /// The segmenter over the built-in dictionary.
    pub fn builtin() -> Segmenter {
        // The built-in dictionary is checked by a unit test; it cannot fail at run time.
        Segmenter::from_dict(BUILTIN_DICT).unwrap_or_else(|_| Segmenter { jieba: Jieba::empty() })
    }

    /// Splits already-normalised text ([`crate::understand::text::normalize`]) into words, dropping spaces.
    pub fn cut<'a>(&self, normalized: &'a str) -> Vec<&'a str> {
        self.jieba.cut(normalized, false).into_iter().map(|t| t.word).filter(|w| !w.trim().is_empty()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::understand::text::normalize;

    #[test]
    fn builtin_dictionary_loads() {
        assert!(Segmenter::from_dict(BUILTIN_DICT).is_ok());
    }

    #[test]
    fn domain_words_stay_whole() {
        let s = Segmenter::builtin();
        let text = normalize("骑手送餐太慢了，外卖小哥态度差，退款还没到账");
        let words = s.cut(&text);
        for w in ["骑手", "送餐", "外卖小哥", "态度差", "退款"] {
            assert!(words.contains(&w), "{w} in {words:?}");
        }
    }

    #[test]
    fn traditional_text_segments_like_simplified() {
        let s = Segmenter::builtin();
        let (t, c) = (normalize("帳號被盜了，有陌生訂單，客服電話打不通"), normalize("账号被盗了，有陌生订单，客服电话打不通"));
        assert_eq!(s.cut(&t), s.cut(&c));
    }

    #[test]
    fn unknown_characters_become_single_tokens_and_nothing_is_lost() {
        let s = Segmenter::builtin();
        let text = normalize("齉齾 ok!!");
        let words = s.cut(&text);
        assert_eq!(words.concat(), text.replace(' ', ""));
    }
}
