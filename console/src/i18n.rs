//! The console's words, Chinese first: one [`Ui`] per language in [`UI`] (a `PerLang<Ui>`, no
//! runtime lookup tables). Refusals are put in words by their [`ErrorCode`].

use std::sync::OnceLock;

use qingting_shared::accounts::{Membership, Role, Scope};
use qingting_shared::{Category, ErrorCode, Lang, PerLang, Priority, Taxonomy, TicketStatus};

use crate::api::Failure;
use crate::settings::words::{self as settings_words, SettingsWords};

/// Every user-visible string of the console.
pub struct Ui {
    /// The product name in the header and the page titles.
    pub brand: &'static str,
    /// The label of the language switch (visually hidden).
    pub language: &'static str,
    pub sign_in_title: &'static str,
    pub sign_in_intro: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub sign_in: &'static str,
    pub signing_in: &'static str,
    pub sign_out: &'static str,
    pub signing_out: &'static str,
    pub loading: &'static str,
    pub err_email_missing: &'static str,
    pub err_email_invalid: &'static str,
    pub err_password_missing: &'static str,
    pub err_invalid_credentials: &'static str,
    /// `{n}` is replaced by the minutes to wait.
    pub err_too_many_attempts: &'static str,
    pub err_too_many_attempts_later: &'static str,
    pub err_sign_in_required: &'static str,
    pub err_cross_origin: &'static str,
    pub err_network: &'static str,
    pub err_server: &'static str,
    /// Followed by the code.
    pub err_other: &'static str,
    pub load_failed: &'static str,
    pub retry: &'static str,
    /// The main navigation's accessible name.
    pub nav_label: &'static str,
    pub nav_tickets: &'static str,
    pub nav_settings: &'static str,
    /// Before the signed-in user's name and scope (visually hidden).
    pub signed_in_as: &'static str,
    pub scope_platform: &'static str,
    pub scope_merchant: &'static str,
    pub scope_none: &'static str,
    pub role_admin: &'static str,
    pub role_supervisor: &'static str,
    pub role_agent: &'static str,
    pub tickets_title: &'static str,
    /// Before a ticket id from the address.
    pub ticket_title: &'static str,
    pub settings_title: &'static str,
    pub not_found_title: &'static str,
    pub not_found_back: &'static str,
    pub err_not_found: &'static str,
    pub err_forbidden: &'static str,
    pub err_version_conflict: &'static str,
    pub err_action_not_allowed: &'static str,
    pub err_invalid_action: &'static str,
    pub err_invalid_query: &'static str,
    /// The inbox and the ticket page.
    pub tk: TicketWords,
    /// The settings and setup pages.
    pub st: SettingsWords,
}

/// The words of the inbox and the ticket page. `{n}`, `{no}`, `{ok}` are replaced.
pub struct TicketWords {
    pub views: &'static str,
    pub view_mine: &'static str,
    pub view_team_unassigned: &'static str,
    pub view_unresolved: &'static str,
    pub view_urgent: &'static str,
    pub view_waiting: &'static str,
    pub view_platform: &'static str,
    pub view_at_risk: &'static str,
    pub view_breached: &'static str,
    pub view_resolved: &'static str,
    /// After a view's count (visually hidden): "3 条".
    pub count_suffix: &'static str,
    pub filters: &'static str,
    pub status: &'static str,
    pub priority: &'static str,
    pub category: &'static str,
    pub holder: &'static str,
    pub site: &'static str,
    pub any: &'static str,
    pub holder_merchant: &'static str,
    pub holder_platform: &'static str,
    /// A 预警工单 and its original.
    pub alert_kind: &'static str,
    pub alert_original: &'static str,
    pub alert_hint: &'static str,
    /// The customer's rating.
    pub csat: &'static str,
    pub search_label: &'static str,
    pub search_hint: &'static str,
    pub search: &'static str,
    pub clear: &'static str,
    pub sort: &'static str,
    pub sort_newest: &'static str,
    pub sort_oldest: &'static str,
    pub sort_priority: &'static str,
    pub list_label: &'static str,
    pub assignee: &'static str,
    pub age: &'static str,
    pub unassigned: &'static str,
    pub no_priority: &'static str,
    pub no_category: &'static str,
    pub select_ticket: &'static str,
    pub select_page: &'static str,
    pub selected_n: &'static str,
    pub bulk_assign_me: &'static str,
    pub bulk_resolve: &'static str,
    pub bulk_done: &'static str,
    pub bulk_failed: &'static str,
    pub load_more: &'static str,
    pub loading_more: &'static str,
    pub shown_n: &'static str,
    pub end_of_list: &'static str,
    pub empty: &'static str,
    pub just_now: &'static str,
    pub minutes_ago: &'static str,
    pub hours_ago: &'static str,
    pub days_ago: &'static str,
    pub back: &'static str,
    pub complaint: &'static str,
    pub order_id: &'static str,
    pub channel: &'static str,
    pub channel_widget: &'static str,
    pub created: &'static str,
    pub none: &'static str,
    pub classification: &'static str,
    pub drove: &'static str,
    pub team: &'static str,
    pub merged_into: &'static str,
    pub conversation: &'static str,
    pub public_reply: &'static str,
    pub internal_note: &'static str,
    pub author_faq: &'static str,
    pub author_merchant: &'static str,
    pub author_support: &'static str,
    pub customer: &'static str,
    pub system: &'static str,
    pub no_messages: &'static str,
    pub timeline: &'static str,
    pub actions: &'static str,
    pub claim: &'static str,
    pub assign: &'static str,
    pub assign_to: &'static str,
    pub pick_person: &'static str,
    pub transfer: &'static str,
    pub transfer_team: &'static str,
    pub transfer_user: &'static str,
    pub transfer_note: &'static str,
    pub keep: &'static str,
    pub reply: &'static str,
    pub note: &'static str,
    pub compose_reply: &'static str,
    pub compose_note: &'static str,
    pub wait_customer: &'static str,
    pub send_reply: &'static str,
    pub save_note: &'static str,
    pub canned: &'static str,
    pub canned_pick: &'static str,
    pub correct: &'static str,
    pub correct_reason: &'static str,
    pub correct_save: &'static str,
    pub resolve: &'static str,
    pub close: &'static str,
    pub reopen: &'static str,
    pub merge: &'static str,
    pub merge_into: &'static str,
    pub merge_do: &'static str,
    pub merge_unknown: &'static str,
    pub follow: &'static str,
    pub unfollow: &'static str,
    pub shortcuts: &'static str,
    pub shortcuts_hint: &'static str,
    pub key_reply: &'static str,
    pub key_note: &'static str,
    pub key_claim: &'static str,
    pub key_resolve: &'static str,
    pub key_help: &'static str,
    pub close_help: &'static str,
    pub stale_detail: &'static str,
    pub saved: &'static str,
    pub working: &'static str,
    pub text_required: &'static str,
}

