//! Human-readable ticket numbers.

use std::fmt;

use serde::{Deserialize, Serialize};

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
}
