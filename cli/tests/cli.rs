//! The `qingting` binary end to end: JSONL in, JSONL out, errors per line, never a crash.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

fn run(args: &[&str], stdin: &str) -> (String, String, bool) {
    run_bytes(args, stdin.as_bytes())
}

/// Every stdout line parsed as JSON.
fn json_lines(out: &str) -> Vec<Value> {
    out.lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect()
}

fn run_bytes(args: &[&str], stdin: &[u8]) -> (String, String, bool) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_qingting"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("qingting starts");
    child.stdin.take().expect("stdin").write_all(stdin).expect("write stdin");
    let out = child.wait_with_output().expect("qingting runs");
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned(), out.status.success())
}

#[test]
fn classify_writes_one_line_per_input_with_the_documented_fields() {
    let input = "{\"id\":\"a\",\"text\":\"饭里有头发，吃完拉肚子了\"}\n{\"id\":\"b\",\"text\":\"很好吃，下次还来\"}\n";
    let (out, _, ok) = run(&["classify"], input);
    assert!(ok);
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 2);
    let a = &lines[0];
    assert_eq!(a["id"], "a");
    assert_eq!(a["complaint"], true);
    assert!(a["complaint_score"].as_f64().is_some_and(|s| (0.0..=1.0).contains(&s)));
    assert_eq!(a["primary"], "food_safety");
    assert_eq!(a["priority"], "P1");
    assert!(a["categories"].as_array().is_some_and(|c| c.iter().any(|c| c == "food_safety")));
    let b = &lines[1];
    assert_eq!((b["complaint"].clone(), b["primary"].clone(), b["priority"].clone()), (Value::Bool(false), Value::Null, Value::Null));
    assert_eq!(b["categories"], serde_json::json!([]));
}

#[test]
fn bad_lines_give_an_error_line_for_that_id_and_the_rest_go_on() {
    let input = "not json\n{\"id\":7}\n{\"id\":8,\"text\":12}\n{\"id\":9,\"text\":\"骑手送餐太慢\"}\n";
    let (out, _, ok) = run(&["classify"], input);
    assert!(ok, "bad input lines are not a crash");
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["error"]["code"], "invalid_json");
    assert_eq!((lines[1]["id"].clone(), lines[1]["error"]["code"].clone()), (Value::from(7), Value::from("missing_text")));
    assert_eq!(lines[2]["error"]["code"], "missing_text");
    assert_eq!(lines[3]["id"], 9);
    assert!(lines[3].get("error").is_none());
}

#[test]
fn a_line_that_is_not_utf8_is_an_error_line_too() {
    let mut input = b"{\"id\":1,\"text\":\"\xff\xfe\"}\n".to_vec();
    input.extend_from_slice("{\"id\":2,\"text\":\"送餐太慢\"}\n".as_bytes());
    let (out, err, ok) = run_bytes(&["classify"], &input);
    assert!(ok, "{err}");
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["error"]["code"], "invalid_utf8");
    assert_eq!(lines[1]["id"], 2);
}

#[test]
fn segment_prints_space_separated_tokens() {
    let (out, _, ok) = run(&["segment"], "骑手送餐太慢了\n帳號被盜\n");
    assert!(ok);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].split(' ').any(|t| t == "骑手"), "{}", lines[0]);
    assert!(lines[1].split(' ').any(|t| t == "账号"), "Traditional input is normalised: {}", lines[1]);
}

#[test]
fn a_missing_model_file_is_a_clear_error() {
    let (_, err, ok) = run(&["--model", "/nonexistent/model.qtm", "classify"], "");
    assert!(!ok);
    assert!(err.contains("/nonexistent/model.qtm"), "{err}");
}

