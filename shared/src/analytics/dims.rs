//! What a count is counted by: the dimensions of the hourly counts and of the duration histogram.

use crate::str_enum::str_enum;

str_enum! {
    /// How a complaint reached Qingting (`complaints.channel`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum Channel {
        /// The embedded widget's panel (the request came from Qingting's own frame).
        Widget = "widget",
        /// A merchant's own form or backend calling the API.
        Api = "api",
    }
}

impl Channel {
    /// The channel of an intake request: Qingting's own frame is the widget; any other caller
    /// (a merchant page's own form, a server) uses the API.
    pub fn of_request(origin: Option<&str>, own_origin: &str) -> Channel {
        if origin == Some(own_origin) { Channel::Widget } else { Channel::Api }
    }
}

str_enum! {
    /// Where a ticket stands, as the counts group it (`hourly_counts.outcome`, kept by the
    /// triggers of migration 0020 from `complaints.status`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum Outcome {
        /// new, open or waiting for the customer: someone still owes work.
        Pending = "pending",
        /// Answered at once by the FAQ and not reopened.
        AutoReplied = "auto_replied",
        /// resolved or closed.
        Resolved = "resolved",
    }
}

impl Outcome {
    /// The outcome of a status (the same mapping as the `CASE` in the migration's triggers).
    pub fn of(status: crate::workflow::TicketStatus) -> Outcome {
        use crate::workflow::TicketStatus as S;
        match status {
            S::New | S::Open | S::WaitingCustomer => Outcome::Pending,
            S::AutoReplied => Outcome::AutoReplied,
            S::Resolved | S::Closed => Outcome::Resolved,
        }
    }
}

str_enum! {
    /// What a breakdown groups by (`?by=` and the dashboard's bar charts).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum Dimension {
        Category = "category",
        Priority = "priority",
        Merchant = "merchant",
        Site = "site",
        Channel = "channel",
        Region = "region",
    }
}

impl Dimension {
    /// The `hourly_counts` column it groups by.
    pub const fn column(self) -> &'static str {
        match self {
            Dimension::Category => "category",
            Dimension::Priority => "priority",
            Dimension::Merchant => "merchant_id",
            Dimension::Site => "site_key",
            Dimension::Channel => "channel",
            Dimension::Region => "region",
        }
    }
}

str_enum! {
    /// A measured duration of a ticket (`ticket_durations.metric`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum Metric {
        /// Created → the first public reply by staff.
        FirstResponse = "first_response",
        /// Created → resolved (the latest resolution, after a reopen).
        Resolution = "resolution",
        /// Created → the merchant's first public reply (merchant sites).
        MerchantResponse = "merchant_response",
    }
}

str_enum! {
    /// Which clock a duration is measured on.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum TimeBase {
        /// Wall-clock seconds.
        Wall = "wall",
        /// Seconds inside the ticket's business calendar (`workflow::calendar`).
        Business = "business",
    }
}

/// Longest region name accepted at intake (`ComplaintSubmission::region`), in characters.
pub const MAX_REGION_CHARS: usize = 32;
