//! Tickets: human-readable ticket numbers and the ticket state machine.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::lang::Lang;

/// A ticket number a customer can read out on the phone: `QT` + `YYMMDD` + `-` + six characters of
/// Crockford base32 (no I, L, O, U), e.g. `QT261123-7K3M9Q`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TicketNo(String);

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

impl TicketNo {
    /// Builds a ticket number from the UTC date and 30 random bits.
    pub fn generate(year: u32, month: u32, day: u32, random: u32) -> TicketNo {
        let mut suffix = String::with_capacity(6);
        for i in (0..6).rev() {
            suffix.push(CROCKFORD[((random >> (i * 5)) & 31) as usize] as char);
        }
        TicketNo(format!("QT{:02}{:02}{:02}-{}", year % 100, month, day, suffix))
    }

    /// Accepts a ticket number in canonical form only.
    pub fn parse(s: &str) -> Option<TicketNo> {
        let b = s.as_bytes();
        let ok = b.len() == 15 && s.starts_with("QT") && b[2..8].iter().all(u8::is_ascii_digit) && b[8] == b'-' && b[9..].iter().all(|c| CROCKFORD.contains(c));
        ok.then(|| TicketNo(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TicketNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a ticket is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    /// Stored, not yet routed.
    Received,
    /// Answered automatically from the FAQ; the customer may still say it is not solved.
    AutoReplied,
    /// Sent to the merchant or the platform's support team.
    Forwarded,
    /// A person is working on it.
    Assigned,
    /// The merchant or support says it is solved.
    Resolved,
    /// Done; no further changes.
    Closed,
}

impl TicketStatus {
    pub const ALL: [TicketStatus; 6] =
        [TicketStatus::Received, TicketStatus::AutoReplied, TicketStatus::Forwarded, TicketStatus::Assigned, TicketStatus::Resolved, TicketStatus::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Received => "received",
            TicketStatus::AutoReplied => "auto_replied",
            TicketStatus::Forwarded => "forwarded",
            TicketStatus::Assigned => "assigned",
            TicketStatus::Resolved => "resolved",
            TicketStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<TicketStatus> {
        TicketStatus::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Whether the workflow allows going from `self` to `next`. Reopening (a customer saying an
    /// answer did not help) goes back to `Forwarded`.
    pub fn can_become(self, next: TicketStatus) -> bool {
        use TicketStatus::*;
        matches!(
            (self, next),
            (Received, AutoReplied | Forwarded | Assigned | Closed)
                | (AutoReplied, Forwarded | Closed)
                | (Forwarded, Assigned | Resolved | Closed)
                | (Assigned, Forwarded | Resolved | Closed)
                | (Resolved, Closed | Forwarded)
        )
    }

    /// The status as the customer reads it.
    pub fn label(self, lang: Lang) -> &'static str {
        use TicketStatus::*;
        match (self, lang) {
            (Received, Lang::ZhCn) => "已受理",
            (Received, Lang::ZhTw) => "已受理",
            (Received, Lang::En) => "Received",
            (AutoReplied, Lang::ZhCn) => "已自动答复",
            (AutoReplied, Lang::ZhTw) => "已自動答覆",
            (AutoReplied, Lang::En) => "Answered automatically",
            (Forwarded, Lang::ZhCn) => "已转交处理",
            (Forwarded, Lang::ZhTw) => "已轉交處理",
            (Forwarded, Lang::En) => "Passed on",
            (Assigned, Lang::ZhCn) => "处理中",
            (Assigned, Lang::ZhTw) => "處理中",
            (Assigned, Lang::En) => "In progress",
            (Resolved, Lang::ZhCn) => "已解决",
            (Resolved, Lang::ZhTw) => "已解決",
            (Resolved, Lang::En) => "Resolved",
            (Closed, Lang::ZhCn) => "已关闭",
            (Closed, Lang::ZhTw) => "已關閉",
            (Closed, Lang::En) => "Closed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticket_numbers_are_canonical_and_parse_back() {
        let t = TicketNo::generate(2026, 11, 23, 0x3FFF_FFFF);
        assert_eq!(t.as_str(), "QT261123-ZZZZZZ");
        assert_eq!(TicketNo::parse(t.as_str()), Some(t));
        let t = TicketNo::generate(2026, 1, 2, 0);
        assert_eq!(t.as_str(), "QT260102-000000");
        assert_eq!(TicketNo::parse("QT260102-00000I"), None);
        assert_eq!(TicketNo::parse("QT2601-000000"), None);
    }

    #[test]
    fn workflow_transitions() {
        use TicketStatus::*;
        assert!(Received.can_become(AutoReplied));
        assert!(AutoReplied.can_become(Forwarded), "a customer can reopen an automatic answer");
        assert!(Resolved.can_become(Forwarded));
        assert!(!Closed.can_become(Forwarded));
        assert!(!Forwarded.can_become(Received));
        for s in TicketStatus::ALL {
            assert!(!s.can_become(s), "{s:?} to itself");
            assert_eq!(TicketStatus::parse(s.as_str()), Some(s));
        }
    }
}