#[test]
fn eval_prints_metrics_for_a_labelled_file() {
    let dir = std::env::temp_dir().join(format!("qingting-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let complaint = dir.join("c.jsonl");
    std::fs::write(
        &complaint,
        "{\"id\":\"1\",\"text\":\"太难吃了，再也不点了\",\"complaint\":true}\n{\"id\":\"2\",\"text\":\"很好吃，下次还来\",\"complaint\":false}\n",
    )
    .expect("write");
    let categories = dir.join("k.jsonl");
    std::fs::write(&categories, "{\"id\":\"1\",\"text\":\"少送了一份饮料\",\"categories\":[\"order_error\"],\"primary\":\"order_error\"}\n").expect("write");
    let (out, err, ok) = run(&["eval", "--complaint", complaint.to_str().unwrap(), "--categories", categories.to_str().unwrap()], "");
    assert!(ok, "{err}");
    assert!(out.contains("accuracy = 1.0000"), "{out}");
    assert!(out.contains("micro-F1") && out.contains("| order_error |"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_compiled_default_faq_pack_is_up_to_date() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let (out, err, ok) = run(&["faq-compile", root.join("data/faq/default.json").to_str().unwrap()], "");
    assert!(ok, "{err}");
    let committed = std::fs::read_to_string(root.join("shared/model/faq-default.qtf")).expect("compiled pack committed");
    assert!(out == committed, "shared/model/faq-default.qtf is stale: run `cargo xtask faq`");
    let pack = qingting_shared::faq::compiled::read(&committed).expect("parses");
    assert!(pack.entries.len() >= 40);
}

#[test]
fn faq_decides_what_the_worker_would_do() {
    let input = "{\"id\":\"a\",\"text\":\"退款一般几天到账啊\"}\n{\"id\":\"b\",\"text\":\"外卖超时了有赔偿吗\"}\n{\"id\":\"c\",\"text\":\"今天天气不错\"}\n{\"id\":\"d\"}\n\
                 {\"id\":\"e\",\"text\":\"吃了你们家的饭拉肚子了，退款一般几天到账啊\"}\n";
    let (out, err, ok) = run(&["faq"], input);
    assert!(ok, "{err}");
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 5);
    assert_eq!((lines[0]["decision"].clone(), lines[0]["matches"][0]["faq_id"].clone()), (Value::from("resolve"), Value::from("refund-arrival-time")));
    assert_eq!(lines[1]["decision"], "acknowledge");
    assert_eq!(lines[2]["decision"], "forward");
    // The status and first reply are the worker's: an answered question is auto_replied.
    assert_eq!((lines[0]["status"].clone(), lines[0]["reply_faq_id"].clone()), (Value::from("auto_replied"), Value::from("refund-arrival-time")));
    assert_eq!((lines[2]["status"].clone(), lines[2]["reply_faq_id"].clone()), (Value::from("new"), Value::Null));
    assert!(lines[0]["matches"].as_array().is_some_and(|m| { m.len() <= 3 && m.iter().all(|x| x["score"].as_f64().is_some_and(|s| (0.0..1.0).contains(&s))) }));
    assert_eq!(lines[3]["error"]["code"], "missing_text");
    // The same how-to question from someone who got ill is never closed automatically.
    assert_eq!(lines[4]["decision"], "acknowledge");
    assert_eq!(lines[4]["status"], "new");
}

#[test]
fn similar_scores_pairs_higher_for_the_same_question() {
    let input = "{\"id\":1,\"q1\":\"花呗怎么还款\",\"q2\":\"怎么还花呗\"}\n{\"id\":2,\"q1\":\"花呗怎么还款\",\"q2\":\"借呗怎么开通\"}\nnot json\n";
    let (out, err, ok) = run(&["similar"], input);
    assert!(ok, "{err}");
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 3);
    let (same, different) = (lines[0]["score"].as_f64().unwrap(), lines[1]["score"].as_f64().unwrap());
    assert!(same > different, "{same} vs {different}");
    assert_eq!(lines[2]["error"]["code"], "invalid_pair");
}

#[test]
fn spikes_replays_hourly_counts_into_the_cron_s_alerts() {
    // Five weeks of 2 an hour for one merchant's category, then 12 in one hour; one bad line.
    let start = 1_795_996_800 / 3600 - 5 * 168; // 2026-11-30T00:00:00Z minus five weeks
    let hour = |h: i64| qingting_shared::analytics::spike::format_hour(h).expect("in range");
    let mut input = String::new();
    for h in start..start + 5 * 168 {
        let count = if h == start + 5 * 168 - 3 { 12 } else { 2 };
        input.push_str(&format!("{{\"key\":\"merchant:m-1/delivery\",\"hour\":\"{}\",\"count\":{count}}}\n", hour(h)));
    }
    input.push_str("{\"key\":\"merchant:m-1/delivery\",\"hour\":\"soon\",\"count\":1}\n");
    let (out, err, ok) = run(&["spikes"], &input);
    assert!(ok, "{err}");
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 2, "{out}");
    assert_eq!((lines[0]["line"].as_u64(), lines[0]["error"]["code"].as_str()), (Some(5 * 168 + 1), Some("invalid_time")));
    let alert = &lines[1];
    assert_eq!(alert["key"], "merchant:m-1/delivery");
    assert_eq!(alert["hour"], "2026-11-29T21:00:00Z");
    assert_eq!((alert["kind"].as_str(), alert["observed"].as_u64()), (Some("spike"), Some(12)));
    assert!((alert["expected"].as_f64().unwrap() - 2.0).abs() < 1e-9);
    assert!(alert["p"].as_f64().is_some_and(|p| p > 0.0 && p < 1e-4));

    // The flags reach the detector: with a smaller budget that hour is not enough.
    let (out, _, ok) = run(&["spikes", "--alpha", "1e-9"], &input);
    assert!(ok);
    assert_eq!(json_lines(&out).len(), 1, "the error line only: {out}");
    let (_, err, ok) = run(&["spikes", "--weeks", "0"], "");
    assert!(!ok && err.contains("weeks"), "{err}");
}
