//! The console's words, Chinese first: one [`Ui`] per language in [`UI`] (a `PerLang<Ui>`, no
//! runtime lookup tables). Refusals are put in words by their [`ErrorCode`].

use qingting_shared::accounts::{Membership, Role, Scope};
use qingting_shared::{ErrorCode, Lang, PerLang};

use crate::api::Failure;

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
    pub tickets_next: &'static str,
    /// Before a ticket id from the address.
    pub ticket_title: &'static str,
    pub ticket_next: &'static str,
    pub settings_title: &'static str,
    pub settings_next: &'static str,
    pub not_found_title: &'static str,
    pub not_found_back: &'static str,
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
    tickets_next: "工单收件箱（视图、筛选、搜索、批量处理）将在下一步上线。这里暂时没有数据。",
    ticket_title: "工单",
    ticket_next: "工单详情（对话、时间线与处理操作）将在下一步上线。",
    settings_title: "设置",
    settings_next: "设置页面（人员与邀请、团队、站点、转发目的地、FAQ、阈值）将在下一步上线。",
    not_found_title: "页面不存在",
    not_found_back: "返回工单",
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
    tickets_next: "工單收件匣（檢視、篩選、搜尋、批次處理）將在下一步上線。這裡暫時沒有資料。",
    ticket_title: "工單",
    ticket_next: "工單詳情（對話、時間軸與處理操作）將在下一步上線。",
    settings_title: "設定",
    settings_next: "設定頁面（人員與邀請、團隊、站點、轉發目的地、FAQ、閾值）將在下一步上線。",
    not_found_title: "頁面不存在",
    not_found_back: "返回工單",
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
    tickets_next: "The ticket inbox (views, filters, search, bulk actions) is coming in the next step. There is no data here yet.",
    ticket_title: "Ticket",
    ticket_next: "The ticket page (conversation, timeline and actions) is coming in the next step.",
    settings_title: "Settings",
    settings_next: "Settings (staff and invitations, teams, sites, destinations, FAQ, thresholds) are coming in the next step.",
    not_found_title: "Page not found",
    not_found_back: "Back to tickets",
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
            Some(code) => format!("{}{}", self.err_other, code.as_str()),
            None if *status >= 500 => self.err_server.to_string(),
            None => format!("{}{status}", self.err_other),
        }
    }

    /// What a membership is, e.g. "平台 · 管理员" or "商家 m-1 · 客服".
    pub fn membership(&self, m: &Membership) -> String {
        let role = match m.role {
            Role::Admin => self.role_admin,
            Role::Supervisor => self.role_supervisor,
            Role::Agent => self.role_agent,
        };
        match &m.scope {
            Scope::Platform => format!("{} · {role}", self.scope_platform),
            Scope::Merchant(id) => format!("{} {id} · {role}", self.scope_merchant),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(code: ErrorCode, retry_after: Option<u32>) -> Failure {
        Failure::Refused { status: code.status(), code: Some(code), message: "m".into(), retry_after }
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
        assert_eq!(zh.failure(&refused(ErrorCode::InvalidJson, None)), "操作未成功，错误代码：invalid_json");
    }

    #[test]
    fn memberships_in_words() {
        let zh = ui(Lang::ZhCn);
        assert_eq!(zh.membership(&Membership::platform(Role::Admin)), "平台 · 管理员");
        assert_eq!(zh.membership(&Membership::merchant("m-1", Role::Agent)), "商家 m-1 · 客服");
    }
}
