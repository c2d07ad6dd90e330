//! Who may manage whom: the rules behind merchants, invitations, staff lists, deactivation and
//! teams, decided once from the caller's memberships.
//!
//! Every decision is one of three [`Access`] answers, and the worker maps them the same way
//! everywhere: [`Access::Allowed`]; [`Access::Forbidden`] (`403 forbidden`) when the caller can see
//! the target's scope but their role is not enough; [`Access::Hidden`] (`404 not_found`) when the
//! target is outside everything the caller can see, so ids of other tenants never leak.
//!
//! ```
//! use qingting_shared::accounts::access::{Access, manage_scope};
//! use qingting_shared::accounts::{Membership, Role, Scope};
//! let a_admin = [Membership::merchant("m-a", Role::Admin)];
//! assert_eq!(manage_scope(&a_admin, &Scope::Merchant("m-a".into())), Access::Allowed);
//! assert_eq!(manage_scope(&a_admin, &Scope::Merchant("m-b".into())), Access::Hidden);
//! assert_eq!(manage_scope(&a_admin, &Scope::Platform), Access::Hidden);
//! ```

use super::membership::{Membership, Role, Scope, Visibility};

/// A decision about one action on one target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Allowed,
    /// The target is visible but the caller's role does not allow the action (`403`).
    Forbidden,
    /// The target is outside the caller's tenancy (`404`, as if it did not exist).
    Hidden,
}

/// Whether `m` lets its holder see things in `scope` (the platform's own staff and teams are
/// visible to platform members only).
pub fn membership_sees(m: &Membership, scope: &Scope) -> bool {
    match scope {
        Scope::Platform => m.scope == Scope::Platform,
        Scope::Merchant(id) => m.sees_merchant(id),
    }
}

/// Whether `m` lets its holder manage (invite into, deactivate in, change teams of) `scope`.
pub fn membership_administers(m: &Membership, scope: &Scope) -> bool {
    match scope {
        Scope::Platform => m.administers_platform(),
        Scope::Merchant(id) => m.administers_merchant(id),
    }
}

/// Whether any of `ms` sees `scope`.
pub fn sees_scope(ms: &[Membership], scope: &Scope) -> bool {
    ms.iter().any(|m| membership_sees(m, scope))
}

/// Managing a scope's staff and teams: inviting into it, creating its teams, changing their
/// members. Platform admins manage every scope, a merchant's admins their own merchant.
pub fn manage_scope(ms: &[Membership], scope: &Scope) -> Access {
    if ms.iter().any(|m| membership_administers(m, scope)) {
        Access::Allowed
    } else if sees_scope(ms, scope) {
        Access::Forbidden
    } else {
        Access::Hidden
    }
}

/// Inviting someone into `scope` with `role`. An admin of a scope may invite any role into it
/// (including other admins); nobody invites into a scope they do not administer, so a merchant's
/// admin can never create platform staff or another merchant's staff.
pub fn invite(ms: &[Membership], scope: &Scope, _role: Role) -> Access {
    manage_scope(ms, scope)
}

/// Changing a user account itself (deactivating it), given the scopes the user belongs to. The
/// account is shared by all of them, so the caller must administer *every* one: a merchant's admin
/// cannot switch off someone who also works for the platform or another merchant. A user in none
/// of the caller's visible scopes is hidden.
pub fn manage_user(ms: &[Membership], user_scopes: &[Scope]) -> Access {
    // A user with no membership at all is the platform's to manage.
    let administers_all = if user_scopes.is_empty() {
        ms.iter().any(Membership::administers_platform)
    } else {
        user_scopes.iter().all(|s| ms.iter().any(|m| membership_administers(m, s)))
    };
    if administers_all {
        Access::Allowed
    } else if user_scopes.iter().any(|s| sees_scope(ms, s)) {
        Access::Forbidden
    } else {
        Access::Hidden
    }
}

/// Creating merchants: platform admins only.
pub fn create_merchant(ms: &[Membership]) -> Access {
    if ms.iter().any(Membership::administers_platform) { Access::Allowed } else { Access::Forbidden }
}