const ZH_CN: Ui = Ui {
    brand: "倾听 · 工作台",
    language: "语言",
    sign_in_title: "登录工作台",
    sign_in_intro: "平台与商家的客服人员在这里处理投诉工单。",
    email: "邮箱",
    password: "密码",
    sign_in: "登录",
    signing_in: "正在登录…",
    sign_out: "退出登录",
    signing_out: "正在退出…",
    loading: "正在加载…",
    err_email_missing: "请输入邮箱。",
    err_email_invalid: "邮箱格式不正确，例如 name@example.com。",
    err_password_missing: "请输入密码。",
    err_invalid_credentials: "邮箱或密码不正确，请重新输入。",
    err_too_many_attempts: "尝试次数过多，请 {n} 分钟后再试。",
    err_too_many_attempts_later: "尝试次数过多，请稍后再试。",
    err_sign_in_required: "登录已失效，请重新登录。",
    err_cross_origin: "请求来源不被允许，请直接打开工作台页面再登录。",
    err_network: "网络连接失败，请检查网络后重试。",
    err_server: "服务器出错，请稍后再试。",
    err_other: "操作未成功，错误代码：",
    load_failed: "无法加载您的账号信息。",
    retry: "重试",
    nav_label: "主导航",
    nav_tickets: "工单",
    nav_settings: "设置",
    signed_in_as: "当前登录：",
    scope_platform: "平台",
    scope_merchant: "商家",
    scope_none: "未分配权限",
    role_admin: "管理员",
    role_supervisor: "主管",
    role_agent: "客服",
    tickets_title: "工单",
    ticket_title: "工单",
    settings_title: "设置",
    not_found_title: "页面不存在",
    not_found_back: "返回工单",
    err_not_found: "工单不存在，或您无权查看。",
    err_forbidden: "您没有权限执行此操作。",
    err_version_conflict: "此工单已被他人更新",
    err_action_not_allowed: "工单当前的状态不允许此操作。",
    err_invalid_action: "内容无效，请检查必填项（例如文字不能为空）。",
    err_invalid_query: "筛选条件无效，请修改后重试。",
    st: settings_words::ZH_CN,
    tk: TicketWords {
        views: "视图",
        view_mine: "我的待办",
        view_team_unassigned: "团队待分配",
        view_unresolved: "全部未解决",
        view_urgent: "紧急 P1",
        view_waiting: "等待客户",
        view_platform: "平台介入",
        view_at_risk: "即将超时",
        view_breached: "已超时",
        view_resolved: "已解决",
        count_suffix: "条",
        filters: "筛选",
        status: "状态",
        priority: "优先级",
        category: "分类",
        holder: "处理方",
        site: "站点",
        any: "全部",
        holder_merchant: "商家",
        holder_platform: "平台",
        alert_kind: "预警工单",
        alert_original: "原工单",
        alert_hint: "客户给了低分：请回访客户，记录回访结果（备注或回复）后才能解决。",
        csat: "客户评分",
        search_label: "搜索工单",
        search_hint: "关键词、工单号或订单号",
        search: "搜索",
        clear: "清除筛选",
        sort: "排序",
        sort_newest: "最新在前",
        sort_oldest: "等待最久在前",
        sort_priority: "优先级（P1 在前）",
        list_label: "工单列表",
        assignee: "处理人",
        age: "创建于",
        unassigned: "未分配",
        no_priority: "未定",
        no_category: "未分类",
        select_ticket: "选择工单 {no}",
        select_page: "全选本页",
        selected_n: "已选 {n} 条",
        bulk_assign_me: "分配给我",
        bulk_resolve: "标记已解决",
        bulk_done: "已处理 {ok} 条。",
        bulk_failed: "{n} 条未成功：",
        load_more: "加载更多",
        loading_more: "正在加载…",
        shown_n: "已显示 {n} 条",
        end_of_list: "没有更多了。",
        empty: "此视图下没有工单。",
        just_now: "刚刚",
        minutes_ago: "{n} 分钟前",
        hours_ago: "{n} 小时前",
        days_ago: "{n} 天前",
        back: "返回工单列表",
        complaint: "投诉内容",
        order_id: "订单号",
        channel: "渠道",
        channel_widget: "网页投诉组件",
        created: "提交时间",
        none: "无",
        classification: "分类结果",
        drove: "判断依据（关键词）",
        team: "团队",
        merged_into: "已合并到",
        conversation: "对话",
        public_reply: "公开回复",
        internal_note: "内部备注（客户不可见）",
        author_faq: "自动答复",
        author_merchant: "商家",
        author_support: "平台客服",
        customer: "客户",
        system: "系统",
        no_messages: "还没有回复。",
        timeline: "处理记录",
        actions: "操作",
        claim: "认领",
        assign: "分配",
        assign_to: "分配给",
        pick_person: "选择人员…",
        transfer: "转派",
        transfer_team: "转派到团队",
        transfer_user: "转派给",
        transfer_note: "转派说明",
        keep: "不变",
        reply: "回复客户",
        note: "内部备注",
        compose_reply: "回复内容（客户可见）",
        compose_note: "备注内容（仅员工可见）",
        wait_customer: "等待客户回复",
        send_reply: "发送回复",
        save_note: "添加备注",
        canned: "常用回复",
        canned_pick: "插入常用回复…",
        correct: "更正分类或优先级",
        correct_reason: "更正原因",
        correct_save: "保存更正",
        resolve: "标记已解决",
        close: "关闭工单",
        reopen: "重新打开",
        merge: "合并重复工单",
        merge_into: "合并到（工单号或 ID）",
        merge_do: "合并",
        merge_unknown: "找不到这个工单号。",
        follow: "关注",
        unfollow: "取消关注",
        shortcuts: "键盘快捷键",
        shortcuts_hint: "按 ? 查看快捷键",
        key_reply: "回复客户",
        key_note: "写内部备注",
        key_claim: "认领",
        key_resolve: "标记已解决",
        key_help: "显示或隐藏快捷键",
        close_help: "关闭",
        stale_detail: "下面已显示最新内容；您输入的文字仍保留，请确认后再提交。",
        saved: "已保存。",
        working: "正在提交…",
        text_required: "请先填写内容。",
    },
};

