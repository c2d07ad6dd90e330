//! The charts' ECharts options, built as JSON with `serde_json` (plain data: native unit tests).
//!
//! Names and labels are data (merchants name themselves, regions come from pages): they only
//! ever reach ECharts as values drawn as SVG text, and the tooltip is drawn the same way
//! (`renderMode: "richText"`), never as HTML.

use serde_json::{Value, json};

/// The console's text colour, its muted colour, the primary blue, the previous period's grey and
/// the alert red (AA contrast on white, as `console.css`).
const TEXT: &str = "#1f2329";
const MUTED: &str = "#4e5969";
const PRIMARY: &str = "#1d4ed8";
const PREVIOUS: &str = "#6b7280";
const RED: &str = "#b42318";
const GRID_LINE: &str = "#e5e6eb";
const FONT: &str = "system-ui, -apple-system, \"PingFang SC\", \"Microsoft YaHei\", \"Noto Sans CJK SC\", sans-serif";

/// What every chart shares: no animation, the console's font, a tooltip drawn as text.
fn base(tooltip_trigger: &str) -> Value {
    json!({
        "animation": false,
        "aria": { "enabled": false },
        "textStyle": { "fontFamily": FONT, "color": TEXT, "fontSize": 12 },
        "tooltip": {
            "trigger": tooltip_trigger,
            "renderMode": "richText",
            "confine": true,
            "backgroundColor": "#ffffff",
            "borderColor": "#8a919c",
            "textStyle": { "color": TEXT, "fontFamily": FONT, "fontSize": 13 }
        }
    })
}

fn merge(mut a: Value, b: Value) -> Value {
    if let (Some(a), Value::Object(b)) = (a.as_object_mut(), b) {
        a.extend(b);
    }
    a
}

fn axis_label() -> Value {
    json!({ "color": MUTED, "hideOverlap": true })
}

/// One bar: what it shows and its count.
pub struct Bar {
    pub label: String,
    pub value: u64,
}

/// Bars of a breakdown. `horizontal`: labels down the left, largest first (for names); else
/// labels along the bottom in the given order (scores, age bands). `clickable` shows the pointer.
pub fn bars(items: &[Bar], horizontal: bool, series_name: &str, clickable: bool) -> Value {
    let labels: Vec<&str> = items.iter().map(|b| b.label.as_str()).collect();
    let values: Vec<u64> = items.iter().map(|b| b.value).collect();
    let category_axis = json!({
        "type": "category",
        "data": labels,
        "inverse": horizontal,
        "axisLabel": merge(axis_label(), if horizontal { json!({ "width": 110, "overflow": "truncate" }) } else { json!({ "interval": 0 }) }),
        "axisTick": { "show": false },
        "axisLine": { "lineStyle": { "color": "#8a919c" } }
    });
    let value_axis = json!({
        "type": "value",
        "minInterval": 1,
        "axisLabel": axis_label(),
        "splitLine": { "lineStyle": { "color": GRID_LINE } }
    });
    let (x, y) = if horizontal { (value_axis, category_axis) } else { (category_axis, value_axis) };
    merge(
        base("item"),
        json!({
            "grid": { "left": 8, "right": 40, "top": if horizontal { 12 } else { 24 }, "bottom": 8, "containLabel": true },
            "xAxis": x,
            "yAxis": y,
            "series": [{
                "type": "bar",
                "name": series_name,
                "data": values,
                "cursor": if clickable { "pointer" } else { "default" },
                "barMaxWidth": 28,
                "itemStyle": { "color": PRIMARY, "borderRadius": if horizontal { json!([0, 3, 3, 0]) } else { json!([3, 3, 0, 0]) } },
                "label": { "show": true, "position": if horizontal { "right" } else { "top" }, "color": TEXT }
            }]
        }),
    )
}

/// A spike's mark on the volume line: at its period's point, labelled with the tickets of its hour.
pub struct Mark {
    pub period: usize,
    pub tickets: u64,
    pub observed: u64,
    /// What the mark's tooltip says.
    pub name: String,
}

/// The volume over time: this range's tickets as a line, the previous range's as a dashed line,
/// spikes as red pins on the line.
pub fn volume(labels: &[String], tickets: &[u64], previous: &[u64], names: (&str, &str), marks: &[Mark]) -> Value {
    let pins: Vec<Value> = marks.iter().map(|m| json!({ "coord": [m.period, m.tickets], "value": m.observed, "name": m.name, "symbolSize": 34 })).collect();
    merge(
        base("axis"),
        json!({
            "grid": { "left": 8, "right": 16, "top": 40, "bottom": 8, "containLabel": true },
            "legend": {
                "top": 0, "left": 0, "itemGap": 16,
                "textStyle": { "color": TEXT, "fontFamily": FONT },
                "data": [names.0, names.1]
            },
            "xAxis": {
                "type": "category",
                "data": labels,
                "axisLabel": axis_label(),
                "axisLine": { "lineStyle": { "color": "#8a919c" } }
            },
            "yAxis": {
                "type": "value",
                "minInterval": 1,
                "axisLabel": axis_label(),
                "splitLine": { "lineStyle": { "color": GRID_LINE } }
            },
            "series": [
                {
                    "type": "line",
                    "name": names.0,
                    "data": tickets,
                    "cursor": "pointer",
                    "symbol": "circle",
                    "symbolSize": 8,
                    "showAllSymbol": "auto",
                    "lineStyle": { "width": 2.5, "color": PRIMARY },
                    "itemStyle": { "color": PRIMARY },
                    "emphasis": { "focus": "none", "scale": 1.6 },
                    "markPoint": {
                        "symbol": "pin",
                        "itemStyle": { "color": RED },
                        "label": { "color": "#ffffff", "fontWeight": "bold" },
                        "data": pins
                    }
                },
                {
                    "type": "line",
                    "name": names.1,
                    "data": previous,
                    "cursor": "pointer",
                    "symbol": "circle",
                    "symbolSize": 5,
                    "showAllSymbol": "auto",
                    "lineStyle": { "width": 2, "type": "dashed", "color": PREVIOUS },
                    "itemStyle": { "color": PREVIOUS }
                }
            ]
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_carry_their_labels_as_data_and_the_tooltip_is_never_html() {
        let items = [Bar { label: "<img src=x onerror=1>".into(), value: 3 }, Bar { label: "配送问题".into(), value: 2 }];
        let o = bars(&items, true, "工单数", true);
        assert_eq!(o["yAxis"]["data"][0], "<img src=x onerror=1>");
        assert_eq!(o["series"][0]["data"], json!([3, 2]));
        assert_eq!(o["tooltip"]["renderMode"], "richText");
        assert!(o["tooltip"].get("formatter").is_none());
        assert_eq!(bars(&items, false, "n", false)["xAxis"]["type"], "category");
    }

    #[test]
    fn the_volume_marks_spikes_on_the_line() {
        let labels = vec!["2026-12-01".to_string(), "2026-12-02".to_string()];
        let o = volume(&labels, &[3, 9], &[2, 2], ("本期", "上一周期"), &[Mark { period: 1, tickets: 9, observed: 6, name: "突增".into() }]);
        assert_eq!(o["series"][0]["markPoint"]["data"][0]["coord"], json!([1, 9]));
        assert_eq!(o["series"][0]["markPoint"]["data"][0]["value"], 6);
        assert_eq!(o["series"][1]["lineStyle"]["type"], "dashed");
        assert_eq!(o["legend"]["data"], json!(["本期", "上一周期"]));
    }
}
