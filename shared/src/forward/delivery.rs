//! Where a ticket's forwarding stands ([`DeliveryState`]), how each attempt ended
//! ([`AttemptOutcome`]), why it is forwarded ([`ForwardReason`]) and the delivery key.
//!
//! Architecture invariant: a ticket's delivery state changes only from [`DeliveryState::Queued`]
//! ([`DeliveryState::can_finish`]): a late duplicate never overwrites `delivered` or `dead_letter`.

use crate::str_enum::str_enum;

str_enum! {
    /// Where forwarding a ticket stands (the `delivery` column).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum DeliveryState {
        /// Nothing to forward (answered automatically).
        None = "none",
        /// Waiting for (another) attempt.
        Queued = "queued",
        /// Every destination accepted it.
        Delivered = "delivered",
        /// The site has no destination configured.
        NoDestination = "no_destination",
        /// Retries are exhausted; a person must look.
        DeadLetter = "dead_letter",
    }
}

impl DeliveryState {
    /// The state a new ticket starts in.
    pub fn initial(forwards: bool) -> DeliveryState {
        if forwards { DeliveryState::Queued } else { DeliveryState::None }
    }

    /// Whether a ticket in this state may be delivered, retried or marked: only `queued` ones.
    pub fn can_finish(self) -> bool {
        self == DeliveryState::Queued
    }

    /// Whether forwarding may start over from this state (a redrive, by hand or because the
    /// site's destinations changed): a dead letter, or a ticket that had nowhere to go.
    pub fn can_redrive(self) -> bool {
        matches!(self, DeliveryState::DeadLetter | DeliveryState::NoDestination)
    }
}

str_enum! {
    /// How one delivery attempt to one destination ended (the delivery log's `outcome`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum AttemptOutcome {
        /// The receiver took it (logged at most once per delivery key).
        Delivered = "delivered",
        /// Refused or unanswered; it will be tried again.
        Failed = "failed",
        /// Retries exhausted; the ticket went to the dead-letter queue.
        DeadLetter = "dead_letter",
    }
}

str_enum! {
    /// Why a ticket is being forwarded.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum ForwardReason {
        /// A new complaint that needs a person.
        Created = "created",
        /// The customer said the automatic answer did not solve it.
        Reopened = "reopened",
    }
}

/// The idempotency key of delivering `ticket_id` to `destination_id`: the same on every retry,
/// so a receiver (and the delivery log) sees one delivery however often it is attempted.
pub fn delivery_key(ticket_id: &str, destination_id: &str) -> String {
    format!("{ticket_id}/{destination_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_queued_deliveries_change() {
        assert_eq!(DeliveryState::initial(true), DeliveryState::Queued);
        assert_eq!(DeliveryState::initial(false), DeliveryState::None);
        let movable: Vec<DeliveryState> = DeliveryState::ALL.iter().copied().filter(|s| s.can_finish()).collect();
        assert_eq!(movable, [DeliveryState::Queued]);
    }

    #[test]
    fn delivery_keys_name_ticket_and_destination() {
        assert_eq!(delivery_key("t1", "hook"), "t1/hook");
    }
}