const ZH_TW: Ui = Ui {
    brand: "傾聽 · 工作台",
    language: "語言",
    sign_in_title: "登入工作台",
    sign_in_intro: "平台與商家的客服人員在這裡處理投訴工單。",
    email: "電子郵件",
    password: "密碼",
    sign_in: "登入",
    signing_in: "正在登入…",
    sign_out: "登出",
    signing_out: "正在登出…",
    loading: "載入中…",
    err_email_missing: "請輸入電子郵件。",
    err_email_invalid: "電子郵件格式不正確，例如 name@example.com。",
    err_password_missing: "請輸入密碼。",
    err_invalid_credentials: "電子郵件或密碼不正確，請重新輸入。",
    err_too_many_attempts: "嘗試次數過多，請 {n} 分鐘後再試。",
    err_too_many_attempts_later: "嘗試次數過多，請稍後再試。",
    err_sign_in_required: "登入已失效，請重新登入。",
    err_cross_origin: "請求來源不被允許，請直接開啟工作台頁面再登入。",
    err_network: "網路連線失敗，請檢查網路後重試。",
    err_server: "伺服器出錯，請稍後再試。",
    err_other: "操作未成功，錯誤代碼：",
    load_failed: "無法載入您的帳號資訊。",
    retry: "重試",
    nav_label: "主導覽",
    nav_tickets: "工單",
    nav_settings: "設定",
    signed_in_as: "目前登入：",
    scope_platform: "平台",
    scope_merchant: "商家",
    scope_none: "未分配權限",
    role_admin: "管理員",
    role_supervisor: "主管",
    role_agent: "客服",
    tickets_title: "工單",
    ticket_title: "工單",
    settings_title: "設定",
    not_found_title: "頁面不存在",
    not_found_back: "返回工單",
    err_not_found: "工單不存在，或您無權查看。",
    err_forbidden: "您沒有權限執行此操作。",
    err_version_conflict: "此工單已被他人更新",
    err_action_not_allowed: "工單目前的狀態不允許此操作。",
    err_invalid_action: "內容無效，請檢查必填項（例如文字不能為空）。",
    err_invalid_query: "篩選條件無效，請修改後重試。",
    st: settings_words::ZH_TW,
    tk: TicketWords {
        views: "檢視",
        view_mine: "我的待辦",
        view_team_unassigned: "團隊待分配",
        view_unresolved: "全部未解決",
        view_urgent: "緊急 P1",
        view_waiting: "等待客戶",
        view_platform: "平台介入",
        view_at_risk: "即將超時",
        view_breached: "已超時",
        view_resolved: "已解決",
        count_suffix: "筆",
        filters: "篩選",
        status: "狀態",
        priority: "優先級",
        category: "分類",
        holder: "處理方",
        site: "站點",
        any: "全部",
        holder_merchant: "商家",
        holder_platform: "平台",
        alert_kind: "預警工單",
        alert_original: "原工單",
        alert_hint: "客戶給了低分：請回訪客戶，記錄回訪結果（備註或回覆）後才能解決。",
        csat: "客戶評分",
        search_label: "搜尋工單",
        search_hint: "關鍵字、工單號或訂單號",
        search: "搜尋",
        clear: "清除篩選",
        sort: "排序",
        sort_newest: "最新在前",
        sort_oldest: "等待最久在前",
        sort_priority: "優先級（P1 在前）",
        list_label: "工單列表",
        assignee: "處理人",
        age: "建立於",
        unassigned: "未分配",
        no_priority: "未定",
        no_category: "未分類",
        select_ticket: "選擇工單 {no}",
        select_page: "全選本頁",
        selected_n: "已選 {n} 筆",
        bulk_assign_me: "分配給我",
        bulk_resolve: "標記已解決",
        bulk_done: "已處理 {ok} 筆。",
        bulk_failed: "{n} 筆未成功：",
        load_more: "載入更多",
        loading_more: "載入中…",
        shown_n: "已顯示 {n} 筆",
        end_of_list: "沒有更多了。",
        empty: "此檢視下沒有工單。",
        just_now: "剛剛",
        minutes_ago: "{n} 分鐘前",
        hours_ago: "{n} 小時前",
        days_ago: "{n} 天前",
        back: "返回工單列表",
        complaint: "投訴內容",
        order_id: "訂單號",
        channel: "管道",
        channel_widget: "網頁投訴元件",
        created: "提交時間",
        none: "無",
        classification: "分類結果",
        drove: "判斷依據（關鍵字）",
        team: "團隊",
        merged_into: "已合併到",
        conversation: "對話",
        public_reply: "公開回覆",
        internal_note: "內部備註（客戶不可見）",
        author_faq: "自動答覆",
        author_merchant: "商家",
        author_support: "平台客服",
        customer: "客戶",
        system: "系統",
        no_messages: "還沒有回覆。",
        timeline: "處理紀錄",
        actions: "操作",
        claim: "認領",
        assign: "分配",
        assign_to: "分配給",
        pick_person: "選擇人員…",
        transfer: "轉派",
        transfer_team: "轉派到團隊",
        transfer_user: "轉派給",
        transfer_note: "轉派說明",
        keep: "不變",
        reply: "回覆客戶",
        note: "內部備註",
        compose_reply: "回覆內容（客戶可見）",
        compose_note: "備註內容（僅員工可見）",
        wait_customer: "等待客戶回覆",
        send_reply: "送出回覆",
        save_note: "新增備註",
        canned: "常用回覆",
        canned_pick: "插入常用回覆…",
        correct: "更正分類或優先級",
        correct_reason: "更正原因",
        correct_save: "儲存更正",
        resolve: "標記已解決",
        close: "關閉工單",
        reopen: "重新開啟",
        merge: "合併重複工單",
        merge_into: "合併到（工單號或 ID）",
        merge_do: "合併",
        merge_unknown: "找不到這個工單號。",
        follow: "關注",
        unfollow: "取消關注",
        shortcuts: "鍵盤快速鍵",
        shortcuts_hint: "按 ? 查看快速鍵",
        key_reply: "回覆客戶",
        key_note: "寫內部備註",
        key_claim: "認領",
        key_resolve: "標記已解決",
        key_help: "顯示或隱藏快速鍵",
        close_help: "關閉",
        stale_detail: "下方已顯示最新內容；您輸入的文字仍保留，請確認後再提交。",
        saved: "已儲存。",
        working: "正在提交…",
        text_required: "請先填寫內容。",
    },
};

