//! Text normalisation: the one canonical form every text feature (classifier, FAQ matching,
//! masking) is computed on, so the widget and the worker see the same characters.

/// Normalises complaint text for analysis (not for display):
///
/// - full-width ASCII forms (`ＡＢＣ１２３！`) become half-width, the ideographic space a space;
/// - ASCII letters are lower-cased;
/// - every run of whitespace (including newlines and tabs) becomes one space; ends are trimmed;
/// - control characters are dropped; emoji and all other characters are kept as they are.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        let c = to_half_width(c).to_ascii_lowercase();
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if c.is_control() || is_invisible_format(c) {
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

/// Zero-width and direction-override characters: invisible, and a classic way to smuggle text past
/// filters or to reorder what a support agent sees.
pub fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// The length of a text as the customer sees it: Unicode scalar values, not bytes.
pub fn char_len(text: &str) -> usize {
    text.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn char_len_counts_characters_not_bytes() {
        assert_eq!(char_len("外卖"), 2);
        assert_eq!("外卖".len(), 6);
    }
}
