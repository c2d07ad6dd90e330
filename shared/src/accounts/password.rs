//! Password hashes as self-describing strings, and the rules for new passwords.
//!
//! The worker derives `PBKDF2-SHA256(HMAC-SHA256(pepper, password), salt, iterations)` with
//! WebCrypto and stores [`PasswordHash`]'s string form:
//!
//! ```text
//! pbkdf2-sha256$i=100000$p=1$<salt, hex>$<derived key, hex>
//! ```
//!
//! `i` is the iteration count and `p` the pepper's version (the `PASSWORD_PEPPER` secret), so a
//! later change of either can be recognised and rehashed on the next sign-in.

/// PBKDF2 iterations for new hashes: exactly Cloudflare's production cap for WebCrypto PBKDF2.
/// Local workerd does not enforce the cap, so [`tests::iterations_are_the_production_cap`] does.
pub const PBKDF2_ITERATIONS: u32 = 100_000;
/// The most iterations WebCrypto's PBKDF2 accepts in production (workerd issue 1346).
pub const WORKERS_PBKDF2_CAP: u32 = 100_000;
/// Salt length in bytes.
pub const SALT_BYTES: usize = 16;
/// Derived key length in bytes.
pub const KEY_BYTES: usize = 32;
/// The pepper version new hashes use.
pub const PEPPER_VERSION: u32 = 1;
/// Shortest and longest accepted password, in characters.
pub const PASSWORD_CHARS: std::ops::RangeInclusive<usize> = 10..=128;

const SCHEME: &str = "pbkdf2-sha256";

// A build with more iterations than production accepts does not compile.
const _: () = assert!(PBKDF2_ITERATIONS <= WORKERS_PBKDF2_CAP);

/// A stored password hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasswordHash {
    pub iterations: u32,
    pub pepper_version: u32,
    pub salt: Vec<u8>,
    pub key: Vec<u8>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || s.is_empty() {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

impl PasswordHash {
    /// A hash with today's parameters.
    pub fn new(salt: Vec<u8>, key: Vec<u8>) -> PasswordHash {
        PasswordHash { iterations: PBKDF2_ITERATIONS, pepper_version: PEPPER_VERSION, salt, key }
    }

    /// Reads a stored string; `None` when it is not in the format above.
    pub fn parse(s: &str) -> Option<PasswordHash> {
        let mut parts = s.split('$');
        if parts.next()? != SCHEME {
            return None;
        }
        let iterations = parts.next()?.strip_prefix("i=")?.parse().ok()?;
        let pepper_version = parts.next()?.strip_prefix("p=")?.parse().ok()?;
        let salt = unhex(parts.next()?)?;
        let key = unhex(parts.next()?)?;
        if parts.next().is_some() || iterations == 0 {
            return None;
        }
        Some(PasswordHash { iterations, pepper_version, salt, key })
    }

    /// Whether the hash was made with other parameters than today's (rehash after a sign-in).
    pub fn is_outdated(&self) -> bool {
        self.iterations != PBKDF2_ITERATIONS || self.pepper_version != PEPPER_VERSION || self.key.len() != KEY_BYTES
    }

    /// Compares a freshly derived key with the stored one in constant time (for equal lengths).
    pub fn matches(&self, derived: &[u8]) -> bool {
        derived.len() == self.key.len() && derived.iter().zip(&self.key).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }
}

impl std::fmt::Display for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{SCHEME}$i={}$p={}${}${}", self.iterations, self.pepper_version, hex(&self.salt), hex(&self.key))
    }
}

/// Why a new password is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("the password must have 10–128 characters")]
    Length,
    #[error("the password must not be only spaces or contain control characters")]
    Characters,
}

/// Checks a password someone is setting (sign-in accepts whatever was set).
pub fn validate_new(password: &str) -> Result<(), PasswordError> {
    if !PASSWORD_CHARS.contains(&password.chars().count()) {
        return Err(PasswordError::Length);
    }
    if password.trim().is_empty() || password.chars().any(char::is_control) {
        return Err(PasswordError::Characters);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Production refuses more than 100,000 PBKDF2 iterations and local workerd does not, so a
    /// higher count would pass every local test and fail every sign-in after a deploy.
    #[test]
    #[allow(clippy::assertions_on_constants)]
    fn iterations_are_the_production_cap() {
        assert!(PBKDF2_ITERATIONS <= WORKERS_PBKDF2_CAP);
        assert_eq!(PBKDF2_ITERATIONS, 100_000);
    }

    #[test]
    fn hashes_round_trip_and_describe_themselves() {
        let h = PasswordHash::new(vec![0xab; SALT_BYTES], vec![0x01; KEY_BYTES]);
        let s = h.to_string();
        assert!(s.starts_with("pbkdf2-sha256$i=100000$p=1$abab"), "{s}");
        assert_eq!(PasswordHash::parse(&s), Some(h.clone()));
        assert!(!h.is_outdated());
        let old = PasswordHash { iterations: 50_000, ..h.clone() };
        assert!(PasswordHash::parse(&old.to_string()).is_some_and(|o| o.is_outdated()));
        for bad in ["", "bcrypt$x", "pbkdf2-sha256$i=0$p=1$ab$cd", "pbkdf2-sha256$i=1$p=1$abc$cd", "pbkdf2-sha256$i=1$p=1$ab$cd$ef", "pbkdf2-sha256$1$1$ab$cd"]
        {
            assert_eq!(PasswordHash::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn derived_keys_are_compared_whole() {
        let h = PasswordHash::new(vec![1; SALT_BYTES], vec![7; KEY_BYTES]);
        assert!(h.matches(&[7; KEY_BYTES]));
        assert!(!h.matches(&[7; KEY_BYTES - 1]));
        let mut other = [7u8; KEY_BYTES];
        other[31] = 8;
        assert!(!h.matches(&other));
    }

    #[test]
    fn new_passwords_are_checked() {
        assert_eq!(validate_new("correct horse battery"), Ok(()));
        assert_eq!(validate_new("短密码"), Err(PasswordError::Length));
        assert_eq!(validate_new(&"x".repeat(129)), Err(PasswordError::Length));
        assert_eq!(validate_new("           "), Err(PasswordError::Characters));
        assert_eq!(validate_new("abc\u{0}defghijk"), Err(PasswordError::Characters));
        assert_eq!(validate_new("一二三四五六七八九十"), Ok(()), "characters, not bytes");
    }
}