const EN: Ui = Ui {
    brand: "Qingting · Console",
    language: "Language",
    sign_in_title: "Sign in to the console",
    sign_in_intro: "Platform and merchant staff handle complaint tickets here.",
    email: "Email",
    password: "Password",
    sign_in: "Sign in",
    signing_in: "Signing in…",
    sign_out: "Sign out",
    signing_out: "Signing out…",
    loading: "Loading…",
    err_email_missing: "Enter your email address.",
    err_email_invalid: "Enter an email address like name@example.com.",
    err_password_missing: "Enter your password.",
    err_invalid_credentials: "The email or password is not right. Please try again.",
    err_too_many_attempts: "Too many attempts. Try again in {n} minutes.",
    err_too_many_attempts_later: "Too many attempts. Try again later.",
    err_sign_in_required: "Your session has ended. Please sign in again.",
    err_cross_origin: "This request came from another site. Open the console page itself and sign in there.",
    err_network: "Cannot reach the server. Check your connection and try again.",
    err_server: "The server had a problem. Please try again later.",
    err_other: "That did not work. Error code: ",
    load_failed: "Your account could not be loaded.",
    retry: "Try again",
    nav_label: "Main",
    nav_tickets: "Tickets",
    nav_settings: "Settings",
    signed_in_as: "Signed in as ",
    scope_platform: "Platform",
    scope_merchant: "Merchant",
    scope_none: "No role yet",
    role_admin: "Admin",
    role_supervisor: "Supervisor",
    role_agent: "Agent",
    tickets_title: "Tickets",
    ticket_title: "Ticket",
    settings_title: "Settings",
    not_found_title: "Page not found",
    not_found_back: "Back to tickets",
    err_not_found: "This ticket does not exist, or you may not see it.",
    err_forbidden: "You are not allowed to do this.",
    err_version_conflict: "Someone else has updated this ticket",
    err_action_not_allowed: "The ticket's status does not allow this.",
    err_invalid_action: "Something is missing or not valid (for example, the text cannot be empty).",
    err_invalid_query: "These filters are not valid. Change them and try again.",
    st: settings_words::EN,
    tk: TicketWords {
        views: "Views",
        view_mine: "My open tickets",
        view_team_unassigned: "Unassigned",
        view_unresolved: "All unresolved",
        view_urgent: "Urgent P1",
        view_waiting: "Waiting on customer",
        view_platform: "Platform stepped in",
        view_at_risk: "Due soon",
        view_breached: "Breached",
        view_resolved: "Resolved",
        count_suffix: "tickets",
        filters: "Filters",
        status: "Status",
        priority: "Priority",
        category: "Category",
        holder: "Held by",
        site: "Site",
        any: "Any",
        holder_merchant: "Merchant",
        holder_platform: "Platform",
        alert_kind: "Alert ticket",
        alert_original: "Original ticket",
        alert_hint: "A customer gave a low score: follow up with them and record it (a note or a reply) before resolving.",
        csat: "Customer rating",
        search_label: "Search tickets",
        search_hint: "Words, ticket number or order id",
        search: "Search",
        clear: "Clear filters",
        sort: "Sort",
        sort_newest: "Newest first",
        sort_oldest: "Waiting longest first",
        sort_priority: "Priority (P1 first)",
        list_label: "Tickets",
        assignee: "Assignee",
        age: "Created",
        unassigned: "Unassigned",
        no_priority: "None",
        no_category: "Uncategorised",
        select_ticket: "Select ticket {no}",
        select_page: "Select all on this page",
        selected_n: "{n} selected",
        bulk_assign_me: "Assign to me",
        bulk_resolve: "Resolve",
        bulk_done: "{ok} done.",
        bulk_failed: "{n} not done: ",
        load_more: "Load more",
        loading_more: "Loading…",
        shown_n: "{n} shown",
        end_of_list: "That is all.",
        empty: "No tickets in this view.",
        just_now: "just now",
        minutes_ago: "{n} min ago",
        hours_ago: "{n} h ago",
        days_ago: "{n} days ago",
        back: "Back to tickets",
        complaint: "Complaint",
        order_id: "Order id",
        channel: "Channel",
        channel_widget: "Web widget",
        created: "Submitted",
        none: "None",
        classification: "Classification",
        drove: "Words that decided it",
        team: "Team",
        merged_into: "Merged into",
        conversation: "Conversation",
        public_reply: "Public reply",
        internal_note: "Internal note (not shown to the customer)",
        author_faq: "Automatic answer",
        author_merchant: "Merchant",
        author_support: "Platform support",
        customer: "Customer",
        system: "System",
        no_messages: "No replies yet.",
        timeline: "History",
        actions: "Actions",
        claim: "Claim",
        assign: "Assign",
        assign_to: "Assign to",
        pick_person: "Choose a person…",
        transfer: "Transfer",
        transfer_team: "To team",
        transfer_user: "To person",
        transfer_note: "Why",
        keep: "Unchanged",
        reply: "Reply",
        note: "Internal note",
        compose_reply: "Reply (the customer reads it)",
        compose_note: "Note (staff only)",
        wait_customer: "Wait for the customer's answer",
        send_reply: "Send reply",
        save_note: "Add note",
        canned: "Canned replies",
        canned_pick: "Insert a canned reply…",
        correct: "Correct category or priority",
        correct_reason: "Reason",
        correct_save: "Save correction",
        resolve: "Resolve",
        close: "Close ticket",
        reopen: "Reopen",
        merge: "Merge a duplicate",
        merge_into: "Merge into (ticket number or id)",
        merge_do: "Merge",
        merge_unknown: "No ticket has this number.",
        follow: "Follow",
        unfollow: "Unfollow",
        shortcuts: "Keyboard shortcuts",
        shortcuts_hint: "Press ? for shortcuts",
        key_reply: "Reply",
        key_note: "Write an internal note",
        key_claim: "Claim",
        key_resolve: "Resolve",
        key_help: "Show or hide shortcuts",
        close_help: "Close",
        stale_detail: "The latest version is shown below; your text is kept. Check it and send again.",
        saved: "Saved.",
        working: "Sending…",
        text_required: "Write something first.",
    },
};

