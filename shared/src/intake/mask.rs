//! Masking of personal data in free text: phone numbers (mainland, Taiwan and Hong Kong mobiles,
//! landlines), identity numbers (mainland 18- and 15-digit, Hong Kong, Taiwan), bank cards with
//! their expiry dates and security codes, e-mail addresses, and QQ / WeChat accounts.
//!
//! Hand-written scanners rather than the `regex` crate: this module runs in the widget, where
//! `regex` would add well over 100 KB of WebAssembly for these patterns.
//!
//! How a text is read: every character is first normalised one to one (full-width forms,
//! Mathematical digits such as `𝟏𝟑𝟖`), so positions in the original and the normalised text are
//! the same; CJK numerals (`一三八`, `幺`, `〇`, `壹叁捌`) count as digits inside a number. A number
//! may be grouped by spaces, hyphens, dots, dashes, no-break spaces or soft hyphens, and may begin
//! with an area code in parentheses. Spans are found in three passes — e-mail addresses, values
//! after a label (QQ, 微信, 有效期, CVV …), then numbers and identity cards — and the first pass to
//! claim a character wins. Everything outside a span is left exactly as it was.
//!
//! Where a number is labelled as an order, booking, waybill or invoice number (`订单号`, `运单号`,
//! `预订号` …) it is not read as a bank card or an identity number: those are what such numbers
//! look like. A phone number is masked wherever it is.
//!
//! ```
//! use qingting_shared::intake::mask::{mask_pii, PiiKind};
//! let m = mask_pii("电话 138.1234.5678，加v：refund_helper99");
//! assert_eq!(m.text, "电话 138****5678，加v：r***9");
//! assert_eq!(m.found, [PiiKind::Phone, PiiKind::ChatAccount]);
//! ```

use serde::{Deserialize, Serialize};

use crate::understand::text::to_half_width;

/// What kind of personal data was masked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PiiKind {
    Phone,
    IdNumber,
    CardNumber,
    /// A card's expiry date or security code (CVV), found after its label.
    CardSecurity,
    Email,
    /// A QQ number or a WeChat id, found after its label (or a `wxid_` id anywhere).
    ChatAccount,
    /// A contact field's whole value, when none of the scanners recognised it.
    Contact,
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
    mask(text, false)
}

/// Masks an order number field: phones, e-mail addresses and chat accounts in it are masked, but
/// it is not read as a bank card or an identity number (order numbers look like both).
pub fn mask_order_id(order_id: &str) -> Masked {
    mask(order_id, true)
}

/// Masks a contact field. The field holds a way to reach the customer by definition, so when no
/// scanner recognises its value (a bare WeChat id, a nickname), the value is masked whole
/// (`z***`).
pub fn mask_contact(contact: &str) -> Masked {
    let m = mask_pii(contact);
    let trimmed = contact.trim();
    match trimmed.chars().next() {
        Some(first) if m.found.is_empty() => Masked { text: hidden_after(first, None), found: vec![PiiKind::Contact] },
        _ => m,
    }
}

struct Span {
    start: usize,
    end: usize,
    kind: PiiKind,
    text: String,
}

