//! Masking of personal data in free text: mainland mobile numbers, landlines, resident ID numbers,
//! bank card numbers and e-mail addresses.
//!
//! Hand-written scanners rather than the `regex` crate: this module runs in the widget, where
//! `regex` would add well over 100 KB of WebAssembly for five simple patterns.

use serde::{Deserialize, Serialize};

use crate::understand::text::to_half_width;

/// What kind of personal data was masked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PiiKind {
    Phone,
    IdNumber,
    CardNumber,
    Email,
}

/// A text with its personal data replaced by `*`, and what was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Masked {
    pub text: String,
    pub found: Vec<PiiKind>,
}

/// Masks personal data, keeping just enough to recognise it (`138****5678`, `a***@qq.com`).
/// Everything else, including line breaks, is left exactly as it was.
pub fn mask_pii(text: &str) -> Masked {
    let original: Vec<char> = text.chars().collect();
    // Full-width digits and letters (１３８…) are scanned as their ASCII forms.
    let chars: Vec<char> = original.iter().map(|&c| to_half_width(c)).collect();
    let mut out = String::with_capacity(text.len());
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let hit = digit_run(&chars, i, true).or_else(|| digit_run(&chars, i, false)).or_else(|| email(&chars, i));
        if let Some((end, kind, masked)) = hit {
            out.push_str(&masked);
            if !found.contains(&kind) {
                found.push(kind);
            }
            i = end;
        } else {
            out.push(original[i]);
            i += 1;
        }
    }
    Masked { text: out, found }
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// A run of digits starting at `start` (not glued to other letters or digits). With `grouped`, it
/// may be grouped by single spaces or hyphens as card and phone numbers are written
/// (`6222 0212 3456 7890`); the caller tries the grouped reading first and the plain digit block
/// second, so `13812345678 3次` still finds the phone number. A `+86`/`86` country prefix before a
/// mobile number is part of it.
fn digit_run(chars: &[char], start: usize, grouped: bool) -> Option<(usize, PiiKind, String)> {
    if !chars[start].is_ascii_digit() || (start > 0 && is_word(chars[start - 1])) {
        return None;
    }
    let mut digits = String::new();
    let mut end = start;
    let mut i = start;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            digits.push(c);
            i += 1;
            end = i;
        } else if grouped && (c == ' ' || c == '-') && i + 1 < chars.len() && chars[i + 1].is_ascii_digit() && !digits.is_empty() {
            i += 1;
        } else {
            break;
        }
    }
    // An ID number may end in X.
    let mut id_x = false;
    if digits.len() == 17 && end < chars.len() && matches!(chars[end], 'X' | 'x') {
        id_x = true;
        end += 1;
    }
    if end < chars.len() && is_word(chars[end]) {
        return None;
    }
    // +86 / 86 before a mobile number.
    let country = digits.len() == 13 && digits.starts_with("86") && digits.as_bytes()[2] == b'1';
    let digits = if country { digits[2..].to_string() } else { digits };
    let n = digits.len();
    let b = digits.as_bytes();
    let kind = if id_x || (n == 18 && plausible_id(&digits)) {
        PiiKind::IdNumber
    } else if (n == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]))
        // or a landline such as 010-12345678
        || ((n == 11 || n == 12) && b[0] == b'0' && chars[start..end].contains(&'-'))
    {
        PiiKind::Phone
    } else if (15..=19).contains(&n) && luhn(&digits) {
        PiiKind::CardNumber
    } else {
        return None;
    };
    let masked = match kind {
        PiiKind::Phone if country => format!("86 {}****{}", &digits[..3], &digits[n - 4..]),
        PiiKind::Phone => format!("{}****{}", &digits[..3], &digits[n - 4..]),
        PiiKind::IdNumber => format!("{}{}{}", &digits[..3], "*".repeat(11), if id_x { format!("{}X", &digits[14..17]) } else { digits[14..].to_string() }),
        _ => format!("{}{}", "*".repeat(n - 4), &digits[n - 4..]),
    };
    Some((end, kind, masked))
}