/// The words in every language.
pub const UI: PerLang<Ui> = PerLang::new(ZH_CN, ZH_TW, EN);

/// The words in `lang`.
pub fn ui(lang: Lang) -> &'static Ui {
    let all: &'static PerLang<Ui> = &UI;
    all.get(lang)
}

impl Ui {
    /// A failed call in words, by its [`ErrorCode`]; `too_many_attempts` with the wait from
    /// `Retry-After` in whole minutes (at least one).
    pub fn failure(&self, failure: &Failure) -> String {
        let Failure::Refused { status, code, retry_after, .. } = failure else { return self.err_network.to_string() };
        match code {
            Some(ErrorCode::InvalidCredentials) => self.err_invalid_credentials.to_string(),
            Some(ErrorCode::TooManyAttempts) => match retry_after {
                Some(secs) => self.err_too_many_attempts.replace("{n}", &secs.div_ceil(60).max(1).to_string()),
                None => self.err_too_many_attempts_later.to_string(),
            },
            Some(ErrorCode::SignInRequired) => self.err_sign_in_required.to_string(),
            Some(ErrorCode::CrossOrigin) => self.err_cross_origin.to_string(),
            Some(ErrorCode::InvalidEmail) => self.err_email_invalid.to_string(),
            Some(ErrorCode::Internal | ErrorCode::ServerMisconfigured) => self.err_server.to_string(),
            Some(ErrorCode::NotFound) => self.err_not_found.to_string(),
            Some(ErrorCode::Forbidden) => self.err_forbidden.to_string(),
            Some(ErrorCode::VersionConflict) => self.err_version_conflict.to_string(),
            Some(ErrorCode::ActionNotAllowed) => self.err_action_not_allowed.to_string(),
            Some(ErrorCode::InvalidAction) => self.err_invalid_action.to_string(),
            Some(ErrorCode::InvalidQuery) => self.err_invalid_query.to_string(),
            Some(ErrorCode::EmailTaken) => self.st.err_email_taken.to_string(),
            Some(ErrorCode::TeamNameTaken) => self.st.err_team_name_taken.to_string(),
            Some(ErrorCode::CannotDeactivateSelf) => self.st.err_cannot_deactivate_self.to_string(),
            Some(ErrorCode::NotInvited) => self.st.err_not_invited.to_string(),
            Some(ErrorCode::WrongPassword) => self.st.err_wrong_password.to_string(),
            Some(ErrorCode::InvalidPassword) => self.st.err_password_length.to_string(),
            Some(ErrorCode::InvalidSetupToken) => self.st.err_setup_invalid.to_string(),
            Some(ErrorCode::SetupTokenExpired) => self.st.err_setup_expired.to_string(),
            Some(ErrorCode::SetupTokenUsed) => self.st.err_setup_used.to_string(),
            Some(ErrorCode::InvalidConfig | ErrorCode::InvalidDestination | ErrorCode::InvalidFaqPack | ErrorCode::InvalidSite | ErrorCode::UnknownFaq) => {
                format!("{}{}", self.st.err_invalid_settings, failure_detail(failure))
            }
            Some(ErrorCode::InvalidJson) => format!("{}{}", self.st.err_invalid_json, failure_detail(failure)),
            Some(code) => format!("{}{}", self.err_other, code.as_str()),
            None if *status >= 500 => self.err_server.to_string(),
            None => format!("{}{status}", self.err_other),
        }
    }

