//! The customer's side of a ticket (我的投诉): what they are told about it, what they may do next
//! (补充信息, 催单, 未解决, 已解决, a rating), and what a low rating sets off (预警工单).
//!
//! Pure rules; the worker (`worker/src/complaints.rs`, `worker/src/csat.rs`) stores and the widget
//! shows. Time is passed in as Unix seconds.
//!
//! ```
//! use qingting_shared::workflow::customer::{Rating, RatingReason, needs_alert};
//! let rating = Rating { score: 1, reason: Some(RatingReason::Slow), comment: String::new() };
//! assert!(rating.validate().is_ok());
//! assert!(needs_alert(&rating, false));
//! ```

use serde::{Deserialize, Serialize};

use crate::Lang;
use crate::str_enum::str_enum;
use crate::workflow::{ChangeKind, Holder, TicketStatus};

/// How long after a resolution 未解决 opens the same ticket again; later (or once it is closed),
/// 未解决 opens a new ticket linked to it.
pub const REOPEN_WINDOW_SECONDS: i64 = 7 * 24 * 3600;

/// How long a browser keeps its complaints in 我的投诉 unless the site says otherwise.
pub const KEEP_DAYS: u32 = 90;

/// The most tickets one status request may ask about.
pub const MAX_STATUS_TICKETS: usize = 50;

/// The longest rating comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 500;

/// The alert ticket's own short clock, in business minutes: first response, resolution.
pub const ALERT_TARGETS_MINUTES: (u32, u32) = (30, 240);

str_enum! {
    /// What a ticket is: a customer's complaint, or a 预警工单 opened by a low rating.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub enum TicketKind {
        #[default]
        Complaint = "complaint",
        Alert = "alert",
    }
}

str_enum! {
    /// Why a customer gave a low score (the reason picker).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum RatingReason {
        Slow = "slow",
        NotSolved = "not_solved",
        Attitude = "attitude",
        Compensation = "compensation",
        Other = "other",
    }
}

impl RatingReason {
    /// The picker's words.
    pub fn label(self, lang: Lang) -> &'static str {
        let [cn, tw, en] = match self {
            RatingReason::Slow => ["处理太慢", "處理太慢", "Too slow"],
            RatingReason::NotSolved => ["问题没有解决", "問題沒有解決", "Not solved"],
            RatingReason::Attitude => ["服务态度差", "服務態度差", "Unfriendly"],
            RatingReason::Compensation => ["补偿不合理", "補償不合理", "Unfair compensation"],
            RatingReason::Other => ["其他", "其他", "Other"],
        };
        crate::PerLang::new(cn, tw, en).get(lang)
    }
}

/// A customer's answer to the satisfaction survey (`POST /v1/complaints/{id}/rating`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    /// 1 (very unhappy) to 5 (very happy).
    pub score: u8,
    #[serde(default)]
    pub reason: Option<RatingReason>,
    #[serde(default)]
    pub comment: String,
}

/// Why a rating is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RatingError {
    #[error("the score must be 1 to 5")]
    Score,
    #[error("the comment must have at most 500 characters")]
    Comment,
}

impl Rating {
    pub fn validate(&self) -> Result<(), RatingError> {
        if !(1..=5).contains(&self.score) {
            return Err(RatingError::Score);
        }
        if self.comment.chars().count() > MAX_COMMENT_CHARS {
            return Err(RatingError::Comment);
        }
        Ok(())
    }
}

/// A score of 2 or less, or a clearly negative comment (`negative_comment`, from the classifier),
/// opens a 预警工单.
pub fn needs_alert(rating: &Rating, negative_comment: bool) -> bool {
    rating.score <= 2 || negative_comment
}

/// Whether the classifier takes a comment for a clear complaint: complaint with a score of at
/// least 0.8. An empty comment is not negative.
pub fn comment_is_negative(classifier: &crate::Classifier, comment: &str) -> bool {
    if comment.trim().is_empty() {
        return false;
    }
    let c = classifier.classify(comment);
    c.complaint && c.complaint_score >= 0.8
}

/// Whether the survey can still be answered: it was offered, nobody answered yet, and the ticket
/// is not closed.
///
/// ```
/// use qingting_shared::workflow::customer::survey_open;
/// use qingting_shared::TicketStatus;
/// assert!(survey_open(true, false, TicketStatus::Resolved));
/// assert!(!survey_open(true, false, TicketStatus::Closed));
/// assert!(!survey_open(true, true, TicketStatus::Resolved));
/// assert!(!survey_open(false, false, TicketStatus::Resolved));
/// ```
pub fn survey_open(offered: bool, answered: bool, status: TicketStatus) -> bool {
    offered && !answered && status != TicketStatus::Closed
}

/// What 未解决 does at `now` to a ticket in `status` resolved at `resolved_at` (Unix seconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotSolved {
    /// An automatic answer: passed on to a person.
    PassOn,
    /// Within the window: the same ticket opens again.
    Reopen,
    /// After the window, or closed: a new ticket linked to this one.
    FollowUp,
    /// Still being worked: nothing to reopen.
    NotNow,
}

