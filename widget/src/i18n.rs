//! The widget's words, Chinese first. One struct per language, [`UI`] holds the three; no runtime
//! lookup tables.

use qingting_shared::{ErrorCode, Lang, PerLang};

/// Every user-visible string of the widget.
pub struct Ui {
    pub title: &'static str,
    pub close: &'static str,
    pub text_label: &'static str,
    pub text_placeholder: &'static str,
    pub order_label: &'static str,
    pub contact_label: &'static str,
    pub contact_placeholder: &'static str,
    pub live_label: &'static str,
    pub not_complaint: &'static str,
    pub priority_label: &'static str,
    /// Before the words that drove the classification.
    pub because: &'static str,
    pub list_sep: &'static str,
    pub pii_notice: &'static str,
    pub submit: &'static str,
    pub submitting: &'static str,
    pub retry: &'static str,
    pub received_title: &'static str,
    pub ticket_label: &'static str,
    pub status_label: &'static str,
    pub category_label: &'static str,
    pub new_complaint: &'static str,
    pub err_network: &'static str,
    pub err_text_empty: &'static str,
    pub err_text_too_long: &'static str,
    pub err_origin: &'static str,
    pub err_site: &'static str,
    pub err_invalid: &'static str,
    pub err_server: &'static str,
    pub draft_restored: &'static str,
    pub faq_title: &'static str,
    pub faq_solved: &'static str,
    pub faq_still: &'static str,
    pub faq_thanks: &'static str,
    /// Above the FAQ answer on the receipt.
    pub reply_title: &'static str,
    pub reply_solved: &'static str,
    pub reply_unsolved: &'static str,
    pub reply_solved_note: &'static str,
    pub reply_reopened_note: &'static str,
    pub reply_question: &'static str,
    pub reply_sending: &'static str,
    pub reply_err: &'static str,
    pub reply_already: &'static str,
    /// 我的投诉 and a ticket's page.
    pub sp: Space,
}

/// The words of the customer's space.
pub struct Space {
    pub rated: &'static str,
    pub view_progress: &'static str,
    pub no_storage: &'static str,
    pub tab_new: &'static str,
    pub tab_mine: &'static str,
    pub mine_empty: &'static str,
    pub mine_loading: &'static str,
    pub mine_err: &'static str,
    pub unread: &'static str,
    pub promised: &'static str,
    pub back: &'static str,
    pub timeline: &'static str,
    pub support: &'static str,
    pub merchant: &'static str,
    pub faq: &'static str,
    pub add_label: &'static str,
    pub add_send: &'static str,
    pub add_sent: &'static str,
    pub urge: &'static str,
    pub urge_sent: &'static str,
    pub urge_wait: &'static str,
    pub unsolved: &'static str,
    pub unsolved_sent: &'static str,
    pub follow_up: &'static str,
    pub solved: &'static str,
    pub solved_sent: &'static str,
    pub rate_q: &'static str,
    pub rate_reason: &'static str,
    pub rate_comment: &'static str,
    pub rate_send: &'static str,
    pub rate_thanks: &'static str,
    pub score_1: &'static str,
    pub score_5: &'static str,
    pub waiting_net: &'static str,
    /// Over the rate limit: the complaint waits and is sent again by itself.
    pub waiting_busy: &'static str,
    pub masked_preview: &'static str,
    pub refused: &'static str,
}