    /// What a membership is, e.g. "平台 · 管理员" or "商家 m-1 · 客服".
    pub fn membership(&self, m: &Membership, merchant_name: Option<&str>) -> String {
        let role = match m.role {
            Role::Admin => self.role_admin,
            Role::Supervisor => self.role_supervisor,
            Role::Agent => self.role_agent,
        };
        match &m.scope {
            Scope::Platform => format!("{} · {role}", self.scope_platform),
            Scope::Merchant(id) => match merchant_name {
                Some(name) => format!("{name} · {role}"),
                None => format!("{} {id} · {role}", self.scope_merchant),
            },
        }
    }
}

/// The server's own words about a refused setting (which field, which rule): they name fields
/// and rules precisely, in English; shown after the localised lead-in.
fn failure_detail(failure: &Failure) -> &str {
    match failure {
        Failure::Refused { message, .. } => message,
        Failure::Network => "",
    }
}

/// A status as staff read it (`待处理`, `处理中` …); an unknown one as it came.
pub fn status_label(lang: Lang, status: &str) -> String {
    TicketStatus::parse(status).map_or_else(|| status.to_string(), |s| s.staff_label(lang).to_string())
}

/// A priority's short label (`P1 紧急`); `None` in words.
pub fn priority_label(lang: Lang, priority: Option<&str>) -> String {
    match priority.and_then(Priority::parse) {
        Some(p) => format!("{} {}", p.as_str(), p.label(lang)),
        None => ui(lang).tk.no_priority.to_string(),
    }
}

fn taxonomy() -> &'static Taxonomy {
    static TAXONOMY: OnceLock<Taxonomy> = OnceLock::new();
    TAXONOMY.get_or_init(Taxonomy::default_taxonomy)
}

/// Every category id of the default taxonomy with its name.
pub fn categories(lang: Lang) -> Vec<(String, String)> {
    taxonomy().categories().iter().map(|c| (c.id.as_str().to_string(), c.name(lang).to_string())).collect()
}

/// A category's name; `None` in words.
pub fn category_name(lang: Lang, category: Option<&str>) -> String {
    match category {
        Some(id) => taxonomy().name(&Category::new(id), lang).to_string(),
        None => ui(lang).tk.no_category.to_string(),
    }
}

