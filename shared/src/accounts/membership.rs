//! Roles and scopes. A user holds memberships; each is the platform or one merchant, with a role.
//!
//! Architecture invariant: tenancy is decided here, once. A merchant's staff see only their
//! merchant ([`Membership::sees_merchant`]); the worker filters every query by the scopes this
//! returns, and answers `404` (not `403`) for anything outside them, so ids do not leak.

use serde::{Deserialize, Serialize};

use crate::str_enum::str_enum;

str_enum! {
    /// What a member may do within their scope.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum Role {
        /// Manages the scope's people and settings (and, on the platform, merchants).
        Admin = "admin",
        /// Leads a team: sees its work, answers its alerts.
        Supervisor = "supervisor",
        /// Works tickets.
        Agent = "agent",
    }
}

/// Where a membership applies.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "merchant", rename_all = "snake_case")]
pub enum Scope {
    /// The platform's own staff (运营/客服): every merchant.
    Platform,
    /// One merchant's staff (商家), by merchant id.
    Merchant(String),
}

/// One of a user's roles.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Membership {
    pub scope: Scope,
    pub role: Role,
}

impl Membership {
    pub fn platform(role: Role) -> Membership {
        Membership { scope: Scope::Platform, role }
    }

    pub fn merchant(id: impl Into<String>, role: Role) -> Membership {
        Membership { scope: Scope::Merchant(id.into()), role }
    }

    /// Whether this membership lets its holder see the merchant's tickets and settings.
    pub fn sees_merchant(&self, merchant: &str) -> bool {
        match &self.scope {
            Scope::Platform => true,
            Scope::Merchant(m) => m == merchant,
        }
    }

    /// Whether its holder may change the merchant's staff, teams, sites and settings.
    pub fn administers_merchant(&self, merchant: &str) -> bool {
        self.role == Role::Admin && self.sees_merchant(merchant)
    }

    /// Whether its holder may create and change merchants (platform admins only).
    pub fn administers_platform(&self) -> bool {
        self.role == Role::Admin && self.scope == Scope::Platform
    }
}

/// What a set of memberships may see: everything, or these merchants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Visibility {
    All,
    Merchants(Vec<String>),
}

/// The merchants `memberships` let their holder see, for filtering queries.
pub fn visibility(memberships: &[Membership]) -> Visibility {
    if memberships.iter().any(|m| m.scope == Scope::Platform) {
        return Visibility::All;
    }
    let mut ids: Vec<String> = memberships
        .iter()
        .filter_map(|m| match &m.scope {
            Scope::Merchant(id) => Some(id.clone()),
            Scope::Platform => None,
        })
        .collect();
    ids.sort();
    ids.dedup();
    Visibility::Merchants(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merchants_see_only_their_own_and_the_platform_sees_all() {
        let a_agent = Membership::merchant("m-a", Role::Agent);
        assert!(a_agent.sees_merchant("m-a"));
        assert!(!a_agent.sees_merchant("m-b"));
        assert!(!a_agent.administers_merchant("m-a"));
        assert!(Membership::merchant("m-a", Role::Admin).administers_merchant("m-a"));
        assert!(!Membership::merchant("m-a", Role::Admin).administers_merchant("m-b"));
        assert!(!Membership::merchant("m-a", Role::Admin).administers_platform());
        let ops = Membership::platform(Role::Agent);
        assert!(ops.sees_merchant("m-b") && !ops.administers_platform());
        assert!(Membership::platform(Role::Admin).administers_platform());
    }

    #[test]
    fn visibility_is_all_or_the_listed_merchants() {
        assert_eq!(visibility(&[]), Visibility::Merchants(vec![]));
        let two = [Membership::merchant("m-b", Role::Agent), Membership::merchant("m-a", Role::Admin), Membership::merchant("m-b", Role::Supervisor)];
        assert_eq!(visibility(&two), Visibility::Merchants(vec!["m-a".into(), "m-b".into()]));
        let with_platform = [Membership::merchant("m-a", Role::Agent), Membership::platform(Role::Agent)];
        assert_eq!(visibility(&with_platform), Visibility::All);
    }

    #[test]
    fn scopes_serialise_with_their_kind() {
        let m = Membership::merchant("m-a", Role::Agent);
        assert_eq!(serde_json::to_string(&m).unwrap(), r#"{"scope":{"kind":"merchant","merchant":"m-a"},"role":"agent"}"#);
        let p = Membership::platform(Role::Admin);
        assert_eq!(serde_json::to_string(&p).unwrap(), r#"{"scope":{"kind":"platform"},"role":"admin"}"#);
    }
}
