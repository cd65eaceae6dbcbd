//! `Basic-Auth` in `_headers`, Netlify's password protection of a path
//! (`Basic-Auth: user:password [user2:password2 ...]`), checked against the
//! request's `Authorization` (RFC 7617, the "Basic" scheme).
//!
//! A password is written either as it is (Netlify's form), or, so that it
//! need not sit in the site as plain text, as a salted SHA-256:
//! `user:sha256:SALT:HEX`, where HEX is the SHA-256, in hex, of
//! `SALT:password` (`printf '%s' 'SALT:password' | sha256sum`); or, so that
//! it need not sit in the site at all, as the name of a variable,
//! `user:variable:NAME`, whose value is the password in either form: the
//! Spin variable `NAME` (a secret one, say) in the Spin build, else the
//! environment variable `NAME` in upper case ([`crate::Variables`]). SHA-256 and
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
    /// `variable:NAME`, not yet resolved, or naming a variable that is not
    /// set: it admits nobody.
    Variable(String),
}

/// The form of a variable's name: a Spin variable's (lower-case ASCII
/// letters, digits and `_`, starting with a letter).
fn is_variable_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// A password as written, after its user's colon: plain, or
/// `sha256:SALT:HEX`. None: a malformed hash.
fn password(secret: &str) -> Option<Password> {
    match secret.strip_prefix("sha256:") {
        Some(hashed) => salted(hashed),
        None => Some(Password::Plain(sha256(secret.as_bytes()))),
    }
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
            let password = match secret.strip_prefix("variable:") {
                Some(name) if is_variable_name(name) => Password::Variable(name.to_string()),
                Some(_) => {
                    return Err(format!(
                        "Basic-Auth: credential {number} is not `user:variable:NAME` (NAME in \
                         lower-case letters, digits and `_`, as a Spin variable's)"
                    ));
                }
                None => password(secret).ok_or_else(|| {
                    format!("Basic-Auth: credential {number} is not `user:sha256:SALT:HEX` (64 hex digits)")
                })?,
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

    /// Replaces each `variable:NAME` password with the value `lookup` gives
    /// `NAME` (plain or `sha256:SALT:HEX`). What is wrong, for the log: a
    /// variable not set (its credential admits nobody) or whose value is a
    /// malformed hash, by name, never by value.
    pub fn resolve_variables(&mut self, lookup: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
        let mut problems = Vec::new();
        for credential in &mut self.users {
            let Password::Variable(name) = &credential.password else {
                continue;
            };
            match lookup(name).as_deref().map(password) {
                Some(Some(resolved)) => credential.password = resolved,
                Some(None) => problems.push(format!(
                    "Basic-Auth: the variable `{name}` is not a password or \
                     `sha256:SALT:HEX` (64 hex digits); its credential admits nobody"
                )),
                None => problems.push(format!(
                    "Basic-Auth: the variable `{name}` is not set (a Spin variable of the \
                     component, or the environment variable {}); its credential admits nobody",
                    name.to_ascii_uppercase()
                )),
            }
        }
        problems
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
                Password::Variable(_) => Choice::from(0),
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
    fn passwords_named_by_variable_admit_once_resolved() {
        let hashed_value = hashed("salt", "long random words");
        let lookup = |name: &str| match name {
            "plain_pw" => Some("open sesame".to_string()),
            "hashed_pw" => Some(hashed_value.clone()),
            "bad_hash" => Some("sha256:salt:00".to_string()),
            _ => None,
        };
        let value = "a:variable:plain_pw b:variable:hashed_pw c:variable:unset d:variable:bad_hash";
        let mut credentials = Credentials::parse(value).unwrap();
        assert!(
            !credentials.admit(Some(&basic("a:open sesame"))),
            "before resolving"
        );
        let problems = credentials.resolve_variables(&lookup);
        #[rustfmt::skip]
        let table: &[(&str, bool)] = &[
            ("a:open sesame", true),
            ("b:long random words", true),
            ("a:long random words", false),
            ("c:", false),
            ("c:variable:unset", false),
            ("d:sha256:salt:00", false),
            ("a:variable:plain_pw", false),
        ];
        for (pair, admitted) in table {
            assert_eq!(credentials.admit(Some(&basic(pair))), *admitted, "{pair}");
        }
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("`unset` is not set") && problems[0].contains("UNSET"));
        assert!(problems[1].contains("`bad_hash` is not a password"));
        let lines = problems.join("\n");
        assert!(
            !lines.contains("sesame") && !lines.contains("salt:00"),
            "{lines}"
        );
        for bad in [
            "a:variable:",
            "a:variable:Upper",
            "a:variable:1x",
            "a:variable:a-b",
        ] {
            assert!(Credentials::parse(bad).is_err(), "{bad}");
        }
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
