//! Text normalisation: the one canonical form every text feature (classifier, FAQ matching,
//! masking) is computed on, so the widget and the worker see the same characters.

use crate::understand::t2s_table::T2S;

/// Normalises complaint text for analysis (not for display):
///
/// - full-width ASCII forms (`ＡＢＣ１２３！`) become half-width, the ideographic space a space;
/// - Traditional characters (and Taiwan/Hong Kong variant forms) become Simplified, so zh-TW and
///   zh-HK text is analysed exactly like zh-CN ([`to_simplified`]);
/// - ASCII letters are lower-cased;
/// - every run of whitespace (including newlines and tabs) becomes one space; ends are trimmed;
/// - control characters are dropped; emoji and all other characters are kept as they are.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        let c = to_simplified(to_half_width(c)).to_ascii_lowercase();
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if c.is_control() || is_format(c) {
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    out
}

/// Maps a full-width form to its half-width ASCII counterpart; other characters are returned as is.
pub fn to_half_width(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Maps a Traditional Chinese character (or a Taiwan/Hong Kong variant form) to its Simplified
/// form; every other character is returned as is. One character to one character, from a table
/// generated from OpenCC's dictionaries by `scripts/gen_t2s.py` (about 3,000 pairs, 12 KB).
pub fn to_simplified(c: char) -> char {
    let Ok(code) = u16::try_from(u32::from(c)) else {
        return c;
    };
    if code < 0x3400 {
        return c;
    }
    match T2S.binary_search_by_key(&code, |&(t, _)| t) {
        Ok(i) => char::from_u32(u32::from(T2S[i].1)).unwrap_or(c),
        Err(_) => c,
    }
}

/// Format characters: Unicode general category Cf (Unicode 16.0), as ranges. Written out because a
/// general-category crate's tables would cost the widget kilobytes for these 21 ranges; the test
/// `format_characters_are_exactly_general_category_cf` checks the list against
/// `unicode-general-category` for every code point.
const FORMAT_CHARS: [(u32, u32); 21] = [
    (0x00AD, 0x00AD),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
];

/// Whether `c` is a format character (general category Cf): zero-width characters, direction
/// marks and overrides, the soft hyphen, tags. Invisible, and a classic way to smuggle text past
/// filters or to reorder what a support agent sees.
pub fn is_format(c: char) -> bool {
    let v = u32::from(c);
    FORMAT_CHARS.iter().any(|&(a, b)| (a..=b).contains(&v))
}

/// Whether `c` shows nothing on screen: whitespace, controls, format characters, the other
/// default-ignorable code points (combining grapheme joiner, Hangul fillers, Mongolian and other
/// variation selectors, tag space) and the blank braille pattern U+2800. A text made only of these
/// looks empty.
pub fn is_blank(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || is_format(c)
        || matches!(
            c,
            '\u{034F}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}' | '\u{180B}'..='\u{180F}' | '\u{2800}' | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}' | '\u{FFA0}' | '\u{E0000}'..='\u{E0FFF}'
        )
}

/// The length of a text as the customer sees it: Unicode scalar values, not bytes.
pub fn char_len(text: &str) -> usize {
    text.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_characters_are_exactly_general_category_cf() {
        use unicode_general_category::{GeneralCategory, get_general_category};
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            assert_eq!(is_format(c), get_general_category(c) == GeneralCategory::Format, "U+{:04X}", u32::from(c));
        }
    }

    #[test]
    fn blank_characters_are_the_invisible_ones() {
        for c in ['\u{3164}', '\u{2800}', '\u{115F}', '\u{FFA0}', '\u{FE0F}', '\u{00AD}', '\u{3000}', '\u{200D}'] {
            assert!(is_blank(c), "U+{:04X}", u32::from(c));
        }
        for c in ['慢', 'a', '1', '🤦', '。', '\u{0301}'] {
            assert!(!is_blank(c), "{c}");
        }
    }

    #[test]
    fn full_width_becomes_half_width() {
        assert_eq!(normalize("ＡＢＣ１２３！？"), "abc123!?");
        assert_eq!(normalize("等了　两个小时"), "等了 两个小时");
    }

    #[test]
    fn whitespace_collapses_and_trims() {
        assert_eq!(normalize("  送餐\n\n太慢\t了  "), "送餐 太慢 了");
        assert_eq!(normalize(" \n\t "), "");
    }

    #[test]
    fn case_folds_ascii_only_and_keeps_emoji() {
        assert_eq!(normalize("APP 闪退 😡"), "app 闪退 😡");
    }

    #[test]
    fn control_and_invisible_characters_are_dropped() {
        assert_eq!(normalize("退\u{200B}款\u{202E}没\u{0007}到账"), "退款没到账");
    }

    #[test]
    fn traditional_and_variant_forms_become_simplified() {
        assert_eq!(normalize("外送員態度很差，湯灑了，退款還沒到帳"), "外送员态度很差,汤洒了,退款还没到账");
        assert_eq!(normalize("帳號被盜，陌生訂單"), "账号被盗,陌生订单");
        // Already simplified, ASCII and emoji are untouched.
        assert_eq!(normalize("骑手送餐慢 ok 😡"), "骑手送餐慢 ok 😡");
    }

    #[test]
    fn t2s_table_is_sorted_and_never_maps_to_itself() {
        assert!(T2S.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(T2S.iter().all(|&(t, s)| t != s));
    }

    #[test]
    fn char_len_counts_characters_not_bytes() {
        assert_eq!(char_len("外卖"), 2);
        assert_eq!("外卖".len(), 6);
    }
}
