//! The complaints this browser keeps for 我的投诉, as plain data: id and access token (never the
//! text), ticket number, when it was filed, and how many replies the customer has seen. Stored in
//! the Qingting origin's `localStorage` (the panel's frame), one entry per site; the frame's
//! script (`widget/frame/panel.js`) reads the same format for the launcher's badge.
//!
//! Stored form: one line per ticket, `id ␉ token ␉ ticket_no ␉ filed_ms ␉ seen`, newest first.

/// The most tickets kept per site (the status request's limit).
pub const MAX_KEPT: usize = qingting_shared::workflow::customer::MAX_STATUS_TICKETS;

/// A ticket kept on this device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Kept {
    pub id: String,
    pub token: String,
    pub ticket_no: String,
    pub filed_ms: u64,
    /// Replies the customer has seen.
    pub seen: u32,
}

/// Encodes the list.
pub fn encode(list: &[Kept]) -> String {
    list.iter().map(|k| format!("{}\t{}\t{}\t{}\t{}", k.id, k.token, k.ticket_no, k.filed_ms, k.seen)).collect::<Vec<_>>().join("\n")
}

/// Reads the list at `now_ms`, leaving out malformed lines and tickets filed `keep_days` ago or
/// earlier.
///
/// ```
/// use qingting_shared::workflow::customer::KEEP_DAYS;
/// use qingting_widget::space::{Kept, decode, encode};
/// let k = Kept { id: "a".into(), token: "t".into(), ticket_no: "QT1".into(), filed_ms: 1_000, seen: 1 };
/// let day = 86_400_000;
/// assert_eq!(decode(&encode(&[k.clone()]), 2_000, KEEP_DAYS), vec![k.clone()]);
/// let old = Kept { filed_ms: 0, ..k };
/// assert!(decode(&encode(&[old]), 90 * day, KEEP_DAYS).is_empty());
/// ```
pub fn decode(raw: &str, now_ms: u64, keep_days: u32) -> Vec<Kept> {
    let keep_ms = u64::from(keep_days) * 86_400_000;
    raw.lines()
        .filter_map(|line| {
            let mut f = line.split('\t');
            let k = Kept {
                id: f.next()?.to_string(),
                token: f.next()?.to_string(),
                ticket_no: f.next()?.to_string(),
                filed_ms: f.next()?.parse().ok()?,
                seen: f.next()?.parse().ok()?,
            };
            (!k.id.is_empty() && !k.token.is_empty() && now_ms.saturating_sub(k.filed_ms) < keep_ms).then_some(k)
        })
        .take(MAX_KEPT)
        .collect()
}

/// Puts `k` first (replacing an entry of the same id, whose `seen` count is kept if larger).
pub fn remember(list: &mut Vec<Kept>, mut k: Kept) {
    if let Some(i) = list.iter().position(|x| x.id == k.id) {
        k.seen = k.seen.max(list[i].seen);
        list.remove(i);
    }
    list.insert(0, k);
    list.truncate(MAX_KEPT);
}

/// Records that the customer has seen `replies` replies on ticket `id`; `true` if that changed
/// anything.
pub fn mark_seen(list: &mut [Kept], id: &str, replies: u32) -> bool {
    match list.iter_mut().find(|k| k.id == id) {
        Some(k) if k.seen < replies => {
            k.seen = replies;
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(id: &str, seen: u32) -> Kept {
        Kept { id: id.into(), token: format!("tok-{id}"), ticket_no: format!("QT-{id}"), filed_ms: 10, seen }
    }

    #[test]
    fn round_trip_newest_first_and_bounded() {
        let mut list = Vec::new();
        for i in 0..60 {
            remember(&mut list, kept(&i.to_string(), 0));
        }
        assert_eq!(list.len(), MAX_KEPT);
        assert_eq!(list[0].id, "59");
        assert_eq!(decode(&encode(&list), 20, 90), list);
    }

    #[test]
    fn remembering_again_keeps_what_was_seen() {
        let mut list = vec![kept("a", 3), kept("b", 0)];
        remember(&mut list, kept("b", 0));
        remember(&mut list, kept("a", 1));
        assert_eq!((list[0].id.as_str(), list[0].seen), ("a", 3));
        assert!(mark_seen(&mut list, "b", 2));
        assert!(!mark_seen(&mut list, "b", 1));
    }

    #[test]
    fn malformed_and_expired_lines_are_dropped() {
        let raw = "a\tt\tQT\t10\t0\nbroken line\nb\tt\tQT\tx\t0\n\tt\tQT\t10\t0\nc\tt\tQT\t10\t1";
        let ids: Vec<_> = decode(raw, 20, 90).into_iter().map(|k| k.id).collect();
        assert_eq!(ids, ["a", "c"]);
        assert!(decode(raw, 10 + 86_400_000, 1).is_empty());
    }
}