fn mask(text: &str, order_field: bool) -> Masked {
    let original: Vec<char> = text.chars().collect();
    let chars: Vec<char> = original.iter().map(|&c| normalise(c)).collect();
    let mut spans: Vec<Span> = Vec::new();
    let free = |spans: &[Span], s: usize, e: usize| spans.iter().all(|p| e <= p.start || s >= p.end);
    // Kept in order of position (no sort: this runs in the widget, where every routine is paid for).
    let add = |spans: &mut Vec<Span>, s: Span| spans.insert(spans.partition_point(|p| p.start < s.start), s);
    // 1. e-mail addresses (they may hold digits that would otherwise read as a number).
    for i in 0..chars.len() {
        if let Some(s) = email(&chars, i).filter(|s| free(&spans, s.start, s.end)) {
            add(&mut spans, s);
        }
    }
    // 2. values after a label.
    for i in 0..chars.len() {
        if let Some(s) = labelled(&chars, &original, i).filter(|s| free(&spans, s.start, s.end)) {
            add(&mut spans, s);
        }
    }
    // 3. numbers and identity cards, left to right.
    let mut i = 0;
    while i < chars.len() {
        let hit = if free(&spans, i, i + 1) { letter_id(&chars, &original, i).or_else(|| number(&chars, i, order_field)) } else { None };
        match hit.filter(|s| free(&spans, s.start, s.end)) {
            Some(s) => {
                i = s.end;
                add(&mut spans, s);
            }
            None => i += 1,
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut found = Vec::new();
    let mut at = 0;
    for s in &spans {
        out.extend(&original[at..s.start]);
        out.push_str(&s.text);
        at = s.end;
        if !found.contains(&s.kind) {
            found.push(s.kind);
        }
    }
    out.extend(&original[at..]);
    Masked { text: out, found }
}

/// Full-width forms to ASCII and Mathematical digits (`𝟏`, `𝟙`, `𝟷` …) to ASCII digits.
fn normalise(c: char) -> char {
    match u32::from(c) {
        v @ 0x1D7CE..=0x1D7FF => char::from(b'0' + ((v - 0x1D7CE) % 10) as u8),
        _ => to_half_width(c),
    }
}

/// The value of a digit, ASCII or a CJK numeral as numbers are spelled out (`幺` for one).
fn digit(c: char) -> Option<u8> {
    Some(match c {
        '0'..='9' => c as u8 - b'0',
        '〇' | '零' => 0,
        '一' | '壹' | '幺' => 1,
        '二' | '贰' | '貳' => 2,
        '三' | '叁' | '參' => 3,
        '四' | '肆' => 4,
        '五' | '伍' => 5,
        '六' | '陆' | '陸' => 6,
        '七' | '柒' => 7,
        '八' | '捌' => 8,
        '九' | '玖' => 9,
        _ => return None,
    })
}

fn is_alnum(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

/// A character that may stand between the groups of a number.
fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '-' | '.' | '\u{00A0}' | '\u{00AD}' | '\u{2009}' | '\u{202F}' | '\u{2010}'..='\u{2015}' | '\u{2212}')
}

/// Whether `kw` (ASCII letters compared without case) starts at `i`; the end if it does.
fn keyword_at(chars: &[char], i: usize, kw: &str) -> Option<usize> {
    let mut j = i;
    for k in kw.chars() {
        if j >= chars.len() || !chars[j].eq_ignore_ascii_case(&k) {
            return None;
        }
        j += 1;
    }
    Some(j)
}

/// Whether one of `labels` ends within the `window` characters before `at` (whitespace and `:`
/// `#` between the label and `at` ignored).
fn label_before(chars: &[char], at: usize, window: usize, labels: &[&str]) -> bool {
    let mut end = at;
    while end > 0 && matches!(chars[end - 1], ' ' | ':' | '#' | '\u{00A0}') {
        end -= 1;
    }
    let from = at.saturating_sub(window);
    labels.iter().any(|l| {
        let n = l.chars().count();
        end >= from + n && keyword_at(chars, end - n, l).is_some()
    })
}

/// Whether any of `labels` occurs within the `window` characters before `at`.
fn label_near(chars: &[char], at: usize, window: usize, labels: &[&str]) -> bool {
    (at.saturating_sub(window)..at).any(|i| labels.iter().any(|l| keyword_at(chars, i, l).is_some_and(|e| e <= at)))
}

/// Labels of numbers that look like cards or identity numbers but are not.
const ORDER_LABELS: &[&str] = &[
    "单号", "單號", "订单", "訂單", "编号", "編號", "预订号", "預訂號", "交易号", "交易號", "流水号", "发票号码", "發票號碼", "order", "no.",
];
const CARD_LABELS: &[&str] = &["卡", "card"];
const ID_LABELS: &[&str] = &["身份证", "身份證", "身分證", "证件", "證件", "hkid", "id card", "taiwan id"];

/// A number starting at `start`: a phone, an identity number or a bank card.
fn number(chars: &[char], start: usize, order_field: bool) -> Option<Span> {
    let prev = start.checked_sub(1).map(|p| chars[p]);
    if prev.is_some_and(|p| digit(p).is_some() && p.is_ascii_digit() == chars[start].is_ascii_digit()) {
        return None;
    }
    let glued = prev.is_some_and(|p| p.is_ascii_alphabetic());
    let mut i = start;
    let mut paren = false;
    if chars[i] == '(' {
        let close = (i + 3..(i + 6).min(chars.len())).find(|&j| chars[j] == ')')?;
        if !chars[i + 1..close].iter().all(char::is_ascii_digit) {
            return None;
        }
        paren = true;
    } else if digit(chars[i]).is_none() {
        return None;
    }
    // The groups: (end of the group, digits so far).
    let mut digits: Vec<u8> = Vec::new();
    let mut groups: Vec<(usize, usize)> = Vec::new();
    // One number is written in one script: ASCII digits or CJK numerals.
    let spelled = !chars[if paren { i + 1 } else { i }].is_ascii_digit();
    let same_script = |c: char| digit(c).is_some() && c.is_ascii_digit() != spelled;
    loop {
        if chars.get(i) == Some(&'(') && paren && groups.is_empty() {
            i += 1;
        }
        let group_start = i;
        while let Some(d) = chars.get(i).filter(|&&c| same_script(c)).and_then(|&c| digit(c)) {
            digits.push(d);
            i += 1;
        }
        if i == group_start {
            break;
        }
        if paren && groups.is_empty() {
            if chars.get(i) != Some(&')') {
                return None;
            }
            i += 1;
        }
        groups.push((i, digits.len()));
        // Up to three separator characters, at most one of them not a space.
        let mut j = i;
        let mut marks = 0;
        while j < chars.len() && j - i < 3 && is_separator(chars[j]) {
            marks += usize::from(!matches!(chars[j], ' ' | '\u{00A0}'));
            j += 1;
        }
        if (j == i && !(paren && groups.len() == 1)) || marks > 1 || !chars.get(j).is_some_and(|&c| same_script(c)) {
            break;
        }
        i = j;
    }
    // The longest reading of the groups that is a known kind wins.
    for (k, &(end, n)) in groups.iter().enumerate().rev() {
        let d = &digits[..n];
        let next = chars.get(end).copied();
        let id_x = n == 17 && matches!(next, Some('X' | 'x'));
        let end = end + usize::from(id_x);
        if chars.get(end).is_some_and(|&c| is_alnum(c) || same_script(c)) {
            continue;
        }
        let grouped = k > 0 || paren;
        if let Some((kind, text)) = classify(d, grouped, id_x) {
            let allowed = kind == PiiKind::Phone || !(glued || spelled || order_field || label_before(chars, start, 10, ORDER_LABELS));
            // Luhn-valid cards are masked anywhere, other card-length numbers only under a card label.
            let card_ok = kind != PiiKind::CardNumber || luhn(d) || label_near(chars, start, 12, CARD_LABELS);
            if allowed && card_ok {
                return Some(Span { start, end, kind, text });
            }
        }
    }
    None
}

/// The first `head` digits, `stars` asterisks, then the last `tail` digits, after `out`.
fn shown(mut out: String, d: &[u8], head: usize, stars: usize, tail: usize) -> String {
    let digits = |out: &mut String, d: &[u8]| d.iter().for_each(|&x| out.push(char::from(b'0' + x)));
    digits(&mut out, &d[..head]);
    (0..stars).for_each(|_| out.push('*'));
    digits(&mut out, &d[d.len() - tail..]);
    out
}

/// A phone number's digits with the middle hidden: `138****5678`, `091****678`.
fn hide_middle(out: String, d: &[u8]) -> String {
    let n = d.len();
    let (head, tail) = if n >= 11 { (3, 4) } else if n >= 10 { (3, 3) } else { (2, 2) };
    shown(out, d, head, 4, tail)
}

/// `c***`, or `c***z` with the last character too.
fn hidden_after(first: char, last: Option<char>) -> String {
    let mut s = String::from(first);
    s.push_str("***");
    s.extend(last);
    s
}

/// Whether the digits after a country code are a mobile number of that place.
type Fits = fn(&[u8]) -> bool;

fn mainland_mobile(d: &[u8]) -> bool {
    d.len() == 11 && d[0] == 1 && d[1] >= 3
}

fn taiwan_mobile(d: &[u8]) -> bool {
    d.len() == 9 && d[0] == 9
}

/// Hong Kong and Macau numbers after their country code: eight digits, mobiles from 4 up.
fn hong_kong(d: &[u8]) -> bool {
    d.len() == 8 && d[0] >= 4
}

/// What a digit sequence is, and how it is written masked.
fn classify(d: &[u8], grouped: bool, id_x: bool) -> Option<(PiiKind, String)> {
    let n = d.len();
    // Country codes kept in front: 86 / 0086 (mainland), 886 (Taiwan), 852 / 853 (Hong Kong, Macau).
    let codes: [(&[u8], Fits); 5] =
        [(&[0, 0, 8, 6], mainland_mobile), (&[8, 6], mainland_mobile), (&[8, 8, 6], taiwan_mobile), (&[8, 5, 2], hong_kong), (&[8, 5, 3], hong_kong)];
    for (cc, fits) in codes {
        if let Some(rest) = d.strip_prefix(cc).filter(|r| fits(r)) {
            let mut out = shown(String::new(), cc, cc.len(), 0, 0);
            out.push(' ');
            return Some((PiiKind::Phone, hide_middle(out, rest)));
        }
    }
    // Mainland mobiles; Taiwan mobiles (09…); landlines written with an area code apart.
    if mainland_mobile(d) || (n == 10 && d.starts_with(&[0, 9])) || (grouped && d[0] == 0 && (9..=12).contains(&n)) {
        return Some((PiiKind::Phone, hide_middle(String::new(), d)));
    }
    if id_x || (n == 18 && plausible_id(d, 6, true)) {
        let mut out = shown(String::new(), d, 3, 11, n - 14);
        if id_x {
            out.push('X');
        }
        return Some((PiiKind::IdNumber, out));
    }
    if n == 15 && plausible_id(d, 6, false) {
        return Some((PiiKind::IdNumber, shown(String::new(), d, 3, 9, 3)));
    }
    if (14..=19).contains(&n) {
        return Some((PiiKind::CardNumber, shown(String::new(), d, 0, n - 4, 4)));
    }
    None
}

/// A mainland resident ID: a region code, then a birth date (`19xx`/`20xx` in 18 digits, `yy` in
/// the old 15) with a valid month and day.
fn plausible_id(d: &[u8], at: usize, long: bool) -> bool {
    let at = if long {
        if !(d[at] == 1 && d[at + 1] == 9 || d[at] == 2 && d[at + 1] == 0) {
            return false;
        }
        at + 4
    } else {
        at + 2
    };
    let month = d[at] * 10 + d[at + 1];
    let day = d[at + 2] * 10 + d[at + 3];
    (1..=8).contains(&d[0]) && (1..=12).contains(&month) && (1..=31).contains(&day)
}

fn luhn(d: &[u8]) -> bool {
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &b)| {
            let v = u32::from(b);
            if i % 2 == 1 { if v * 2 > 9 { v * 2 - 9 } else { v * 2 } } else { v }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// A Hong Kong identity card (`A123456(3)`) or a Taiwan ID (`A123456789`) starting at `start`:
/// masked when its check character is right, or under an identity label.
fn letter_id(chars: &[char], original: &[char], start: usize) -> Option<Span> {
    if start > 0 && is_alnum(chars[start - 1]) {
        return None;
    }
    let upper = |c: char| c.is_ascii_uppercase();
    let digits_at = |from: usize, n: usize| (from..from + n).all(|j| chars.get(j).is_some_and(char::is_ascii_digit));
    let value = |c: char| u32::from(c.to_ascii_uppercase()) - u32::from('A') + 10;
    let num = |j: usize| u32::from(chars[j]) - u32::from('0');
    let (end, letters, valid) = if chars[start].is_ascii_alphabetic() && matches!(chars.get(start + 1), Some('1' | '2' | '8' | '9')) && digits_at(start + 1, 9) {
        // Taiwan: the letter's two-digit code, weights 1 and 9, then 8 … 1 and the check digit.
        const CODES: &[u8; 26] = b"\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x22\x12\x13\x14\x15\x16\x23\x17\x18\x19\x1a\x1b\x1c\x1d\x20\x1e\x1f\x21";
        let code = u32::from(CODES[(value(chars[start]) - 10) as usize]);
        let sum = code / 10 + code % 10 * 9 + (0..8).map(|k| num(start + 1 + k) * (8 - k as u32)).sum::<u32>() + num(start + 9);
        (start + 10, 1, sum.is_multiple_of(10))
    } else if upper(chars[start]) {
        // Hong Kong: one or two letters, six digits, a check character (0–9 or A), often in brackets.
        let letters = if chars.get(start + 1).is_some_and(|&c| upper(c)) { 2 } else { 1 };
        let d = start + letters;
        if !digits_at(d, 6) {
            return None;
        }
        let (check, end) = match (chars.get(d + 6), chars.get(d + 7), chars.get(d + 8)) {
            (Some('('), Some(&c), Some(')')) => (c, d + 9),
            (Some(&c), ..) if letters == 1 => (c, d + 7),
            _ => return None,
        };
        let check = match check {
            'A' => 10,
            c if c.is_ascii_digit() => u32::from(c) - u32::from('0'),
            _ => return None,
        };
        let head = if letters == 1 { 36 * 9 + value(chars[start]) * 8 } else { value(chars[start]) * 9 + value(chars[start + 1]) * 8 };
        let sum = head + (0..6).map(|k| num(d + k) * (7 - k as u32)).sum::<u32>() + check;
        (end, letters, sum.is_multiple_of(11))
    } else {
        return None;
    };
    if chars.get(end).is_some_and(|&c| is_alnum(c)) || !(valid || label_near(chars, start, 12, ID_LABELS)) {
        return None;
    }
    let text = (start..end).map(|j| if j >= start + letters && is_alnum(chars[j]) { '*' } else { original[j] }).collect();
    Some(Span { start, end, kind: PiiKind::IdNumber, text })
}

const QQ_LABELS: &[&str] = &["qq号码", "qq號碼", "qq号", "qq號", "qq", "q q", "扣扣号", "扣扣", "企鹅号", "企鵝號", "企鹅", "企鵝"];
const WECHAT_LABELS: &[&str] = &["微信号", "微信號", "微信", "薇信", "威信", "微訊", "v信", "vx", "wx", "wechat id", "wechat", "weixin", "加v"];
const CVV_LABELS: &[&str] = &["cvv2", "cvv", "cvc", "安全码", "安全碼", "三位数", "三位數"];
const EXPIRY_LABELS: &[&str] = &["有效期", "expiry", "expiration", "exp", "valid thru", "到期"];

/// The first of `labels` that starts at `i` (an ASCII label not in the middle of a word); its end.
fn label_at(chars: &[char], i: usize, labels: &[&str]) -> Option<usize> {
    let ascii_start = |l: &str| l.starts_with(|c: char| c.is_ascii_alphabetic());
    labels
        .iter()
        .filter(|l| !(ascii_start(l) && i > 0 && chars[i - 1].is_ascii_alphabetic()))
        .find_map(|l| keyword_at(chars, i, l))
}

/// Skips what stands between a label and its value (`：`, `号`, `是`, ` is `), at most 6 characters.
fn skip_filler(chars: &[char], mut j: usize) -> usize {
    let from = j;
    while j < chars.len() && j - from < 6 {
        if matches!(chars[j], ' ' | ':' | '=' | '号' | '號' | '码' | '碼' | '是' | '为' | '為' | '\u{00A0}') {
            j += 1;
        } else if let Some(e) = keyword_at(chars, j, "is ") {
            j = e;
        } else {
            break;
        }
    }
    j
}

/// The end of a run of ASCII digits at `j` if it has `min..=max` of them and is not glued to more.
fn digits_run(chars: &[char], j: usize, min: usize, max: usize) -> Option<usize> {
    let end = (j..chars.len()).find(|&k| !chars[k].is_ascii_digit()).unwrap_or(chars.len());
    ((min..=max).contains(&(end - j)) && !chars.get(end).is_some_and(|&c| is_alnum(c))).then_some(end)
}

fn chat_id_end(chars: &[char], j: usize) -> usize {
    (j..chars.len()).find(|&k| !(is_alnum(chars[k]) || matches!(chars[k], '_' | '-'))).unwrap_or(chars.len())
}

/// A value after its label: a QQ number, a WeChat id, a card's expiry date or security code. A
/// `wxid_` id needs no label.
fn labelled(chars: &[char], original: &[char], i: usize) -> Option<Span> {
    let chat = |start: usize, end: usize| {
        let v = &original[start..end];
        let text = hidden_after(v[0], (v.len() >= 6).then(|| v[v.len() - 1]));
        Some(Span { start, end, kind: PiiKind::ChatAccount, text })
    };
    let hidden = |start: usize, end: usize| {
        let text = original[start..end].iter().map(|&c| if normalise(c).is_ascii_digit() { '*' } else { c }).collect();
        Some(Span { start, end, kind: PiiKind::CardSecurity, text })
    };
    if (i == 0 || !is_alnum(chars[i - 1])) && keyword_at(chars, i, "wxid_").is_some() {
        return chat(i, chat_id_end(chars, i));
    }
    if let Some(e) = label_at(chars, i, QQ_LABELS) {
        let j = skip_filler(chars, e);
        return match digits_run(chars, j, 5, 11) {
            Some(end) if chars[j] != '0' => chat(j, end),
            _ => None,
        };
    }
    if let Some(e) = label_at(chars, i, WECHAT_LABELS) {
        let j = skip_filler(chars, e);
        let end = chat_id_end(chars, j);
        let id = &chars[j..end];
        // A WeChat id: 6–20 characters, a letter first; a digit, `_` or `-` in it tells it from a word.
        let ok = (6..=20).contains(&id.len()) && id[0].is_ascii_alphabetic() && id.iter().any(|&c| c.is_ascii_digit() || c == '_' || c == '-');
        return if ok { chat(j, end) } else { None };
    }
    let value_after = |e: usize, window: usize| (e..(e + window).min(chars.len())).find(|&k| chars[k].is_ascii_digit() || chars[k] == '\n');
    if let Some(e) = label_at(chars, i, CVV_LABELS) {
        let j = value_after(e, 9).filter(|&j| chars[j] != '\n')?;
        return digits_run(chars, j, 3, 4).and_then(|end| hidden(j, end));
    }
    if let Some(e) = label_at(chars, i, EXPIRY_LABELS) {
        // MM/YY or MM/YYYY.
        let j = value_after(e, 7).filter(|&j| chars[j] != '\n')?;
        let month_end = digits_run(chars, j, 1, 2).or_else(|| (chars.get(j + 2) == Some(&'/')).then_some(j + 2))?;
        let month = chars[j..month_end].iter().fold(0, |m, &c| m * 10 + u32::from(c) - u32::from('0'));
        if chars.get(month_end) != Some(&'/') || !(1..=12).contains(&month) {
            return None;
        }
        let year_end = digits_run(chars, month_end + 1, 2, 4).filter(|&y| y - month_end - 1 != 3)?;
        return hidden(j, year_end);
    }
    None
}

fn is_email_local(c: char) -> bool {
    is_alnum(c) || matches!(c, '.' | '_' | '%' | '+' | '-')
}

fn is_cjk(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c)
}

/// Top-level domains accepted when an address is spelled out (`wang at gmail dot com`).
const SPELLED_TLDS: &[&str] = &["com", "cn", "net", "org", "hk", "tw", "mo", "edu", "gov", "io", "co", "uk", "jp"];

/// An e-mail address whose `@` (or `[at]`, `(at)`, ` at `) is at `i`: the span from its local part
/// to the end of its domain. `。` and ` dot ` count as dots; a space on either side of `@` is
/// allowed; a local part in Chinese characters (`张三@qq.com`) is at most four of them.
fn email(chars: &[char], i: usize) -> Option<Span> {
    let (token_end, spelled) = if chars[i] == '@' {
        (i + 1, false)
    } else if let Some(e) = ["[at]", "(at)", "【at】"].iter().find_map(|t| keyword_at(chars, i, t)) {
        (e, false)
    } else {
        (keyword_at(chars, i, " at ")?, true)
    };
    let at_sign = chars[i] == '@';
    let mut local_end = i;
    if at_sign && local_end > 0 && chars[local_end - 1] == ' ' {
        local_end -= 1;
    }
    // The local part, backwards, joining ` dot `-separated pieces.
    let mut start = local_end;
    loop {
        while start > 0 && is_email_local(chars[start - 1]) {
            start -= 1;
        }
        if start >= 6 && start < local_end && keyword_at(chars, start - 5, " dot ").is_some() && is_email_local(chars[start - 6]) {
            start -= 5;
        } else {
            break;
        }
    }
    while start < local_end && chars[start] == '.' {
        start += 1;
    }
    if start == local_end && at_sign {
        while start > 0 && local_end - start < 4 && is_cjk(chars[start - 1]) {
            start -= 1;
        }
    }
    if start == local_end || (spelled && !chars[start].is_ascii_alphanumeric()) {
        return None;
    }
    // The domain: labels joined by `.`, `。` or ` dot `.
    let mut j = token_end;
    if at_sign && chars.get(j) == Some(&' ') {
        j += 1;
    }
    // Written as `c***@domain`, the domain's labels joined by `.`.
    let mut text = hidden_after(chars[start], None);
    text.push('@');
    let (mut end, mut labels, mut tld) = (j, 0, j..j);
    let mut dot_spelled = false;
    loop {
        let label_end = (j..chars.len()).find(|&k| !(is_alnum(chars[k]) || chars[k] == '-')).unwrap_or(chars.len());
        if label_end == j {
            break;
        }
        if labels > 0 {
            text.push('.');
        }
        text.extend(&chars[j..label_end]);
        (end, labels, tld) = (label_end, labels + 1, j..label_end);
        let next = match chars.get(label_end) {
            Some('.' | '。') => label_end + 1,
            _ => match keyword_at(chars, label_end, " dot ") {
                Some(e) => {
                    dot_spelled = true;
                    e
                }
                None => break,
            },
        };
        if !chars.get(next).is_some_and(|&c| is_alnum(c)) {
            break;
        }
        j = next;
    }
    let tld = &chars[tld];
    let tld_ok = tld.len() >= 2 && tld.iter().all(char::is_ascii_alphabetic) && (!spelled || SPELLED_TLDS.iter().any(|t| t.len() == tld.len() && keyword_at(tld, 0, t).is_some()));
    // A spelled-out address spells its dots too (`look at shop.example.com` is not an address).
    if labels < 2 || !tld_ok || (spelled && !dot_spelled) {
        return None;
    }
    Some(Span { start, end, kind: PiiKind::Email, text })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_text_is_masked_without_panicking(s in "\\PC{0,300}") {
            let m = mask_pii(&s);
            prop_assert_eq!(m.found.is_empty(), m.text == s);
            let _ = (mask_contact(&s), mask_order_id(&s));
        }

        #[test]
        fn a_mobile_number_among_words_never_survives(
            pre in "[\\p{Han}，。！ a-zA-Z]{0,20}",
            number in "1[3-9][0-9]{9}",
            sep in prop::sample::select(vec!["", " ", "-", ".", "\u{a0}", "\u{ad}", "–"]),
            post in "[\\p{Han}，。！ ]{0,20}",
        ) {
            let written = format!("{}{sep}{}{sep}{}", &number[..3], &number[3..7], &number[7..]);
            let m = mask_pii(&format!("{pre}{written}{post}"));
            prop_assert!(!m.text.contains(&written) && m.found.contains(&PiiKind::Phone), "{}", m.text);
        }

        #[test]
        fn words_without_digits_or_addresses_are_left_alone(s in "[\\p{Han}，。！？ a-zA-Z_]{0,120}") {
            prop_assert_eq!(mask_pii(&s).text, s);
        }
    }

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
        assert_eq!(mask_pii("电话是189 1111 2222 3次都没人接").text, "电话是189****2222 3次都没人接");
        assert_eq!(mask_pii("13812345678-2号楼").text, "138****5678-2号楼");
        assert_eq!(mask_pii("打+8613812345678").text, "打+86 138****5678");
        assert_eq!(mask_pii("86 138 1234 5678").text, "86 138****5678");
        assert_eq!(mask_pii("电话１３８１２３４５６７８").text, "电话138****5678");
    }

    #[test]
    fn masks_phones_written_with_other_separators_glued_or_spelled() {
        for (t, want) in [
            ("手机138.1234.5670 麻烦", "手机138****5670 麻烦"),
            ("电话 139–1234–5670 打不通", "电话 139****5670 打不通"),
            ("电话 138 - 1234 - 5679，", "电话 138****5679，"),
            ("手机号138\u{AD}1234\u{AD}5672", "手机号138****5672"),
            ("手机(138)1234-5673", "手机138****5673"),
            ("tel13812345678 这是", "tel138****5678 这是"),
            ("加v13912345678私下退款", "加v139****5678私下退款"),
            ("骑手电话一三八一二三四五六七八，", "骑手电话138****5678，"),
            ("幺三九幺二三四五六七八", "139****5678"),
            ("电话𝟏𝟑𝟖𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟔 快递员", "电话138****5676 快递员"),
        ] {
            assert_eq!(mask_pii(t).text, want, "{t}");
        }
    }

    #[test]
    fn masks_taiwan_and_hong_kong_mobiles_keeping_the_country_code() {
        assert_eq!(mask_pii("手機 0912-345-678 好幾次").text, "手機 091****678 好幾次");
        assert_eq!(mask_pii("請回電 +886 912 345 678，").text, "請回電 +886 91****78，");
        assert_eq!(mask_pii("請打 +852 9123 4567，").text, "請打 +852 91****67，");
        assert_eq!(mask_pii("聯絡電話（852）6987 6543").text, "聯絡電話852 69****43");
    }

    #[test]
    fn masks_landlines_only_when_the_area_code_stands_apart() {
        assert_eq!(mask_pii("打010-12345678没人接").text, "打010****5678没人接");
        assert_eq!(mask_pii("请联系(010)87654321 的店长").text, "请联系010****4321 的店长");
        assert_eq!(mask_pii("商家电话 0755 8888 6666，").text, "商家电话 075****6666，");
        assert_eq!(mask_pii("座機 02-2345-6789").text, "座機 022****789");
        assert_eq!(mask_pii("等了01234567890").found, Vec::<PiiKind>::new());
    }

    #[test]
    fn masks_id_numbers_with_and_without_x_and_the_old_fifteen_digits() {
        assert_eq!(mask_pii("身份证11010519491231002X").text, "身份证110***********002X");
        assert_eq!(mask_pii("身份证110105199003071234").text, "身份证110***********1234");
        assert_eq!(mask_pii("老身份证 310104851112234 不认").text, "老身份证 310*********234 不认");
    }

    #[test]
    fn masks_hong_kong_and_taiwan_ids_by_check_character_or_label() {
        assert_eq!(mask_pii("香港身份證 A123456(3) 被").text, "香港身份證 A******(*) 被");
        assert_eq!(mask_pii("HKID R1029389 ok").text, "HKID R******* ok");
        assert_eq!(mask_pii("字號A123456789被").text, "字號A*********被");
        // A wrong check character and no label: a product code, not an ID.
        assert_eq!(mask_pii("型号 A123456(4) 的耳机").found, Vec::<PiiKind>::new());
    }

    #[test]
    fn masks_cards_by_luhn_or_under_a_card_label_and_their_expiry_and_code() {
        let m = mask_pii("卡号 4111 1111 1111 1111 被扣两次");
        assert_eq!(m.text, "卡号 ************1111 被扣两次");
        assert_eq!(m.found, [PiiKind::CardNumber]);
        assert_eq!(mask_pii("绑定的卡 6227.0098.7654.3211 被盗刷").text, "绑定的卡 ************3211 被盗刷");
        assert_eq!(mask_pii("信用卡 4367-4212-3456-7890 多扣").text, "信用卡 ************7890 多扣");
        assert_eq!(mask_pii("有效期 12/27，安全码 456").text, "有效期 **/**，安全码 ***");
        assert_eq!(mask_pii("CVV2: 908").found, [PiiKind::CardSecurity]);
        // 16 digits failing Luhn with no card label: an order number, not a card.
        assert_eq!(mask_pii("订单4111111111111112").text, "订单4111111111111112");
    }

    #[test]
    fn order_and_booking_numbers_are_not_read_as_cards_or_ids() {
        for t in ["订单号：330106202401011234，麻烦查一下", "预订号 2026112312345670 的酒店", "订单号 3021876543210987650 退款"] {
            assert_eq!(mask_pii(t).text, t);
        }
        assert_eq!(mask_order_id("4111111111111111").text, "4111111111111111");
        assert_eq!(mask_order_id("E1 13812345678").text, "E1 138****5678");
    }

    #[test]
    fn masks_email_addresses_however_they_are_written() {
        for (t, want) in [
            ("发到 zhang.san@qq.com。", "发到 z***@qq.com。"),
            ("邮箱 zhang@qq。com 收不到", "邮箱 z***@qq.com 收不到"),
            ("联系邮箱 张三@qq.com 被", "联系邮箱 张***@qq.com 被"),
            ("邮箱是 abc @ 163.com，", "邮箱是 a***@163.com，"),
            ("邮箱 zhangsan[at]qq.com，", "邮箱 z***@qq.com，"),
            ("email me at wang dot li at gmail dot com please", "email me at w***@gmail.com please"),
        ] {
            assert_eq!(mask_pii(t).text, want, "{t}");
        }
        assert_eq!(mask_pii("a@b").text, "a@b");
        assert_eq!(mask_pii("I looked at shop.example.com").found, Vec::<PiiKind>::new());
    }

    #[test]
    fn masks_qq_numbers_and_wechat_ids_after_their_labels() {
        assert_eq!(mask_pii("加我qq:88886666，").text, "加我qq:8***6，");
        assert_eq!(mask_pii("my QQ is 77889900, the").text, "my QQ is 7***0, the");
        assert_eq!(mask_pii("加微信wxid_abc123xyz789领").text, "加微信w***9领");
        assert_eq!(mask_pii("微信号：Chen_Xiao_77，").text, "微信号：C***7，");
        // Words after 微信 are not ids.
        assert_eq!(mask_pii("微信支付 payment 失败").found, Vec::<PiiKind>::new());
    }

    #[test]
    fn contacts_are_masked_whole_when_nothing_is_recognised() {
        assert_eq!(mask_contact("13812345678").text, "138****5678");
        assert_eq!(mask_contact("zhang_san").text, "z***");
        assert_eq!(mask_contact("zhang_san").found, [PiiKind::Contact]);
    }

    #[test]
    fn leaves_ordinary_numbers_and_ids_alone() {
        for t in ["等了2个小时", "订单号E202611230001", "价格38.5元", "12345678901x", "共3份，少了1份", "保质期至 2027.05.01", "2026-11-23 12:30:45"] {
            assert_eq!(mask_pii(t).text, t, "{t}");
        }
    }

    #[test]
    fn several_kinds_are_all_reported() {
        let m = mask_pii("13912345678 / a@qq.com");
        assert_eq!(m.found, [PiiKind::Phone, PiiKind::Email]);
    }
}