/// What a timeline event did, in words.
pub fn event_label(lang: Lang, kind: &str) -> &'static str {
    let [zh_cn, zh_tw, en] = match kind {
        "created" => ["创建工单", "建立工單", "Created"],
        "claimed" => ["认领", "認領", "Claimed"],
        "assigned" => ["分配", "分配", "Assigned"],
        "transferred" => ["转派", "轉派", "Transferred"],
        "replied" => ["公开回复", "公開回覆", "Replied"],
        "noted" => ["内部备注", "內部備註", "Added a note"],
        "corrected" => ["更正分类", "更正分類", "Corrected the classification"],
        "resolved" => ["标记已解决", "標記已解決", "Resolved"],
        "closed" => ["关闭", "關閉", "Closed"],
        "reopened" => ["重新打开", "重新開啟", "Reopened"],
        "merged" => ["合并到其他工单", "合併到其他工單", "Merged"],
        "followed" => ["关注", "關注", "Followed"],
        "unfollowed" => ["取消关注", "取消關注", "Unfollowed"],
        "customer_reopened" => ["客户表示未解决", "客戶表示未解決", "Customer says not solved"],
        "customer_messaged" => ["客户补充信息", "客戶補充資訊", "Customer added information"],
        "escalated" => ["平台介入", "平台介入", "The platform stepped in"],
        "routed" => ["按分配规则处理", "按分配規則處理", "Routing rules applied"],
        "customer_urged" => ["客户催单", "客戶催單", "Customer urged"],
        _ => ["其他变更", "其他變更", "Other change"],
    };
    PerLang::new(zh_cn, zh_tw, en).get(lang)
}

/// Why the platform stepped in (an `escalated` event's reason).
pub fn escalation_reason(lang: Lang, reason: &str) -> &'static str {
    let [zh_cn, zh_tw, en] = match reason {
        "merchant_window" => ["商家未在时限内首次回复", "商家未在時限內首次回覆", "The merchant did not answer in time"],
        "urgent" => ["P1 紧急工单，平台直接处理", "P1 緊急工單，平台直接處理", "P1: the platform handles it at once"],
        "unresolved" => ["客户表示商家的处理未解决问题", "客戶表示商家的處理未解決問題", "The customer says the merchant's resolution did not solve it"],
        "urged" => ["客户多次催单", "客戶多次催單", "The customer urged repeatedly"],
        _ => ["", "", ""],
    };
    PerLang::new(zh_cn, zh_tw, en).get(lang)
}

/// Words of the SLA clocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlaWord {
    /// The inbox column and the ticket's panel.
    Sla,
    FirstResponse,
    Resolution,
    /// The resolution clock waits with the ticket.
    Paused,
    /// The first response was given.
    Answered,
    Breached,
    MerchantWindow,
}

pub fn sla_word(lang: Lang, w: SlaWord) -> &'static str {
    let [zh_cn, zh_tw, en] = match w {
        SlaWord::Sla => ["时效", "時效", "SLA"],
        SlaWord::FirstResponse => ["首次响应", "首次回應", "First response"],
        SlaWord::Resolution => ["解决", "解決", "Resolution"],
        SlaWord::Paused => ["已暂停（等待客户）", "已暫停（等待客戶）", "Paused (waiting on the customer)"],
        SlaWord::Answered => ["已响应", "已回應", "Answered"],
        SlaWord::Breached => ["已超时", "已超時", "Breached"],
        SlaWord::MerchantWindow => ["商家处理时限", "商家處理時限", "Merchant's window"],
    };
    PerLang::new(zh_cn, zh_tw, en).get(lang)
}

/// The 接单 switch's label and its hint.
pub fn availability_words(lang: Lang) -> (&'static str, &'static str) {
    *PerLang::new(
        ("接单", "开启时，团队的新工单会自动分给你（不超过你的上限）。"),
        ("接單", "開啟時，團隊的新工單會自動分給你（不超過你的上限）。"),
        ("Taking tickets", "When on, your teams' new tickets are handed to you, up to your limit."),
    )
    .get(lang)
}

/// A length of time in whole minutes, hours or days ("35 分钟", "2 小时", "3 天").
pub fn duration(lang: Lang, minutes: u64) -> String {
    let (n, unit) = match minutes {
        0..60 => (minutes, 0),
        60..1440 => (minutes / 60, 1),
        _ => (minutes / 1440, 2),
    };
    let units = *PerLang::new(["分钟", "小时", "天"], ["分鐘", "小時", "天"], [" min", " h", " d"]).get(lang);
    if lang == Lang::En { format!("{n}{}", units[unit]) } else { format!("{n} {}", units[unit]) }
}

/// How a due time stands at `now`: "剩 35 分钟" before it, "超时 5 分钟" after it (`true`).
pub fn due_in(lang: Lang, due_ms: f64, now_ms: f64) -> (String, bool) {
    let overdue = now_ms >= due_ms;
    let minutes = ((due_ms - now_ms).abs() / 60_000.0) as u64;
    let [before, after] = *PerLang::new(["剩 {t}", "超时 {t}"], ["剩 {t}", "超時 {t}"], ["{t} left", "{t} overdue"]).get(lang);
    (if overdue { after } else { before }.replace("{t}", &duration(lang, minutes)), overdue)
}

