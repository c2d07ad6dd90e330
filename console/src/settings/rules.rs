//! `/console/settings/rules`: a scope's routing rules (`GET/PUT /v1/routing-rules/:scope`), in
//! order: name, on/off, all or any of the conditions, the actions; move up and down, edit,
//! delete, then save the list. The editor tries a rule on a complaint text
//! (`POST /v1/routing-rules/preview`): how the text is classified, which conditions hold, whether
//! it fires and what it would do. Merchant rules run first, the platform's after them (the
//! platform has the last word). The server checks every rule again.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::{LazyRoute, lazy_route};
use qingting_shared::{Lang, PerLang, Priority, Taxonomy};
use serde_json::{Value, json};

use super::api::{self, Preview, RulesAnswer};
use super::{Outcome, ScopePicker, first_scope, outcome_view, section_title, submit_button};
use crate::api::Failure;
use crate::state::{Console, Directory, failure_alert, loading_view, sw};

/// The words of this page that the rest of the settings do not need.
struct RuleWords {
    rules_saved_note: &'static str,
    new_rule: &'static str,
    edit: &'static str,
    delete: &'static str,
    up: &'static str,
    down: &'static str,
    enabled: &'static str,
    name: &'static str,
    all: &'static str,
    any: &'static str,
    conditions: &'static str,
    actions: &'static str,
    add_condition: &'static str,
    add_action: &'static str,
    remove: &'static str,
    value: &'static str,
    done: &'static str,
    cancel: &'static str,
    try_it: &'static str,
    try_text: &'static str,
    try_button: &'static str,
    fires: &'static str,
    does_not_fire: &'static str,
    classified: &'static str,
    held: &'static str,
    not_held: &'static str,
    none: &'static str,
    categories_hint: &'static str,
    list_hint: &'static str,
    yes: &'static str,
    no: &'static str,
}

const WORDS: PerLang<RuleWords> = PerLang::new(
    RuleWords {
        rules_saved_note: "规则按顺序执行：先商家规则，后平台规则（平台规则最终生效）。每条规则每次最多触发一次。修改后请点“保存规则”。",
        new_rule: "新建规则",
        edit: "编辑",
        delete: "删除",
        up: "上移",
        down: "下移",
        enabled: "启用",
        name: "规则名称",
        all: "满足全部条件",
        any: "满足任一条件",
        conditions: "条件",
        actions: "动作",
        add_condition: "添加条件",
        add_action: "添加动作",
        remove: "移除",
        value: "值",
        done: "完成编辑",
        cancel: "取消",
        try_it: "用投诉内容试一试",
        try_text: "投诉内容",
        try_button: "试一试",
        fires: "会触发",
        does_not_fire: "不会触发",
        classified: "识别结果",
        held: "满足",
        not_held: "不满足",
        none: "还没有规则。",
        categories_hint: "分类编号，逗号分隔：",
        list_hint: "多个值用逗号分隔",
        yes: "有",
        no: "没有",
    },
    RuleWords {
        rules_saved_note: "規則按順序執行：先商家規則，後平台規則（平台規則最終生效）。每條規則每次最多觸發一次。修改後請點「儲存規則」。",
        new_rule: "新增規則",
        edit: "編輯",
        delete: "刪除",
        up: "上移",
        down: "下移",
        enabled: "啟用",
        name: "規則名稱",
        all: "滿足全部條件",
        any: "滿足任一條件",
        conditions: "條件",
        actions: "動作",
        add_condition: "新增條件",
        add_action: "新增動作",
        remove: "移除",
        value: "值",
        done: "完成編輯",
        cancel: "取消",
        try_it: "用投訴內容試一試",
        try_text: "投訴內容",
        try_button: "試一試",
        fires: "會觸發",
        does_not_fire: "不會觸發",
        classified: "識別結果",
        held: "滿足",
        not_held: "不滿足",
        none: "還沒有規則。",
        categories_hint: "分類編號，逗號分隔：",
        list_hint: "多個值用逗號分隔",
        yes: "有",
        no: "沒有",
    },
    RuleWords {
        rules_saved_note: "Rules run in order: the merchant's first, then the platform's (which have the last word). Each rule fires at most once per change. Save the list when done.",
        new_rule: "New rule",
        edit: "Edit",
        delete: "Delete",
        up: "Move up",
        down: "Move down",
        enabled: "On",
        name: "Rule name",
        all: "All conditions",
        any: "Any condition",
        conditions: "Conditions",
        actions: "Actions",
        add_condition: "Add a condition",
        add_action: "Add an action",
        remove: "Remove",
        value: "Value",
        done: "Done",
        cancel: "Cancel",
        try_it: "Try it on a complaint",
        try_text: "Complaint text",
        try_button: "Try",
        fires: "Fires",
        does_not_fire: "Does not fire",
        classified: "Classified as",
        held: "holds",
        not_held: "does not hold",
        none: "No rules yet.",
        categories_hint: "Category ids, separated by commas: ",
        list_hint: "Separate several values with commas",
        yes: "present",
        no: "absent",
    },
);