/// Whose staff a caller may list: the scopes where they are admin or supervisor (agents list
/// nobody: `None`, answered `403`). Platform admins and supervisors see everyone.
pub fn staff_list(ms: &[Membership]) -> Option<Visibility> {
    let leads: Vec<Membership> = ms.iter().filter(|m| m.role != Role::Agent).cloned().collect();
    if leads.is_empty() { None } else { Some(super::membership::visibility(&leads)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn platform(role: Role) -> Vec<Membership> {
        vec![Membership::platform(role)]
    }

    fn merchant(id: &str, role: Role) -> Vec<Membership> {
        vec![Membership::merchant(id, role)]
    }

    #[allow(non_snake_case)]
    fn A() -> Scope {
        Scope::Merchant("m-a".into())
    }

    #[allow(non_snake_case)]
    fn B() -> Scope {
        Scope::Merchant("m-b".into())
    }

    /// The role × tenant matrix for managing a scope (and so for inviting into it).
    #[test]
    fn who_manages_which_scope() {
        use Access::*;
        let cases: Vec<(Vec<Membership>, Scope, Access)> = vec![
            (platform(Role::Admin), Scope::Platform, Allowed),
            (platform(Role::Admin), A(), Allowed),
            (platform(Role::Supervisor), Scope::Platform, Forbidden),
            (platform(Role::Agent), A(), Forbidden),
            (merchant("m-a", Role::Admin), A(), Allowed),
            (merchant("m-a", Role::Admin), B(), Hidden),
            (merchant("m-a", Role::Admin), Scope::Platform, Hidden),
            (merchant("m-a", Role::Supervisor), A(), Forbidden),
            (merchant("m-a", Role::Agent), A(), Forbidden),
            (merchant("m-a", Role::Agent), B(), Hidden),
            (vec![], A(), Hidden),
            (vec![Membership::merchant("m-a", Role::Agent), Membership::merchant("m-b", Role::Admin)], A(), Forbidden),
            (vec![Membership::merchant("m-a", Role::Agent), Membership::merchant("m-b", Role::Admin)], B(), Allowed),
        ];
        for (ms, scope, want) in cases {
            assert_eq!(manage_scope(&ms, &scope), want, "{ms:?} on {scope:?}");
            for role in Role::ALL {
                assert_eq!(invite(&ms, &scope, *role), want, "invite {role} by {ms:?} into {scope:?}");
            }
        }
    }

    #[test]
    fn deactivating_needs_every_scope_of_the_user() {
        use Access::*;
        assert_eq!(manage_user(&merchant("m-a", Role::Admin), &[A()]), Allowed);
        assert_eq!(manage_user(&merchant("m-a", Role::Admin), &[B()]), Hidden);
        assert_eq!(manage_user(&merchant("m-a", Role::Admin), &[Scope::Platform]), Hidden);
        assert_eq!(manage_user(&merchant("m-a", Role::Admin), &[A(), B()]), Forbidden, "also B's staff");
        assert_eq!(manage_user(&merchant("m-a", Role::Admin), &[A(), Scope::Platform]), Forbidden, "also platform staff");
        assert_eq!(manage_user(&merchant("m-a", Role::Supervisor), &[A()]), Forbidden);
        assert_eq!(manage_user(&platform(Role::Admin), &[A(), B(), Scope::Platform]), Allowed);
        assert_eq!(manage_user(&platform(Role::Agent), &[A()]), Forbidden);
        assert_eq!(manage_user(&[], &[]), Hidden);
        assert_eq!(manage_user(&merchant("m-a", Role::Admin), &[]), Hidden, "no memberships: the platform's");
        assert_eq!(manage_user(&platform(Role::Admin), &[]), Allowed);
    }

    #[test]
    fn merchants_are_created_by_platform_admins_only() {
        assert_eq!(create_merchant(&platform(Role::Admin)), Access::Allowed);
        assert_eq!(create_merchant(&platform(Role::Supervisor)), Access::Forbidden);
        assert_eq!(create_merchant(&merchant("m-a", Role::Admin)), Access::Forbidden);
    }

    #[test]
    fn staff_lists_follow_lead_roles() {
        assert_eq!(staff_list(&platform(Role::Admin)), Some(Visibility::All));
        assert_eq!(staff_list(&platform(Role::Supervisor)), Some(Visibility::All));
        assert_eq!(staff_list(&platform(Role::Agent)), None);
        assert_eq!(staff_list(&merchant("m-a", Role::Supervisor)), Some(Visibility::Merchants(vec!["m-a".into()])));
        assert_eq!(staff_list(&merchant("m-a", Role::Agent)), None);
        let mixed = [Membership::platform(Role::Agent), Membership::merchant("m-b", Role::Admin)];
        assert_eq!(staff_list(&mixed), Some(Visibility::Merchants(vec!["m-b".into()])), "an agent's platform membership lists nobody");
    }

    #[test]
    fn the_platform_scope_is_seen_by_platform_members_only() {
        assert!(sees_scope(&platform(Role::Agent), &Scope::Platform));
        assert!(sees_scope(&platform(Role::Agent), &A()));
        assert!(!sees_scope(&merchant("m-a", Role::Admin), &Scope::Platform));
    }
}