/// An 18-digit resident ID: region code, then a birth date 19xx/20xx with a valid month and day.
fn plausible_id(d: &str) -> bool {
    let year = &d[6..8];
    let month: u32 = d[10..12].parse().unwrap_or(0);
    let day: u32 = d[12..14].parse().unwrap_or(0);
    (year == "19" || year == "20") && (1..=12).contains(&month) && (1..=31).contains(&day)
}

fn luhn(d: &str) -> bool {
    let sum: u32 = d
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let v = u32::from(b - b'0');
            if i % 2 == 1 { if v * 2 > 9 { v * 2 - 9 } else { v * 2 } } else { v }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn is_email_local(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-')
}

/// An e-mail address whose local part starts at `start`.
fn email(chars: &[char], start: usize) -> Option<(usize, PiiKind, String)> {
    if !is_email_local(chars[start]) || (start > 0 && is_email_local(chars[start - 1])) {
        return None;
    }
    let mut at = start;
    while at < chars.len() && is_email_local(chars[at]) {
        at += 1;
    }
    if at == start || at >= chars.len() || chars[at] != '@' {
        return None;
    }
    let mut end = at + 1;
    while end < chars.len() && (chars[end].is_ascii_alphanumeric() || matches!(chars[end], '.' | '-')) {
        end += 1;
    }
    while end > at + 1 && chars[end - 1] == '.' {
        end -= 1;
    }
    let domain: String = chars[at + 1..end].iter().collect();
    let dot = domain.rfind('.')?;
    if dot == 0 || domain.len() - dot < 3 {
        return None;
    }
    Some((end, PiiKind::Email, format!("{}***@{}", chars[start], domain)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_mobile_numbers_in_chinese_text() {
        let m = mask_pii("骑手电话13812345678一直打不通");
        assert_eq!(m.text, "骑手电话138****5678一直打不通");
        assert_eq!(m.found, [PiiKind::Phone]);
        assert_eq!(mask_pii("电话 138-1234-5678").text, "电话 138****5678");
    }

    #[test]
    fn masks_phones_next_to_other_numbers_prefixes_and_full_width() {
        assert_eq!(mask_pii("电话13812345678 3次都没人接").text, "电话138****5678 3次都没人接");
        assert_eq!(mask_pii("13812345678-2号楼").text, "138****5678-2号楼");
        assert_eq!(mask_pii("打+8613812345678").text, "打+86 138****5678");
        assert_eq!(mask_pii("86 138 1234 5678").text, "86 138****5678");
        assert_eq!(mask_pii("电话１３８１２３４５６７８").text, "电话138****5678");
    }

    #[test]
    fn masks_landlines_only_when_written_with_a_hyphen() {
        assert_eq!(mask_pii("打010-12345678没人接").text, "打010****5678没人接");
        assert_eq!(mask_pii("等了01234567890").found, Vec::<PiiKind>::new());
    }

    #[test]
    fn masks_id_numbers_with_and_without_x() {
        assert_eq!(mask_pii("身份证11010519491231002X").text, "身份证110***********002X");
        assert_eq!(mask_pii("身份证110105199003071234").text, "身份证110***********1234");
    }

    #[test]
    fn masks_luhn_valid_card_numbers_only() {
        let m = mask_pii("卡号 4111 1111 1111 1111 被扣两次");
        assert_eq!(m.text, "卡号 ************1111 被扣两次");
        assert_eq!(m.found, [PiiKind::CardNumber]);
        // 16 digits failing Luhn: an order number, not a card.
        assert_eq!(mask_pii("订单4111111111111112").text, "订单4111111111111112");
    }

    #[test]
    fn masks_email_addresses() {
        assert_eq!(mask_pii("发到 zhang.san@qq.com。").text, "发到 z***@qq.com。");
        assert_eq!(mask_pii("a@b").text, "a@b");
    }

    #[test]
    fn leaves_ordinary_numbers_and_ids_alone() {
        for t in ["等了2个小时", "订单号E202611230001", "价格38.5元", "12345678901x", "共3份，少了1份"] {
            assert_eq!(mask_pii(t).text, t, "{t}");
        }
    }

    #[test]
    fn several_kinds_are_all_reported() {
        let m = mask_pii("13912345678 / a@qq.com");
        assert_eq!(m.found, [PiiKind::Phone, PiiKind::Email]);
    }
}