fn rw(word: fn(&RuleWords) -> &'static str) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let console = Console::get();
    move || word(WORDS.get(console.lang.get()))
}

/// Condition fields: wire name and words.
const FIELDS: [(&str, [&str; 3]); 8] = [
    ("text", ["投诉内容包含", "投訴內容包含", "Text contains"]),
    ("category", ["分类是", "分類是", "Category is"]),
    ("priority", ["优先级是", "優先級是", "Priority is"]),
    ("site", ["站点是", "站點是", "Site is"]),
    ("channel", ["渠道是", "渠道是", "Channel is"]),
    ("language", ["语言是", "語言是", "Language is"]),
    ("order_id", ["订单号", "訂單號", "Order id"]),
    ("urges", ["催单次数至少", "催單次數至少", "Urged at least"]),
];

/// Action kinds: wire name and words.
const ACTIONS: [(&str, [&str; 3]); 6] = [
    ("team", ["分给团队", "分給團隊", "Give to team"]),
    ("assignee", ["分给某人", "分給某人", "Give to person"]),
    ("priority", ["设为优先级", "設為優先級", "Set priority"]),
    ("holder_platform", ["交由平台处理", "交由平台處理", "Hand to the platform"]),
    ("follower", ["添加关注人", "新增關注人", "Add follower"]),
    ("notify", ["通知目的地（编号）", "通知目的地（編號）", "Notify destination (id)"]),
];

fn label(table: &[(&'static str, [&'static str; 3])], key: &str, lang: Lang) -> &'static str {
    let i = match lang {
        Lang::ZhCn => 0,
        Lang::ZhTw => 1,
        Lang::En => 2,
    };
    table.iter().find(|(k, _)| *k == key).map_or("", |(_, w)| w[i])
}

/// A rule as the editor holds it: text fields per condition and action.
#[derive(Clone, Debug, Default, PartialEq)]
struct Draft {
    id: String,
    name: String,
    enabled: bool,
    any: bool,
    /// `(field, value)`; lists as comma-separated text.
    conditions: Vec<(String, String)>,
    /// `(kind, value)`.
    actions: Vec<(String, String)>,
}