/// How long ago something happened, from milliseconds since the epoch.
pub fn age(lang: Lang, then_ms: f64, now_ms: f64) -> String {
    let tk = &ui(lang).tk;
    let minutes = ((now_ms - then_ms) / 60_000.0).max(0.0) as u64;
    match minutes {
        0 => tk.just_now.to_string(),
        1..60 => tk.minutes_ago.replace("{n}", &minutes.to_string()),
        60..1440 => tk.hours_ago.replace("{n}", &(minutes / 60).to_string()),
        _ => tk.days_ago.replace("{n}", &(minutes / 1440).to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(code: ErrorCode, retry_after: Option<u32>) -> Failure {
        Failure::Refused { status: code.status(), code: Some(code), message: "m".into(), retry_after }
    }

    #[test]
    fn due_times_read_as_time_left_or_overdue() {
        let now = 1_000_000_000_000.0;
        assert_eq!(due_in(Lang::ZhCn, now + 35.0 * 60_000.0, now), ("剩 35 分钟".to_string(), false));
        assert_eq!(due_in(Lang::ZhCn, now - 5.0 * 60_000.0, now), ("超时 5 分钟".to_string(), true));
        assert_eq!(due_in(Lang::En, now + 3.0 * 3_600_000.0, now), ("3 h left".to_string(), false));
        assert_eq!(duration(Lang::ZhTw, 3 * 1440), "3 天");
    }

    #[test]
    fn every_language_has_its_own_words() {
        assert_ne!(UI.zh_cn.sign_in, UI.en.sign_in);
        assert_ne!(UI.zh_cn.brand, UI.zh_tw.brand);
        for (_, ui) in UI.iter() {
            assert!(ui.err_too_many_attempts.contains("{n}"));
        }
    }

    #[test]
    fn refusals_in_words_by_code() {
        let zh = ui(Lang::ZhCn);
        assert_eq!(zh.failure(&refused(ErrorCode::InvalidCredentials, None)), zh.err_invalid_credentials);
        assert_eq!(zh.failure(&refused(ErrorCode::TooManyAttempts, Some(61))), "尝试次数过多，请 2 分钟后再试。");
        assert_eq!(zh.failure(&refused(ErrorCode::TooManyAttempts, Some(5))), "尝试次数过多，请 1 分钟后再试。");
        assert_eq!(ui(Lang::En).failure(&refused(ErrorCode::TooManyAttempts, Some(900))), "Too many attempts. Try again in 15 minutes.");
        assert_eq!(zh.failure(&refused(ErrorCode::TooManyAttempts, None)), zh.err_too_many_attempts_later);
        assert_eq!(zh.failure(&refused(ErrorCode::Internal, None)), zh.err_server);
        assert_eq!(zh.failure(&Failure::Network), zh.err_network);
        assert_eq!(zh.failure(&refused(ErrorCode::UnknownEvent, None)), "操作未成功，错误代码：unknown_event");
        // Settings refusals: the lead-in in words, then the server's detail (it names the field).
        let detail = Failure::Refused { status: 400, code: Some(ErrorCode::InvalidDestination), message: "destination hook: …".into(), retry_after: None };
        assert_eq!(zh.failure(&detail), "设置未保存：destination hook: …");
        assert_eq!(zh.failure(&refused(ErrorCode::EmailTaken, None)), zh.st.err_email_taken);
        assert_eq!(ui(Lang::ZhTw).failure(&refused(ErrorCode::SetupTokenExpired, None)), ui(Lang::ZhTw).st.err_setup_expired);
    }

    #[test]
    fn ticket_words() {
        assert_eq!(status_label(Lang::ZhCn, "waiting_customer"), "等待客户");
        assert_eq!(status_label(Lang::En, "new"), "New");
        assert_eq!(priority_label(Lang::ZhCn, Some("P1")), "P1 紧急");
        assert_eq!(priority_label(Lang::ZhCn, None), "未定");
        assert_eq!(category_name(Lang::ZhTw, Some("delivery")), "配送問題");
        assert_eq!(event_label(Lang::ZhCn, "claimed"), "认领");
        let zh = ui(Lang::ZhCn);
        assert_eq!(zh.failure(&refused(ErrorCode::VersionConflict, None)), "此工单已被他人更新");
        assert_eq!(age(Lang::ZhCn, 0.0, 30_000.0), "刚刚");
        assert_eq!(age(Lang::ZhCn, 0.0, 5.0 * 60_000.0), "5 分钟前");
        assert_eq!(age(Lang::En, 0.0, 3.0 * 3_600_000.0), "3 h ago");
        assert_eq!(age(Lang::ZhTw, 0.0, 49.0 * 3_600_000.0), "2 天前");
    }

    #[test]
    fn memberships_in_words() {
        let zh = ui(Lang::ZhCn);
        assert_eq!(zh.membership(&Membership::platform(Role::Admin), None), "平台 · 管理员");
        assert_eq!(zh.membership(&Membership::merchant("m-1", Role::Agent), None), "商家 m-1 · 客服");
        assert_eq!(zh.membership(&Membership::merchant("m-1", Role::Agent), Some("老街小馆")), "老街小馆 · 客服");
    }
}

/// One of the ticket pages' words, chosen at run time (a view's name, a status message).
pub type TicketWord = fn(&TicketWords) -> &'static str;
