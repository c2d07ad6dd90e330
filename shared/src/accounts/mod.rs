//! Staff accounts: who may sign in and what they may see and do.
//!
//! - [`membership`]: roles (admin, supervisor, agent), scopes (the platform or one merchant) and the
//!   tenancy rule every query follows ([`Membership::sees_merchant`]).
//! - [`password`]: the self-describing PBKDF2-SHA256 hash string and the rules for new passwords.
//! - [`session`]: session lifetimes (idle and absolute expiry), taking `now` as an argument.
//! - [`throttle`]: failed sign-ins counted per account and per client in fixed windows.
//! - [`email`]: e-mail addresses as sign-in names.
//! - [`access`]: who may manage which scope and user (allowed, `403`, or hidden as `404`).
//! - [`invitation`]: one-time setup links (expiry, single use) and the names of people and teams.
//!
//! Architecture invariant: everything here is pure. The worker does the cryptography (WebCrypto's
//! PBKDF2 at exactly [`password::PBKDF2_ITERATIONS`], the production cap) and the storage; this
//! module decides formats, limits and expiry, so they are unit-tested natively.

pub mod access;
pub mod email;
pub mod invitation;
pub mod membership;
pub mod password;
pub mod session;
pub mod throttle;

pub use membership::{Membership, Role, Scope};
