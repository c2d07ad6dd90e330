//! [`str_enum!`]: one declaration for an enum whose variants have stable wire names.
//!
//! Ticket statuses, priorities, destination kinds, delivery states and error codes are stored in
//! D1, sent as JSON and matched by the widget. Each is declared once with its names; the macro
//! writes `as_str`, `parse`, `ALL` and `Display` from that one list, so a name cannot be spelt two
//! ways.
//! JSON uses the same names: the macro implements `Serialize` and `Deserialize` from `as_str` and
//! `parse` (a string in, a string out), which is also much smaller in WASM than serde's derived enum
//! code (about 1 KB less per enum in the worker). A `macro_rules!` rather than a derive crate: the
//! widget's size budget has no room for another proc-macro's output.

/// Declares a fieldless enum with a wire name per variant.
///
/// ```
/// # // The macro is internal to the crate; this shows what it writes through a public enum.
/// use qingting_shared::Priority;
/// assert_eq!(Priority::P2.as_str(), "P2");
/// assert_eq!(Priority::ALL.len(), 4);
/// assert_eq!(Priority::P1.to_string(), "P1");
/// ```
macro_rules! str_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire name (JSON, D1, the widget).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire),+
                }
            }

            /// The variant with this exact wire name.
            pub fn parse(s: &str) -> Option<$name> {
                match s {
                    $($wire => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
                deserializer.deserialize_str($crate::str_enum::WireName { parse: $name::parse, what: stringify!($name) })
            }
        }
    };
}

pub(crate) use str_enum;

/// Reads a wire name with the enum's `parse`.
pub(crate) struct WireName<T> {
    pub parse: fn(&str) -> Option<T>,
    /// The enum's name, for error messages.
    pub what: &'static str,
}

impl<T> serde::de::Visitor<'_> for WireName<T> {
    type Value = T;

    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "a {} name", self.what)
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<T, E> {
        (self.parse)(v).ok_or_else(|| E::invalid_value(serde::de::Unexpected::Str(v), &self))
    }
}

#[cfg(test)]
mod tests {
    use serde::Serialize;
    use serde::de::DeserializeOwned;

    /// `as_str`, `parse`, `Display` and serde's JSON name agree for every variant.
    fn agree<T: Copy + PartialEq + core::fmt::Debug + core::fmt::Display + Serialize + DeserializeOwned>(
        all: &[T],
        as_str: fn(T) -> &'static str,
        parse: fn(&str) -> Option<T>,
    ) {
        for &v in all {
            let wire = as_str(v);
            assert_eq!(serde_json::to_string(&v).unwrap(), format!("\"{wire}\""), "{v:?}");
            assert_eq!(serde_json::from_str::<T>(&format!("\"{wire}\"")).unwrap(), v);
            assert_eq!(parse(wire), Some(v));
            assert_eq!(v.to_string(), wire);
        }
        assert_eq!(parse(""), None);
    }

    #[test]
    fn wire_names_agree_with_serde() {
        use crate::api::{ErrorCode, ReplyAuthor};
        use crate::faq::{Decision, FaqKind};
        use crate::forward::{AttemptOutcome, DeliveryState, DestinationKind, ForwardReason};
        use crate::taxonomy::Priority;
        use crate::workflow::{TicketEvent, TicketStatus};
        agree(TicketStatus::ALL, TicketStatus::as_str, TicketStatus::parse);
        agree(TicketEvent::ALL, TicketEvent::as_str, TicketEvent::parse);
        agree(Priority::ALL, Priority::as_str, Priority::parse);
        agree(ReplyAuthor::ALL, ReplyAuthor::as_str, ReplyAuthor::parse);
        agree(FaqKind::ALL, FaqKind::as_str, FaqKind::parse);
        agree(Decision::ALL, Decision::as_str, Decision::parse);
        agree(DestinationKind::ALL, DestinationKind::as_str, DestinationKind::parse);
        agree(ForwardReason::ALL, ForwardReason::as_str, ForwardReason::parse);
        agree(DeliveryState::ALL, DeliveryState::as_str, DeliveryState::parse);
        agree(AttemptOutcome::ALL, AttemptOutcome::as_str, AttemptOutcome::parse);
        agree(ErrorCode::ALL, ErrorCode::as_str, ErrorCode::parse);
        agree(crate::workflow::Holder::ALL, crate::workflow::Holder::as_str, crate::workflow::Holder::parse);
        agree(crate::workflow::ActorKind::ALL, crate::workflow::ActorKind::as_str, crate::workflow::ActorKind::parse);
        agree(crate::workflow::ChangeKind::ALL, crate::workflow::ChangeKind::as_str, crate::workflow::ChangeKind::parse);
        agree(crate::accounts::Role::ALL, crate::accounts::Role::as_str, crate::accounts::Role::parse);
    }
}