const ZH_CN: Ui = Ui {
    title: "投诉与反馈",
    close: "关闭",
    text_label: "请描述您遇到的问题",
    text_placeholder: "例如：外卖等了两个小时还没送到……",
    order_label: "订单号",
    contact_label: "联系方式（选填）",
    contact_placeholder: "手机号或邮箱，方便商家联系您",
    live_label: "自动识别",
    not_complaint: "看起来不是投诉，仍可提交",
    priority_label: "优先级",
    because: "依据：",
    list_sep: "、",
    pii_notice: "提交时将自动隐藏文中的手机号、身份证号、银行卡号等个人信息。",
    submit: "提交投诉",
    submitting: "提交中…",
    retry: "重新提交",
    received_title: "我们已收到您的投诉",
    ticket_label: "工单号",
    status_label: "状态",
    category_label: "分类",
    new_complaint: "再提交一条",
    err_network: "网络连接失败。您填写的内容已保留，请稍后点击“重新提交”，不会重复创建工单。",
    err_text_empty: "请先填写投诉内容。",
    err_text_too_long: "内容过长，请删减到 2000 字以内。",
    err_origin: "此页面暂未开通投诉服务，请联系商家。",
    err_site: "商家配置有误（站点不存在），请联系商家。",
    err_invalid: "提交的内容有误：",
    err_server: "服务暂时不可用。您填写的内容已保留，请稍后重试。",
    draft_restored: "已恢复您上次未提交的内容。",
    faq_title: "这些解答也许能帮到您",
    faq_solved: "这解决了我的问题",
    faq_still: "仍要投诉",
    faq_thanks: "很高兴帮到您！如还有问题，仍可随时提交投诉。",
    reply_title: "自动答复",
    reply_solved: "已解决",
    reply_unsolved: "未解决，转人工处理",
    reply_solved_note: "感谢您的反馈！",
    reply_reopened_note: "已转交人工处理，请留意商家或客服的回复。",
    reply_question: "这个答复解决您的问题了吗？",
    reply_sending: "正在转交…",
    reply_err: "暂时无法转交，请稍后再试。",
    reply_already: "这张工单已在处理中，无需再次转交。",
    sp: Space {
        no_storage: "您的浏览器禁止了第三方存储：离开此页面后，这台设备上的“我的投诉”不会保留。请记下工单号。",
        view_progress: "查看处理进展",
        rated: "您的评分",
        tab_new: "提交投诉",
        tab_mine: "我的投诉",
        mine_empty: "这台设备上还没有您提交的投诉。",
        mine_loading: "正在读取…",
        mine_err: "暂时无法读取最新进展，请稍后再试。",
        unread: "条新回复",
        promised: "预计解决",
        back: "返回我的投诉",
        timeline: "处理进展",
        support: "平台客服",
        merchant: "商家",
        faq: "自动答复",
        add_label: "补充信息",
        add_send: "发送补充",
        add_sent: "已补充，处理人员会看到。",
        urge: "催一下",
        urge_sent: "已催促处理人员，请耐心等待。",
        urge_wait: "刚刚催过了，请稍后再催（约 {} 分钟后）。",
        unsolved: "未解决",
        unsolved_sent: "已重新交给处理人员。",
        follow_up: "已为您新建关联工单：",
        solved: "已解决",
        solved_sent: "感谢确认！",
        rate_q: "您对这次处理满意吗？（1 分最不满意，5 分最满意）",
        rate_reason: "主要原因",
        rate_comment: "还想说点什么（选填）",
        rate_send: "提交评价",
        rate_thanks: "感谢您的评价！",
        score_1: "非常不满意",
        score_5: "非常满意",
        waiting_net: "网络已断开：您的投诉已保存在本机，联网后会自动发送，不会重复提交。",
        waiting_busy: "提交太频繁了：您的投诉已保存，稍等片刻会自动重新发送，不会重复提交。",
        masked_preview: "将发送的内容（号码已隐藏）：",
        refused: "操作未成功：",
    },
};

