//! Full-text search over tickets. Chinese has no spaces between words, and a segmenter cuts the
//! same word differently in different sentences (没到账 → 没到 / 账), so both what is indexed and
//! what is searched become overlapping character bigrams of each CJK run, plus whole ASCII words
//! (ticket numbers, order ids). An FTS5 table with the `unicode61` tokenizer then sees
//! space-separated tokens, and a query is a phrase of its own bigrams: a two-character query such
//! as 退款 is one token and finds every ticket that contains it.

use crate::understand::text::normalize;

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// The tokens of `text`: normalised (Traditional → Simplified, lower case, half-width), CJK runs as
/// overlapping bigrams (a lone character as itself), other letters and digits as words.
pub fn tokens(text: &str) -> Vec<String> {
    let norm = normalize(text);
    let mut out = Vec::new();
    let mut run: Vec<char> = Vec::new();
    let mut word = String::new();
    let flush_run = |run: &mut Vec<char>, out: &mut Vec<String>| {
        match run.len() {
            0 => {}
            1 => out.push(run[0].to_string()),
            _ => out.extend(run.windows(2).map(|w| w.iter().collect::<String>())),
        }
        run.clear();
    };
    for c in norm.chars() {
        if is_cjk(c) {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            run.push(c);
        } else {
            flush_run(&mut run, &mut out);
            if c.is_alphanumeric() {
                word.extend(c.to_lowercase());
            } else if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
        }
    }
    flush_run(&mut run, &mut out);
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// What is indexed for a ticket: the tokens of its (masked) text, its number and its order id.
pub fn index_body(text: &str, ticket_no: &str, order_id: Option<&str>) -> String {
    let mut all = tokens(text);
    all.extend(tokens(ticket_no));
    all.extend(order_id.map(tokens).unwrap_or_default());
    all.join(" ")
}

/// The FTS5 `MATCH` expression for a search box: every space-separated part must appear, each as
/// a phrase of its tokens. `None` when the query has nothing to search for. Tokens hold only
/// letters and digits, so the expression cannot carry FTS5 syntax from the input.
pub fn match_expression(q: &str) -> Option<String> {
    let phrases: Vec<String> = q.split_whitespace().take(10).map(tokens).filter(|t| !t.is_empty()).map(|t| format!("\"{}\"", t.join(" "))).collect();
    (!phrases.is_empty()).then(|| phrases.join(" AND "))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A phrase matches when its tokens stand together in the body (what FTS5 checks).
    fn finds(body: &str, q: &str) -> bool {
        let body: Vec<&str> = body.split(' ').collect();
        q.split_whitespace().all(|part| {
            let t = tokens(part);
            !t.is_empty() && body.windows(t.len()).any(|w| w.iter().zip(&t).all(|(a, b)| a == b))
        })
    }

    #[test]
    fn two_character_words_are_found_however_the_sentence_cuts_them() {
        let body = index_body("申请退款三天了还没到账", "QT261201-5BYA6K", Some("E2026-001"));
        for q in ["退款", "到账", "没到账", "退款 到账", "QT261201-5BYA6K", "qt261201-5bya6k", "E2026-001", "申請退款"] {
            assert!(finds(&body, q), "{q} in {body}");
        }
        for q in ["退货", "到家", "QT261201-000000"] {
            assert!(!finds(&body, q), "{q} not in {body}");
        }
    }

    #[test]
    fn match_expressions_are_phrases_of_tokens_only() {
        assert_eq!(match_expression("退款").as_deref(), Some("\"退款\""));
        assert_eq!(match_expression("没到账 QT1").as_deref(), Some("\"没到 到账\" AND \"qt1\""));
        assert_eq!(match_expression("\" OR * NEAR(").as_deref(), Some("\"or\" AND \"near\""), "operators become quoted words");
        assert_eq!(match_expression("* ( ) : ^"), None, "FTS5 syntax is dropped");
        assert_eq!(match_expression("   "), None);
        assert_eq!(match_expression("a\"b").as_deref(), Some("\"a b\""));
    }
}
