//! The inbox's orders and their cursors. A cursor is the sort key of the last row of a page,
//! written as text the API hands out and takes back (`next_cursor`, `cursor`); the next page starts
//! strictly after it, so paging neither repeats nor skips a ticket while tickets arrive.
//!
//! ```
//! use qingting_shared::workflow::sort::{Cursor, InboxSort};
//! let sort = InboxSort::parse("priority").unwrap();
//! let cursor = sort.cursor(Some("P2"), "2026-12-01T08:00:00.000Z", "6f1c");
//! assert_eq!(sort.read_cursor(&cursor), Ok(Cursor { rank: "P2".into(), at: "2026-12-01T08:00:00.000Z".into(), id: "6f1c".into() }));
//! ```

use crate::str_enum::str_enum;

str_enum! {
    /// How the inbox is ordered (`GET /v1/tickets?sort=`).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub enum InboxSort {
        /// Newest first: what just came in (the default).
        #[default]
        Newest = "newest",
        /// Oldest first: who has waited longest.
        Oldest = "oldest",
        /// P1 first, then by waiting time (oldest first) within a priority; unclassified last.
        Priority = "priority",
    }
}

/// The priority rank the database sorts by: `P1` < … < `P4` < no priority.
pub const NO_PRIORITY_RANK: &str = "P9";

/// Where a page ends: the last row's sort key (`rank` only matters for [`InboxSort::Priority`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub rank: String,
    pub at: String,
    pub id: String,
}

/// A cursor this API did not give (or gave for another order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cursor is not one this API gave for this sort")]
pub struct CursorError;

impl InboxSort {
    /// The cursor after a row with this priority, creation time and id.
    pub fn cursor(self, priority: Option<&str>, created_at: &str, id: &str) -> String {
        match self {
            InboxSort::Newest | InboxSort::Oldest => format!("{created_at}~{id}"),
            InboxSort::Priority => format!("{}~{created_at}~{id}", priority.unwrap_or(NO_PRIORITY_RANK)),
        }
    }

    /// Reads a cursor [`InboxSort::cursor`] wrote for this order.
    pub fn read_cursor(self, text: &str) -> Result<Cursor, CursorError> {
        let parts: Vec<&str> = text.split('~').collect();
        let ok_rank = |r: &str| r.len() == 2 && r.starts_with('P') && r.as_bytes()[1].is_ascii_digit();
        let ok = |s: &&str| !s.is_empty() && s.len() <= 64;
        match (self, parts.as_slice()) {
            (InboxSort::Newest | InboxSort::Oldest, [at, id]) if ok(at) && ok(id) => Ok(Cursor { rank: String::new(), at: at.to_string(), id: id.to_string() }),
            (InboxSort::Priority, [rank, at, id]) if ok_rank(rank) && ok(at) && ok(id) => {
                Ok(Cursor { rank: rank.to_string(), at: at.to_string(), id: id.to_string() })
            }
            _ => Err(CursorError),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_for_their_own_order_only() {
        for sort in InboxSort::ALL {
            let c = sort.cursor(Some("P1"), "2026-12-01T00:00:00.000Z", "a-1");
            let read = sort.read_cursor(&c).unwrap();
            assert_eq!((read.at.as_str(), read.id.as_str()), ("2026-12-01T00:00:00.000Z", "a-1"));
        }
        assert_eq!(InboxSort::Priority.read_cursor("P9~t~i").unwrap().rank, "P9");
        assert_eq!(InboxSort::Priority.cursor(None, "t", "i"), "P9~t~i");
        // A newest-first cursor is not a priority cursor, and the other way round.
        assert_eq!(InboxSort::Priority.read_cursor("t~i"), Err(CursorError));
        assert_eq!(InboxSort::Newest.read_cursor("P1~t~i"), Err(CursorError));
        assert_eq!(InboxSort::Priority.read_cursor("X1~t~i"), Err(CursorError));
        assert_eq!(InboxSort::Newest.read_cursor("~i"), Err(CursorError));
        assert_eq!(InboxSort::default(), InboxSort::Newest);
    }
}