const ZH_TW: Ui = Ui {
    title: "投訴與反饋",
    close: "關閉",
    text_label: "請描述您遇到的問題",
    text_placeholder: "例如：外賣等了兩個小時還沒送到……",
    order_label: "訂單號",
    contact_label: "聯絡方式（選填）",
    contact_placeholder: "手機號或電郵，方便商家聯絡您",
    live_label: "自動識別",
    not_complaint: "看起來不是投訴，仍可提交",
    priority_label: "優先級",
    because: "依據：",
    list_sep: "、",
    pii_notice: "提交時將自動隱藏文中的手機號、身分證號、銀行卡號等個人資料。",
    submit: "提交投訴",
    submitting: "提交中…",
    retry: "重新提交",
    received_title: "我們已收到您的投訴",
    ticket_label: "工單號",
    status_label: "狀態",
    category_label: "分類",
    new_complaint: "再提交一條",
    err_network: "網路連線失敗。您填寫的內容已保留，請稍後點擊「重新提交」，不會重複建立工單。",
    err_text_empty: "請先填寫投訴內容。",
    err_text_too_long: "內容過長，請刪減到 2000 字以內。",
    err_origin: "此頁面暫未開通投訴服務，請聯絡商家。",
    err_site: "商家設定有誤（站點不存在），請聯絡商家。",
    err_invalid: "提交的內容有誤：",
    err_server: "服務暫時無法使用。您填寫的內容已保留，請稍後重試。",
    draft_restored: "已恢復您上次未提交的內容。",
    faq_title: "這些解答也許能幫到您",
    faq_solved: "這解決了我的問題",
    faq_still: "仍要投訴",
    faq_thanks: "很高興幫到您！如還有問題，仍可隨時提交投訴。",
    reply_title: "自動答覆",
    reply_solved: "已解決",
    reply_unsolved: "未解決，轉人工處理",
    reply_solved_note: "感謝您的回饋！",
    reply_reopened_note: "已轉交人工處理，請留意商家或客服的回覆。",
    reply_question: "這個答覆解決您的問題了嗎？",
    reply_sending: "正在轉交…",
    reply_err: "暫時無法轉交，請稍後再試。",
    reply_already: "這張工單已在處理中，無需再次轉交。",
    sp: Space {
        no_storage: "您的瀏覽器禁止了第三方儲存：離開此頁面後，這台裝置上的「我的投訴」不會保留。請記下工單號。",
        view_progress: "查看處理進展",
        rated: "您的評分",
        tab_new: "提交投訴",
        tab_mine: "我的投訴",
        mine_empty: "這台裝置上還沒有您提交的投訴。",
        mine_loading: "正在讀取…",
        mine_err: "暫時無法讀取最新進展，請稍後再試。",
        unread: "則新回覆",
        promised: "預計解決",
        back: "返回我的投訴",
        timeline: "處理進展",
        support: "平台客服",
        merchant: "商家",
        faq: "自動答覆",
        add_label: "補充資訊",
        add_send: "送出補充",
        add_sent: "已補充，處理人員會看到。",
        urge: "催一下",
        urge_sent: "已催促處理人員，請耐心等候。",
        urge_wait: "剛剛催過了，請稍後再催（約 {} 分鐘後）。",
        unsolved: "未解決",
        unsolved_sent: "已重新交給處理人員。",
        follow_up: "已為您新建關聯工單：",
        solved: "已解決",
        solved_sent: "感謝確認！",
        rate_q: "您對這次處理滿意嗎？（1 分最不滿意，5 分最滿意）",
        rate_reason: "主要原因",
        rate_comment: "還想說點什麼（選填）",
        rate_send: "提交評價",
        rate_thanks: "感謝您的評價！",
        score_1: "非常不滿意",
        score_5: "非常滿意",
        waiting_net: "網路已中斷：您的投訴已保存在本機，連網後會自動送出，不會重複提交。",
        waiting_busy: "送出太頻繁了：您的投訴已保存，稍候片刻會自動重新送出，不會重複提交。",
        masked_preview: "將送出的內容（號碼已隱藏）：",
        refused: "操作未成功：",
    },
};

const EN: Ui = Ui {
    title: "Complaints & feedback",
    close: "Close",
    text_label: "What went wrong?",
    text_placeholder: "e.g. My order is two hours late…",
    order_label: "Order number",
    contact_label: "Contact (optional)",
    contact_placeholder: "Phone or e-mail, so the merchant can reach you",
    live_label: "Detected",
    not_complaint: "This does not look like a complaint; you can still send it",
    priority_label: "Priority",
    because: "because of: ",
    list_sep: ", ",
    pii_notice: "Phone, ID and card numbers in your text will be hidden when you submit.",
    submit: "Submit complaint",
    submitting: "Submitting…",
    retry: "Try again",
    received_title: "We have received your complaint",
    ticket_label: "Ticket",
    status_label: "Status",
    category_label: "Category",
    new_complaint: "Submit another",
    err_network: "Network error. Your text is kept; press “Try again” later — it will not create a duplicate ticket.",
    err_text_empty: "Please describe the problem first.",
    err_text_too_long: "The text is too long; please keep it under 2,000 characters.",
    err_origin: "This page is not set up for complaints yet; please contact the merchant.",
    err_site: "The merchant's setup is wrong (unknown site); please contact the merchant.",
    err_invalid: "Something in the form is not valid: ",
    err_server: "The service is unavailable right now. Your text is kept; please try again later.",
    draft_restored: "Your unsent text from last time is restored.",
    faq_title: "These answers may help",
    faq_solved: "This solved my problem",
    faq_still: "I still want to complain",
    faq_thanks: "Glad we could help! You can still send a complaint at any time.",
    reply_title: "Automatic answer",
    reply_solved: "That solved it",
    reply_unsolved: "Not solved, pass it to a person",
    reply_solved_note: "Thank you for letting us know!",
    reply_reopened_note: "Passed on to a person; watch for the merchant's or support's reply.",
    reply_question: "Did this answer solve your problem?",
    reply_sending: "Passing it on…",
    reply_err: "Could not pass it on just now. Please try again.",
    reply_already: "This ticket is already being handled.",
    sp: Space {
        no_storage: "Your browser blocks third-party storage: once you leave this page, My complaints will not be kept on this device. Please note the ticket number.",
        view_progress: "See its progress",
        rated: "Your rating",
        tab_new: "New complaint",
        tab_mine: "My complaints",
        mine_empty: "No complaints from this device yet.",
        mine_loading: "Loading…",
        mine_err: "Could not load the latest progress. Try again later.",
        unread: "new replies",
        promised: "Expected by",
        back: "Back to my complaints",
        timeline: "Progress",
        support: "Platform support",
        merchant: "Merchant",
        faq: "Automatic answer",
        add_label: "Add information",
        add_send: "Send",
        add_sent: "Added; the staff will see it.",
        urge: "Hurry up",
        urge_sent: "We asked the staff to hurry.",
        urge_wait: "You asked a moment ago; try again in about {} minutes.",
        unsolved: "Not solved",
        unsolved_sent: "Passed back to the staff.",
        follow_up: "A new linked ticket was opened: ",
        solved: "Solved",
        solved_sent: "Thanks for confirming!",
        rate_q: "How satisfied are you? (1 = very unhappy, 5 = very happy)",
        rate_reason: "Main reason",
        rate_comment: "Anything else? (optional)",
        rate_send: "Send rating",
        rate_thanks: "Thank you for rating!",
        score_1: "Very unhappy",
        score_5: "Very happy",
        waiting_net: "You are offline: your complaint is kept on this device and will be sent when you are back online, once.",
        waiting_busy: "Too many complaints from here just now: yours is kept and will be sent again by itself in a moment, once.",
        masked_preview: "What will be sent (numbers hidden):",
        refused: "That did not work: ",
    },
};