fn list(v: &str) -> Vec<String> {
    v.split([',', '，', '、']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

impl Draft {
    /// The editor's rows from a rule's JSON.
    fn of(rule: &Value) -> Draft {
        let text = |v: &Value| match v {
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", "),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.clone(),
            _ => String::new(),
        };
        let conditions = rule["conditions"]
            .as_array()
            .map(|cs| {
                cs.iter()
                    .map(|c| {
                        let field = c["field"].as_str().unwrap_or_default().to_string();
                        let value = ["any_of", "words", "present", "at_least"].iter().map(|k| &c[*k]).find(|v| !v.is_null()).map(text).unwrap_or_default();
                        (field, value)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let actions = rule["actions"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|x| {
                        let kind = x["action"].as_str().unwrap_or_default().to_string();
                        let value = ["team", "user", "priority", "destination"].iter().map(|k| &x[*k]).find(|v| !v.is_null()).map(text).unwrap_or_default();
                        (kind, value)
                    })
                    .collect()
            })
            .unwrap_or_default();
        Draft {
            id: rule["id"].as_str().unwrap_or_default().to_string(),
            name: rule["name"].as_str().unwrap_or_default().to_string(),
            enabled: rule["enabled"].as_bool().unwrap_or(true),
            any: rule["match"] == "any",
            conditions,
            actions,
        }
    }

    /// The rule's JSON (the server validates it and says what is wrong).
    fn json(&self, level: &str) -> Value {
        let conditions: Vec<Value> = self
            .conditions
            .iter()
            .map(|(field, v)| match field.as_str() {
                "text" => json!({"field": field, "words": list(v)}),
                "order_id" => json!({"field": field, "present": v.trim() != "false"}),
                "urges" => json!({"field": field, "at_least": v.trim().parse::<u32>().unwrap_or(1)}),
                _ => json!({"field": field, "any_of": list(v)}),
            })
            .collect();
        let actions: Vec<Value> = self
            .actions
            .iter()
            .map(|(kind, v)| {
                let v = v.trim();
                match kind.as_str() {
                    "team" => json!({"action": kind, "team": v}),
                    "assignee" | "follower" => json!({"action": kind, "user": v}),
                    "priority" => json!({"action": kind, "priority": v}),
                    "notify" => json!({"action": kind, "destination": v}),
                    _ => json!({"action": "holder_platform"}),
                }
            })
            .collect();
        json!({
            "id": self.id, "name": self.name.trim(), "enabled": self.enabled, "level": level,
            "match": if self.any { "any" } else { "all" }, "conditions": conditions, "actions": actions,
        })
    }
}

/// The route (data loaded in `view`, inside the lazy chunk: see `people`).
pub struct RulesRoute;

#[lazy_route]
impl LazyRoute for RulesRoute {
    fn data() -> Self {
        RulesRoute
    }

    fn view(_this: Self) -> AnyView {
        let scope = first_scope();
        let merchants = LocalResource::new(api::merchants);
        let answer: LocalResource<Result<RulesAnswer, Failure>> = LocalResource::new(move || {
            let s = scope.get();
            async move { api::rules(&s).await }
        });
        view! {
            {section_title(|s| s.rules)}
            <p class="intro">{sw(|s| s.rules_intro)}</p>
            <ScopePicker id="rules-scope" scope=scope merchants=merchants/>
            <Suspense fallback=loading_view>
                <ErrorBoundary fallback=failure_alert>
                    {move || Suspend::new(async move {
                        let a = answer.await?;
                        Ok::<_, Failure>(view! { <RuleList answer=a scope=scope.get_untracked()/> })
                    })}
                </ErrorBoundary>
            </Suspense>
        }
        .into_any()
    }
}

/// The ordered list of one scope, edited locally and saved as a whole.
#[component]
fn RuleList(answer: RulesAnswer, scope: String) -> impl IntoView {
    let console = Console::get();
    let level = if scope.is_empty() { "platform" } else { "merchant" };
    let drafts = RwSignal::new(answer.rules.iter().map(Draft::of).collect::<Vec<_>>());
    let editable = answer.editable;
    // The rule being edited: its index (`len` for a new one) and its draft.
    let editing = RwSignal::new(None::<(usize, Draft)>);
    let outcome = RwSignal::new(Outcome::Idle);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if outcome.with_untracked(Outcome::is_busy) {
            return;
        }
        let rules: Vec<Value> = drafts.get_untracked().iter().map(|d| d.json(level)).collect();
        outcome.set(Outcome::Busy);
        let scope = scope.clone();
        spawn_local(async move {
            match api::put_rules(&scope, &rules).await {
                Ok(a) => {
                    drafts.set(a.rules.iter().map(Draft::of).collect());
                    outcome.set(Outcome::Done(|s| s.saved));
                }
                Err(f) => outcome.set(Outcome::Failed(f)),
            }
        });
    };
    let lang = move || console.lang.get();
    let directory = Directory::get();
    let describe = move |d: &Draft| {
        let lang = lang();
        let conditions =
            d.conditions.iter().map(|(f, v)| format!("{} {v}", label(&FIELDS, f, lang))).collect::<Vec<_>>().join(if d.any { " / " } else { " + " });
        let actions = d
            .actions
            .iter()
            .map(|(k, v)| {
                let v = match k.as_str() {
                    "team" => directory.team_name(v),
                    "assignee" | "follower" => directory.name(v),
                    _ => v.clone(),
                };
                format!("{} {v}", label(&ACTIONS, k, lang)).trim().to_string()
            })
            .collect::<Vec<_>>()
            .join("，");
        (conditions, actions)
    };
    let row = move |i: usize, d: Draft| {
        let (conditions, actions) = describe(&d);
        let n = drafts.with_untracked(Vec::len);
        let name = d.name.clone();
        let swap = move |a: usize, b: usize| drafts.update(|v| v.swap(a, b));
        view! {
            <li class="row-card rule">
                <div class="rule-text">
                    <span class="name">{name}</span>
                    {(!d.enabled).then(|| view! { <span class="badge">{move || format!("（{}）", console.ui().st.off)}</span> })}
                    <p class="rule-when">{conditions}</p>
                    <p class="rule-then">"→ "{actions}</p>
                </div>
                {editable.then(|| view! {
                    <div class="buttons">
                        <button type="button" class="secondary" disabled={i == 0} on:click=move |_| swap(i - 1, i)>{rw(|w| w.up)}</button>
                        <button type="button" class="secondary" disabled={i + 1 >= n} on:click=move |_| swap(i, i + 1)>{rw(|w| w.down)}</button>
                        <button type="button" class="secondary" on:click=move |_| editing.set(drafts.with_untracked(|v| v.get(i).cloned()).map(|d| (i, d)))>{rw(|w| w.edit)}</button>
                        <button type="button" class="secondary" on:click=move |_| drafts.update(|v| { v.remove(i); })>{rw(|w| w.delete)}</button>
                    </div>
                })}
            </li>
        }
    };
    view! {
        <p class="hint">{rw(|w| w.rules_saved_note)}</p>
        {(!editable).then(|| view! { <p class="notice">{sw(|s| s.sla_readonly)}</p> })}
        <form novalidate on:submit=save>
            {outcome_view(outcome)}
            {move || {
                let list = drafts.get();
                if list.is_empty() {
                    view! { <p class="none">{rw(|w| w.none)}</p> }.into_any()
                } else {
                    view! { <ol class="rows rules">{list.into_iter().enumerate().map(|(i, d)| row(i, d)).collect_view()}</ol> }.into_any()
                }
            }}
            {editable.then(|| view! {
                <div class="buttons">
                    <button type="button" class="secondary"
                        on:click=move |_| editing.set(Some((drafts.with_untracked(Vec::len), Draft { enabled: true, conditions: vec![("text".into(), String::new())], actions: vec![("priority".into(), "P2".into())], ..Draft::default() })))>
                        {rw(|w| w.new_rule)}
                    </button>
                    {submit_button(|s| s.save_rules, outcome)}
                </div>
            })}
        </form>
        {move || editing.get().map(|(i, d)| view! { <Editor index=i draft=d drafts=drafts editing=editing level=level/> })}
    }
}

/// One rule's editor, with the preview.
#[component]
fn Editor(index: usize, draft: Draft, drafts: RwSignal<Vec<Draft>>, editing: RwSignal<Option<(usize, Draft)>>, level: &'static str) -> impl IntoView {
    let console = Console::get();
    let directory = Directory::get();
    let d = RwSignal::new(draft);
    let lang = move || console.lang.get();
    let done = move |_| {
        let draft = d.get_untracked();
        drafts.update(|v| if index < v.len() { v[index] = draft } else { v.push(draft) });
        editing.set(None);
    };
    let taxonomy_hint = move || {
        let t = Taxonomy::default_taxonomy();
        let names = t.categories().iter().map(|c| format!("{} {}", c.id.as_str(), c.name(lang()))).collect::<Vec<_>>().join("、");
        format!("{}{names}", WORDS.get(lang()).categories_hint)
    };
    let condition_row = move |i: usize, field: String, value: String| {
        let fid = format!("cond-field-{i}");
        let vid = format!("cond-value-{i}");
        let set_field = move |ev: leptos::ev::Event| d.update(|x| x.conditions[i].0 = event_target_value(&ev));
        // Typing changes the draft without redrawing the list (the field keeps its focus).
        let set_value = move |ev: leptos::ev::Event| d.update_untracked(|x| x.conditions[i].1 = event_target_value(&ev));
        let value_input = match field.as_str() {
            "order_id" => view! {
                <select id=vid.clone() on:change=set_value>
                    <option value="true" selected=value != "false">{rw(|w| w.yes)}</option>
                    <option value="false" selected=value == "false">{rw(|w| w.no)}</option>
                </select>
            }
            .into_any(),
            "urges" => view! { <input id=vid.clone() type="number" min="1" prop:value=value on:input=set_value/> }.into_any(),
            "category" => view! { <input id=vid.clone() type="text" prop:value=value on:input=set_value title=taxonomy_hint/> }.into_any(),
            _ => view! { <input id=vid.clone() type="text" prop:value=value on:input=set_value placeholder=rw(|w| w.list_hint)/> }.into_any(),
        };
        view! {
            <li class="rule-part">
                <div class="field">
                    <label for=fid.clone()>{rw(|w| w.conditions)}" "{i + 1}</label>
                    <select id=fid on:change=set_field>
                        {FIELDS.iter().map(|(k, _)| view! { <option value=*k selected=field == *k>{move || label(&FIELDS, k, lang())}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for=vid>{rw(|w| w.value)}</label>
                    {value_input}
                </div>
                <button type="button" class="secondary" on:click=move |_| d.update(|x| { x.conditions.remove(i); })>{rw(|w| w.remove)}</button>
            </li>
        }
    };
    let action_row = move |i: usize, kind: String, value: String| {
        let kid = format!("act-kind-{i}");
        let vid = format!("act-value-{i}");
        let set_kind = move |ev: leptos::ev::Event| d.update(|x| x.actions[i] = (event_target_value(&ev), String::new()));
        let set_value = move |ev: leptos::ev::Event| d.update_untracked(|x| x.actions[i].1 = event_target_value(&ev));
        let options = |items: Vec<(String, String)>, value: String| {
            items.into_iter().map(|(id, name)| view! { <option value=id.clone() selected=id == value>{name}</option> }).collect_view()
        };
        let value_input = match kind.as_str() {
            "team" => {
                let teams = directory.teams.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|t| (t.id, t.name)).collect();
                view! { <select id=vid.clone() on:change=set_value><option value="">"—"</option>{options(teams, value)}</select> }.into_any()
            }
            "assignee" | "follower" => {
                view! { <select id=vid.clone() on:change=set_value><option value="">"—"</option>{options(directory.pickable(), value)}</select> }.into_any()
            }
            "priority" => {
                let ps = Priority::ALL.iter().map(|p| (p.as_str().to_string(), format!("{} {}", p.as_str(), p.label(lang())))).collect();
                view! { <select id=vid.clone() on:change=set_value>{options(ps, value)}</select> }.into_any()
            }
            "holder_platform" => view! { <span id=vid.clone()></span> }.into_any(),
            _ => view! { <input id=vid.clone() type="text" prop:value=value on:input=set_value/> }.into_any(),
        };
        view! {
            <li class="rule-part">
                <div class="field">
                    <label for=kid.clone()>{rw(|w| w.actions)}" "{i + 1}</label>
                    <select id=kid on:change=set_kind>
                        {ACTIONS.iter().map(|(k, _)| view! { <option value=*k selected=kind == *k>{move || label(&ACTIONS, k, lang())}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for=vid>{rw(|w| w.value)}</label>
                    {value_input}
                </div>
                <button type="button" class="secondary" on:click=move |_| d.update(|x| { x.actions.remove(i); })>{rw(|w| w.remove)}</button>
            </li>
        }
    };
    // The preview.
    let text = RwSignal::new(String::new());
    let preview = RwSignal::new(None::<Result<Preview, Failure>>);
    let try_it = move |_| {
        let rule = d.get_untracked().json(level);
        let t = text.get_untracked();
        spawn_local(async move { preview.set(Some(api::preview_rule(&rule, &t).await)) });
    };
    let preview_view = move || {
        preview.get().map(|p| match p {
            Err(f) => view! { <div class="alert" role="alert">{console.ui().failure(&f)}</div> }.into_any(),
            Ok(p) => {
                let w = WORDS.get(lang());
                let conditions = d.with(|x| x.conditions.clone());
                let class = format!(
                    "{}：{} · {}",
                    w.classified,
                    crate::i18n::category_name(lang(), p.category.as_deref()),
                    crate::i18n::priority_label(lang(), p.priority.as_deref())
                );
                view! {
                    <div class="preview-result" role="status">
                        <p class=if p.matches { "verdict fires" } else { "verdict" }>{if p.matches { w.fires } else { w.does_not_fire }}</p>
                        <p>{class}</p>
                        <ul>
                            {conditions
                                .iter()
                                .zip(p.conditions.iter())
                                .map(|((f, v), held)| view! { <li>{format!("{} {v}：{}", label(&FIELDS, f, lang()), if *held { w.held } else { w.not_held })}</li> })
                                .collect_view()}
                        </ul>
                    </div>
                }
                .into_any()
            }
        })
    };
    view! {
        <section class="card rule-editor" aria-labelledby="rule-editor-h">
            <h2 id="rule-editor-h">{move || d.with(|x| if x.name.is_empty() { WORDS.get(lang()).new_rule.to_string() } else { x.name.clone() })}</h2>
            <div class="field">
                <label for="rule-name">{rw(|w| w.name)}</label>
                <input id="rule-name" type="text" maxlength="80" prop:value=move || d.with(|x| x.name.clone()) on:input=move |ev| d.update(|x| x.name = event_target_value(&ev))/>
            </div>
            <label class="check">
                <input type="checkbox" prop:checked=move || d.with(|x| x.enabled) on:change=move |ev| d.update(|x| x.enabled = event_target_checked(&ev))/>
                {rw(|w| w.enabled)}
            </label>
            <fieldset>
                <legend>{rw(|w| w.conditions)}</legend>
                <label class="check">
                    <input type="radio" name="rule-match" prop:checked=move || d.with(|x| !x.any) on:change=move |_| d.update(|x| x.any = false)/>
                    {rw(|w| w.all)}
                </label>
                <label class="check">
                    <input type="radio" name="rule-match" prop:checked=move || d.with(|x| x.any) on:change=move |_| d.update(|x| x.any = true)/>
                    {rw(|w| w.any)}
                </label>
                <ul class="rule-parts">
                    {move || d.with(|x| x.conditions.clone()).into_iter().enumerate().map(|(i, (f, v))| condition_row(i, f, v)).collect_view()}
                </ul>
                <button type="button" class="secondary" on:click=move |_| d.update(|x| x.conditions.push(("text".into(), String::new())))>{rw(|w| w.add_condition)}</button>
            </fieldset>
            <fieldset>
                <legend>{rw(|w| w.actions)}</legend>
                <ul class="rule-parts">
                    {move || d.with(|x| x.actions.clone()).into_iter().enumerate().map(|(i, (k, v))| action_row(i, k, v)).collect_view()}
                </ul>
                <button type="button" class="secondary" on:click=move |_| d.update(|x| x.actions.push(("priority".into(), "P2".into())))>{rw(|w| w.add_action)}</button>
            </fieldset>
            <fieldset class="try">
                <legend>{rw(|w| w.try_it)}</legend>
                <div class="field">
                    <label for="rule-try">{rw(|w| w.try_text)}</label>
                    <textarea id="rule-try" rows="3" maxlength="2000" bind:value=text></textarea>
                </div>
                <button type="button" class="secondary" on:click=try_it>{rw(|w| w.try_button)}</button>
                {preview_view}
            </fieldset>
            <div class="buttons">
                <button type="button" class="primary" on:click=done>{rw(|w| w.done)}</button>
                <button type="button" class="secondary" on:click=move |_| editing.set(None)>{rw(|w| w.cancel)}</button>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_round_trips_through_the_editor_rows() {
        let rule = json!({
            "id": "r-1", "name": "退款进退款组", "enabled": true, "level": "merchant", "match": "any",
            "conditions": [{"field": "text", "words": ["退款", "退钱"]}, {"field": "order_id", "present": false}, {"field": "urges", "at_least": 3}],
            "actions": [{"action": "team", "team": "t-1"}, {"action": "holder_platform"}, {"action": "priority", "priority": "P2"}]
        });
        let d = Draft::of(&rule);
        assert_eq!(d.conditions[0], ("text".to_string(), "退款, 退钱".to_string()));
        assert_eq!(d.conditions[1].1, "false");
        assert_eq!(d.json("merchant"), rule);
        let parsed: qingting_shared::workflow::routing::RoutingRule = serde_json::from_value(d.json("merchant")).unwrap();
        assert_eq!(parsed.validate(), Ok(()));
    }
}