/// ```
/// use qingting_shared::workflow::customer::{NotSolved, REOPEN_WINDOW_SECONDS, not_solved};
/// use qingting_shared::TicketStatus;
/// assert_eq!(not_solved(TicketStatus::Resolved, Some(0), 60), NotSolved::Reopen);
/// assert_eq!(not_solved(TicketStatus::Resolved, Some(0), REOPEN_WINDOW_SECONDS + 1), NotSolved::FollowUp);
/// assert_eq!(not_solved(TicketStatus::Closed, Some(0), 60), NotSolved::FollowUp);
/// assert_eq!(not_solved(TicketStatus::Open, None, 60), NotSolved::NotNow);
/// ```
pub fn not_solved(status: TicketStatus, resolved_at: Option<i64>, now: i64) -> NotSolved {
    match status {
        TicketStatus::AutoReplied => NotSolved::PassOn,
        TicketStatus::Resolved if resolved_at.is_none_or(|at| now - at <= REOPEN_WINDOW_SECONDS) => NotSolved::Reopen,
        TicketStatus::Resolved | TicketStatus::Closed => NotSolved::FollowUp,
        _ => NotSolved::NotNow,
    }
}

/// An alert ticket is finished (resolved or closed) only after a follow-up (回访) is recorded:
/// a note or a reply on it.
pub fn may_finish(kind: TicketKind, followed_up: bool) -> bool {
    kind != TicketKind::Alert || followed_up
}

/// What the customer reads about who has the ticket.
///
/// ```
/// use qingting_shared::workflow::customer::progress_label;
/// use qingting_shared::{Lang, TicketStatus, workflow::Holder};
/// assert_eq!(progress_label(TicketStatus::Open, Holder::Merchant, Lang::ZhCn), "商家处理中");
/// assert_eq!(progress_label(TicketStatus::New, Holder::Platform, Lang::ZhCn), "平台介入");
/// assert_eq!(progress_label(TicketStatus::Resolved, Holder::Platform, Lang::ZhCn), "已解决");
/// ```
pub fn progress_label(status: TicketStatus, holder: Holder, lang: Lang) -> &'static str {
    let [cn, tw, en] = match (status, holder) {
        (TicketStatus::New | TicketStatus::Open, Holder::Platform) => ["平台介入", "平台介入", "Platform handling"],
        (TicketStatus::New | TicketStatus::Open, Holder::Merchant) => ["商家处理中", "商家處理中", "Merchant handling"],
        _ => return status.label(lang),
    };
    crate::PerLang::new(cn, tw, en).get(lang)
}

/// Whether the customer sees this kind of recorded change on their ticket's timeline. Staff's
/// internal work (assignment, notes, routing, corrections, following) stays inside.
pub fn is_public(kind: ChangeKind) -> bool {
    matches!(
        kind,
        ChangeKind::Created
            | ChangeKind::Resolved
            | ChangeKind::Closed
            | ChangeKind::Reopened
            | ChangeKind::CustomerReopened
            | ChangeKind::CustomerMessaged
            | ChangeKind::CustomerUrged
            | ChangeKind::Escalated
            | ChangeKind::Merged
    )
}

/// A customer-facing line of a timeline event.
pub fn event_label(kind: ChangeKind, lang: Lang) -> &'static str {
    let [cn, tw, en] = match kind {
        ChangeKind::Created => ["提交投诉", "提交投訴", "Submitted"],
        ChangeKind::Resolved => ["已解决", "已解決", "Resolved"],
        ChangeKind::Closed => ["已关闭", "已關閉", "Closed"],
        ChangeKind::Reopened | ChangeKind::CustomerReopened => ["重新处理", "重新處理", "Reopened"],
        ChangeKind::CustomerMessaged => ["您补充了信息", "您補充了資訊", "You added information"],
        ChangeKind::CustomerUrged => ["您催促了处理", "您催促了處理", "You asked to hurry"],
        ChangeKind::Escalated => ["平台介入处理", "平台介入處理", "The platform stepped in"],
        ChangeKind::Merged => ["已合并到另一张工单", "已合併到另一張工單", "Merged into another ticket"],
        _ => ["处理进展", "處理進展", "Progress"],
    };
    crate::PerLang::new(cn, tw, en).get(lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_are_checked_and_low_ones_alert() {
        let r = |score, comment: &str| Rating { score, reason: None, comment: comment.into() };
        assert_eq!(r(0, "").validate(), Err(RatingError::Score));
        assert_eq!(r(6, "").validate(), Err(RatingError::Score));
        assert_eq!(r(3, &"差".repeat(501)).validate(), Err(RatingError::Comment));
        assert!(r(2, "").validate().is_ok());
        assert!(needs_alert(&r(2, ""), false));
        assert!(!needs_alert(&r(3, ""), false));
        assert!(needs_alert(&r(4, ""), true));
        let c = crate::Classifier::builtin();
        assert!(comment_is_negative(c, "客服态度极差，问题根本没解决，还骗我说已经退款，太恶心了"));
        assert!(!comment_is_negative(c, ""));
        assert!(!comment_is_negative(c, "很满意，处理很快，谢谢"));
    }

    #[test]
    fn alerts_finish_only_after_a_follow_up() {
        assert!(!may_finish(TicketKind::Alert, false));
        assert!(may_finish(TicketKind::Alert, true));
        assert!(may_finish(TicketKind::Complaint, false));
    }

    #[test]
    fn only_customer_facing_changes_are_public() {
        assert!(is_public(ChangeKind::CustomerMessaged));
        for kind in [ChangeKind::Assigned, ChangeKind::Noted, ChangeKind::Routed, ChangeKind::Corrected, ChangeKind::Followed] {
            assert!(!is_public(kind), "{kind:?}");
        }
    }
}