/// The widget's words in every language.
pub const UI: PerLang<Ui> = PerLang::new(ZH_CN, ZH_TW, EN);

/// The words for `lang`.
pub fn ui(lang: Lang) -> &'static Ui {
    let all: &'static PerLang<Ui> = &UI;
    all.get(lang)
}

impl Ui {
    /// What to tell the customer when a submission is refused with `code` (`None`: no code this
    /// widget knows, e.g. a proxy's error page) and `message` (the server's or the validator's).
    pub fn refusal(&self, code: Option<ErrorCode>, message: &str) -> String {
        match code {
            Some(ErrorCode::TextEmpty) => self.err_text_empty.to_string(),
            Some(ErrorCode::TextTooLong) => self.err_text_too_long.to_string(),
            Some(ErrorCode::OriginNotAllowed) => self.err_origin.to_string(),
            Some(ErrorCode::UnknownSite | ErrorCode::InvalidSite) => self.err_site.to_string(),
            _ => format!("{}{message}", self.err_invalid),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_its_own_words() {
        assert_eq!(ui(Lang::ZhCn).title, "投诉与反馈");
        assert_eq!(ui(Lang::ZhTw).title, "投訴與反饋");
        assert_eq!(ui(Lang::En).title, "Complaints & feedback");
        for (lang, words) in UI.iter() {
            assert_eq!(ui(lang).submit, words.submit);
        }
    }

    #[test]
    fn refusals_by_code() {
        let zh = ui(Lang::ZhCn);
        assert_eq!(zh.refusal(Some(ErrorCode::TextEmpty), "x"), zh.err_text_empty);
        assert_eq!(zh.refusal(Some(ErrorCode::TextTooLong), "x"), zh.err_text_too_long);
        assert_eq!(zh.refusal(Some(ErrorCode::OriginNotAllowed), "x"), zh.err_origin);
        assert_eq!(zh.refusal(Some(ErrorCode::UnknownSite), "x"), zh.err_site);
        assert_eq!(zh.refusal(Some(ErrorCode::InvalidSite), "x"), zh.err_site);
        assert_eq!(zh.refusal(Some(ErrorCode::InvalidOrderId), "bad order"), "提交的内容有误：bad order");
        assert_eq!(ui(Lang::En).refusal(None, "HTTP 403"), "Something in the form is not valid: HTTP 403");
    }

    #[test]
    fn local_validation_uses_the_same_words() {
        use qingting_shared::intake::submission::validate_text;
        let zh = ui(Lang::ZhCn);
        let words = |text: &str| validate_text(text).map_err(|e| zh.refusal(Some(e.code()), &e.to_string())).err();
        assert_eq!(words("  ").as_deref(), Some(zh.err_text_empty));
        assert_eq!(words(&"长".repeat(2001)).as_deref(), Some(zh.err_text_too_long));
        let control = validate_text("菜\u{1}凉").unwrap_err();
        assert_eq!(words("菜\u{1}凉"), Some(format!("{}{control}", zh.err_invalid)));
        assert_eq!(words("菜是凉的"), None);
    }
}
