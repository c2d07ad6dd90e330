//! The compiled pack format `QTF1`: one line per field, no JSON parser needed where it is read
//! (the widget stays small). Newlines inside texts become spaces.
//!
//! ```text
//! QTF1 <pack id> <version>
//! E <entry id> <resolves|acknowledges> <category,category>
//! Q <lang> <question>          (any number)
//! A <lang> <answer>            (one per language)
//! ```

use crate::faq::pack::{FaqEntry, FaqKind, FaqPack, Localized, Questions};
use crate::lang::Lang;
use crate::taxonomy::Category;

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

/// Writes a pack; with `lang`, only that language's questions and answer (zh-CN questions are
/// always kept: Traditional text is matched after normalisation to Simplified).
pub fn write(pack: &FaqPack, lang: Option<Lang>) -> String {
    let mut out = format!("QTF1 {} {}\n", pack.id, pack.version);
    for e in pack.entries.iter().filter(|e| !e.disabled) {
        let cats: Vec<&str> = e.categories.iter().map(Category::as_str).collect();
        out.push_str(&format!("E {} {} {}\n", e.id, e.kind.as_str(), cats.join(",")));
        for (l, qs) in [(Lang::ZhCn, &e.questions.zh_cn), (Lang::ZhTw, &e.questions.zh_tw), (Lang::En, &e.questions.en)] {
            if lang.is_none_or(|want| want == l || l == Lang::ZhCn) {
                for q in qs {
                    out.push_str(&format!("Q {} {}\n", l.tag(), one_line(q)));
                }
            }
        }
        for l in Lang::ALL {
            if lang.is_none_or(|want| want == l) {
                out.push_str(&format!("A {} {}\n", l.tag(), one_line(e.answer.get_or_default_lang(l))));
            }
        }
    }
    out
}

/// Why a compiled pack could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("compiled FAQ pack, line {line}: {message}")]
pub struct ParseError {
    pub line: usize,
    pub message: &'static str,
}

/// Reads a compiled pack.
pub fn read(text: &str) -> Result<FaqPack, ParseError> {
    let mut lines = text.lines().enumerate();
    let err = |line: usize, message| ParseError { line: line + 1, message };
    let (_, header) = lines.next().ok_or(err(0, "empty"))?;
    let mut h = header.splitn(3, ' ');
    if h.next() != Some("QTF1") {
        return Err(err(0, "not a QTF1 pack"));
    }
    let id = h.next().ok_or(err(0, "no pack id"))?.to_string();
    let version = h.next().and_then(|v| v.trim().parse().ok()).ok_or(err(0, "no version"))?;
    let mut entries: Vec<FaqEntry> = Vec::new();
    for (n, line) in lines {
        if line.is_empty() {
            continue;
        }
        let (tag, rest) = line.split_once(' ').ok_or(err(n, "no field"))?;
        if tag == "E" {
            let mut f = rest.splitn(3, ' ');
            let id = f.next().ok_or(err(n, "no entry id"))?.to_string();
            let kind = match f.next() {
                Some("resolves") => FaqKind::Resolves,
                Some("acknowledges") => FaqKind::Acknowledges,
                _ => return Err(err(n, "unknown kind")),
            };
            let categories = f.next().unwrap_or("").split(',').filter(|c| !c.is_empty()).map(|c| Category::new(c.to_string())).collect();
            entries.push(FaqEntry { id, kind, categories, questions: Questions::default(), answer: Localized::default(), disabled: false });
            continue;
        }
        let e = entries.last_mut().ok_or(err(n, "field before the first entry"))?;
        let (lang, value) = rest.split_once(' ').ok_or(err(n, "no language"))?;
        let lang = Lang::from_tag(lang).ok_or(err(n, "unknown language"))?;
        let value = value.to_string();
        match (tag, lang) {
            ("Q", Lang::ZhCn) => e.questions.zh_cn.push(value),
            ("Q", Lang::ZhTw) => e.questions.zh_tw.push(value),
            ("Q", Lang::En) => e.questions.en.push(value),
            ("A", Lang::ZhCn) => e.answer.zh_cn = value,
            ("A", Lang::ZhTw) => e.answer.zh_tw = value,
            ("A", Lang::En) => e.answer.en = value,
            _ => return Err(err(n, "unknown field")),
        }
    }
    Ok(FaqPack { id, version, entries })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faq::{DEFAULT_PACK, FaqIndex};
    use crate::understand::segment::Segmenter;

    #[test]
    fn round_trips_and_filters_by_language() {
        let mut p = crate::faq::fixture::pack();
        p.entries[0].questions.en.push("How long does a refund take?".into());
        p.entries[0].answer.en = "Refunds go back\nto the original payment.".into();
        let back = read(&write(&p, None)).unwrap();
        assert_eq!(back.entries.len(), 3);
        assert_eq!(back.entries[0].questions.en, ["How long does a refund take?"]);
        assert_eq!(back.entries[0].answer.en, "Refunds go back to the original payment.");
        assert_eq!(back.entries[1].kind, FaqKind::Acknowledges);
        let en = read(&write(&p, Some(Lang::En))).unwrap();
        assert!(en.entries[0].answer.zh_cn.is_empty() && !en.entries[0].answer.en.is_empty());
        assert!(!en.entries[0].questions.zh_cn.is_empty(), "zh-CN questions stay for matching");
    }

    #[test]
    fn the_default_pack_parses_validates_and_answers_its_own_questions() {
        let pack = read(DEFAULT_PACK).expect("default pack");
        pack.validate().expect("valid");
        assert!(pack.entries.len() >= 40);
        let seg = Segmenter::builtin();
        let index = FaqIndex::build(pack.clone(), &seg);
        // Every entry's first question finds that entry among the top three.
        for e in &pack.entries {
            let q = &e.questions.zh_cn[0];
            let top = index.search(&seg, q, &[], 3);
            assert!(top.iter().any(|m| index.pack().entries[m.entry].id == e.id), "{}: {q}", e.id);
        }
    }

    #[test]
    fn customer_phrasings_find_the_right_default_answer() {
        let seg = Segmenter::builtin();
        let index = FaqIndex::build(read(DEFAULT_PACK).expect("default pack"), &seg);
        for (text, want, rank) in
            [("退款多久能到账", "refund-arrival-time", 1), ("发票怎么开", "invoice-how-to-get", 3), ("骑手送晚了能赔吗", "late-delivery-compensation", 3)]
        {
            let top = index.search(&seg, text, &[], 3);
            let ids: Vec<&str> = top.iter().map(|m| index.pack().entries[m.entry].id.as_str()).collect();
            assert!(ids.iter().take(rank).any(|id| *id == want), "{text}: {ids:?}");
        }
    }

    #[test]
    fn bad_input_names_the_line() {
        assert_eq!(read("nope").unwrap_err().line, 1);
        assert_eq!(read("QTF1 p 1\nQ zh-CN 早\n").unwrap_err(), ParseError { line: 2, message: "field before the first entry" });
        assert_eq!(read("QTF1 p 1\nE a bogus x\n").unwrap_err().message, "unknown kind");
    }
}
