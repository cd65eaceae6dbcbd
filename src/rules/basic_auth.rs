//! `Basic-Auth` in `_headers`, Netlify's password protection of a path
//! (`Basic-Auth: user:password [user2:password2 ...]`), checked against the
//! request's `Authorization` (RFC 7617, the "Basic" scheme).
//!
//! A password is written either as it is (Netlify's form), or, so that it
//! need not sit in the site as plain text, as a salted SHA-256:
//! `user:sha256:SALT:HEX`, where HEX is the SHA-256, in hex, of
//! `SALT:password` (`printf '%s' 'SALT:password' | sha256sum`). SHA-256 and
//! not a slow hash (bcrypt, Argon2): a new instance answers each request for
//! the WASIp2 artifact under Spin, so nothing verified can be remembered, and
//! a slow hash would cost every request tens of milliseconds of CPU that
//! anyone could ask for (docs/rules.md says what follows for passwords).
//!
//! Every comparison takes the same time whatever the bytes: user names and
//! passwords are hashed first and their digests compared with `subtle`'s
//! constant-time equality, over every credential of the rule, without
//! stopping at a match.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};
use subtle::{Choice, ConstantTimeEq};

/// The field name in `_headers`; the line is never sent as a field.
pub const FIELD_NAME: &str = "basic-auth";

/// The longest `Authorization` value looked at, in bytes: a longer one is
/// no valid credential here, and is not hashed.
const MAX_AUTHORIZATION_BYTES: usize = 4096;

/// The credentials a rule accepts.
#[derive(Clone)]
pub struct Credentials {
    users: Vec<Credential>,
}

#[derive(Clone)]
struct Credential {
    /// The SHA-256 of the user name.
    user: [u8; 32],
    password: Password,
}

#[derive(Clone)]
enum Password {
    /// The SHA-256 of the password as written.
    Plain([u8; 32]),
    /// The SHA-256 of `salt:password`.
    Salted { salt: String, digest: [u8; 32] },
}

/// Nothing of a credential is ever printed: no name, no password, no hash.
impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials({} users)", self.users.len())
    }
}

impl Credentials {
    /// Credentials that admit nobody: those of a protected rule that was
    /// refused, so that its paths fail closed.
    pub fn nobody() -> Credentials {
        Credentials { users: Vec::new() }
    }

    /// The credentials of a `Basic-Auth` value: `user:password` pairs
    /// separated by white space. The message of a refusal never quotes a
    /// password or a hash.
    pub fn parse(value: &str) -> Result<Credentials, String> {
        let mut users = Vec::new();
        for (index, pair) in value.split_whitespace().enumerate() {
            let number = index + 1;
            let Some((user, secret)) = pair.split_once(':') else {
                return Err(format!(
                    "Basic-Auth: credential {number} is not `user:password`"
                ));
            };
            if user.is_empty() || secret.is_empty() {
                return Err(format!(
                    "Basic-Auth: credential {number} has an empty user or password"
                ));
            }
            let password = match secret.strip_prefix("sha256:") {
                Some(hashed) => salted(hashed).ok_or_else(|| {
                    format!("Basic-Auth: credential {number} is not `user:sha256:SALT:HEX` (64 hex digits)")
                })?,
                None => Password::Plain(sha256(secret.as_bytes())),
            };
            users.push(Credential {
                user: sha256(user.as_bytes()),
                password,
            });
        }
        if users.is_empty() {
            return Err("Basic-Auth: no credentials".to_string());
        }
        Ok(Credentials { users })
    }

    /// Whether `authorization`, the request's `Authorization` field value,
    /// carries one of these credentials: `Basic` (any case) and the base64
    /// of `user:password` (RFC 7617 section 2; the user is what comes before
    /// the first colon).
    pub fn admit(&self, authorization: Option<&[u8]>) -> bool {
        let authorization = authorization.filter(|value| value.len() <= MAX_AUTHORIZATION_BYTES);
        let Some((user, password)) = authorization.and_then(basic_pair) else {
            return false;
        };
        let user = sha256(&user);
        let plain = sha256(&password);
        let mut admitted = Choice::from(0);
        for credential in &self.users {
            let password_matches = match &credential.password {
                Password::Plain(digest) => plain.ct_eq(digest),
                Password::Salted { salt, digest } => {
                    let mut salted = Vec::with_capacity(salt.len() + 1 + password.len());
                    salted.extend_from_slice(salt.as_bytes());
                    salted.push(b':');
                    salted.extend_from_slice(&password);
                    sha256(&salted).ct_eq(digest)
                }
            };
            admitted |= credential.user.ct_eq(&user) & password_matches;
        }
        admitted.into()
    }
}

/// `SALT:HEX` of a hashed password.
fn salted(hashed: &str) -> Option<Password> {
    let (salt, hex) = hashed.rsplit_once(':')?;
    if hex.len() != 64 {
        return None;
    }
    let mut digest = [0u8; 32];
    for (byte, pair) in digest.iter_mut().zip(hex.as_bytes().chunks(2)) {
        *byte = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
    }
    Some(Password::Salted {
        salt: salt.to_string(),
        digest,
    })
}

/// The user and password of a `Basic` credential, as bytes.
fn basic_pair(value: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let value = std::str::from_utf8(value).ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(token.trim()).ok()?;
    let colon = decoded.iter().position(|&b| b == b':')?;
    Some((decoded[..colon].to_vec(), decoded[colon + 1..].to_vec()))
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(pair: &str) -> Vec<u8> {
        format!("Basic {}", STANDARD.encode(pair)).into_bytes()
    }

    /// The salted hash of `password` with `salt`, as `sha256:SALT:HEX`.
    fn hashed(salt: &str, password: &str) -> String {
        let digest = sha256(format!("{salt}:{password}").as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        format!("sha256:{salt}:{hex}")
    }

    #[test]
    fn plain_and_hashed_passwords_admit_their_users_only() {
        let value = format!(
            "admin:secret123 ann:{}",
            hashed("pepper", "s3cret: with colon")
        );
        let credentials = Credentials::parse(&value).unwrap();
        #[rustfmt::skip]
        let table: &[(&[u8], bool)] = &[
            (&basic("admin:secret123"), true),
            (&basic("ann:s3cret: with colon"), true),
            (b"basic YWRtaW46c2VjcmV0MTIz", true),
            (&basic("admin:secret124"), false),
            (&basic("ann:secret123"), false),
            (&basic("admin:"), false),
            (&basic("adminsecret123"), false),
            (b"Bearer YWRtaW46c2VjcmV0MTIz", false),
            (b"Basic not-base64!", false),
            (b"", false),
        ];
        for (authorization, admitted) in table {
            let text = String::from_utf8_lossy(authorization);
            assert_eq!(credentials.admit(Some(authorization)), *admitted, "{text}");
        }
        assert!(!credentials.admit(None));
    }

    #[test]
    fn malformed_credentials_are_refused_without_quoting_them() {
        for value in [
            "",
            "admin",
            ":pw",
            "admin:",
            "ann:sha256:salt:abc",
            "ann:sha256:nohex",
        ] {
            let refusal = Credentials::parse(value)
                .err()
                .unwrap_or_else(|| panic!("{value}"));
            assert!(
                !refusal.contains("salt") && !refusal.contains("abc"),
                "{refusal}"
            );
        }
        let credentials = Credentials::parse("admin:secret123").unwrap();
        assert_eq!(format!("{credentials:?}"), "Credentials(1 users)");
    }
}
