//! The export's cells: one row per ticket, opened safely by spreadsheets.
//!
//! A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel and
//! WPS; complaint text and a customer's region are hostile, so such a cell gets a leading `'`
//! (OWASP's advice for CSV injection). The file starts with a UTF-8 byte order mark, without which
//! Excel opens Chinese as mojibake.
//!
//! ```
//! use qingting_shared::analytics::export::safe_cell;
//! assert_eq!(safe_cell("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
//! assert_eq!(safe_cell("送餐太慢"), "送餐太慢");
//! ```

use std::borrow::Cow;

use crate::lang::{Lang, PerLang};

/// The byte order mark the file starts with.
pub const BOM: &str = "\u{feff}";

/// The columns, in order, in each language.
pub const HEADERS: PerLang<[&str; 16]> = PerLang {
    zh_cn: [
        "工单号",
        "创建时间",
        "站点",
        "商家",
        "类别",
        "优先级",
        "渠道",
        "地区",
        "状态",
        "处理方",
        "催单次数",
        "重开次数",
        "满意度",
        "首次响应(工作秒)",
        "解决用时(工作秒)",
        "投诉内容(已脱敏)",
    ],
    zh_tw: [
        "工單號",
        "建立時間",
        "站點",
        "商家",
        "類別",
        "優先級",
        "渠道",
        "地區",
        "狀態",
        "處理方",
        "催單次數",
        "重開次數",
        "滿意度",
        "首次回應(工作秒)",
        "解決用時(工作秒)",
        "投訴內容(已遮罩)",
    ],
    en: [
        "Ticket",
        "Created",
        "Site",
        "Merchant",
        "Category",
        "Priority",
        "Channel",
        "Region",
        "Status",
        "Holder",
        "Urges",
        "Reopens",
        "CSAT",
        "First response (business s)",
        "Resolution (business s)",
        "Complaint (masked)",
    ],
};

/// The header row in `lang`.
pub fn headers(lang: Lang) -> [&'static str; 16] {
    *HEADERS.get(lang)
}

/// `value`, made inert for spreadsheets.
pub fn safe_cell(value: &str) -> Cow<'_, str> {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '＝' | '＋' | '－' | '＠') => Cow::Owned(format!("'{value}")),
        _ => Cow::Borrowed(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused() {
        for v in ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "＝1"] {
            assert!(safe_cell(v).starts_with('\''), "{v:?}");
        }
        for v in ["1", "送餐太慢", "", "a=b"] {
            assert_eq!(safe_cell(v), v);
        }
    }

    #[test]
    fn every_language_has_every_column() {
        for lang in [Lang::ZhCn, Lang::ZhTw, Lang::En] {
            assert!(headers(lang).iter().all(|h| !h.is_empty()));
        }
    }
}
