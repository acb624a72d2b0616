//! The start of a connection: the startup message, then whatever authentication the server
//! asks for (none, the password in clear, MD5, SCRAM-SHA-256), up to `ReadyForQuery`.

use asm_core::blob::hex;
use asm_core::sql::ExecError;
use md5::{Digest, Md5};

use super::message::{Authentication, Backend, Outgoing};
use super::protocol_error;
use super::scram::{self, Scram};

/// Whether to ask for TLS, from the connection string's `sslmode` (libpq's default: prefer).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Tls {
    /// `sslmode=disable`: no `SSLRequest`.
    Disable,
    /// Ask; go on in the clear if the server says no.
    Prefer,
    /// `require` and `verify-*`: ask, and give up if the server says no.
    Require,
}

impl Tls {
    /// The mode a connection string (`postgres://…?sslmode=…`) asks for.
    pub fn of(connection_string: &str) -> Tls {
        let query = connection_string.split_once('?').map_or("", |(_, q)| q);
        match form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "sslmode") {
            Some((_, mode)) if mode == "disable" => Tls::Disable,
            Some((_, mode)) if mode == "require" || mode.starts_with("verify") => Tls::Require,
            _ => Tls::Prefer,
        }
    }

    /// Whether to start TLS, from what the server sent after an `SSLRequest`: its one-byte
    /// answer, then nothing more if it agreed (bytes sent before the handshake would be read
    /// as if TLS had protected them: CVE-2021-23222).
    pub fn start_after(self, received: &[u8]) -> Result<bool, ExecError> {
        match received {
            [b'S'] => Ok(true),
            [b'S', ..] => Err(protocol_error("the server sent data before the TLS handshake")),
            [b'N', ..] if self == Tls::Require => {
                Err(protocol_error("the server does not speak TLS (sslmode=require)"))
            }
            [b'N', ..] => Ok(false),
            _ => Err(protocol_error("an SSLRequest answered with neither S nor N")),
        }
    }
}

/// Who connects to which database.
pub struct Credentials<'a> {
    /// The role.
    pub user: &'a str,
    /// Its password as given (MD5 and clear text send it so).
    pub password: &'a str,
    /// The password through SASLprep, for SCRAM ([`scram::saslprep`]).
    pub scram_password: &'a str,
    /// The database.
    pub database: &'a str,
}

/// What to do after a backend message during startup.
#[derive(Debug, PartialEq)]
pub enum Step {
    /// Send these bytes, then read on.
    Send(Vec<u8>),
    /// Read on.
    Read,
    /// The connection is ready for statements.
    Ready,
}

/// The startup exchange of one connection.
pub struct Startup<'a> {
    credentials: Credentials<'a>,
    nonce: [u8; 18],
    scram: Option<Scram>,
}

impl<'a> Startup<'a> {
    /// The exchange and its first message. `nonce` is fresh randomness for SCRAM.
    pub fn start(credentials: Credentials<'a>, nonce: [u8; 18]) -> (Startup<'a>, Vec<u8>) {
        let mut out = Outgoing::default();
        out.startup(&[
            ("user", credentials.user),
            ("database", credentials.database),
            ("client_encoding", "UTF8"),
        ]);
        (Startup { credentials, nonce, scram: None }, out.0)
    }

    /// Acts on one backend message.
    pub fn receive(&mut self, message: Backend<'_>) -> Result<Step, ExecError> {
        let mut out = Outgoing::default();
        match message {
            Backend::Authentication(request) => match request {
                Authentication::Ok => return Ok(Step::Read),
                Authentication::Cleartext => out.password(self.credentials.password),
                Authentication::Md5(salt) => out.password(&md5_password(&self.credentials, salt)),
                Authentication::Sasl(mechanisms) => {
                    if !mechanisms.contains(&scram::MECHANISM) {
                        return Err(protocol_error(format!(
                            "the server offers SASL mechanisms {mechanisms:?}, not SCRAM-SHA-256"
                        )));
                    }
                    let (scram, first) = Scram::start(&self.nonce);
                    self.scram = Some(scram);
                    out.sasl_initial(scram::MECHANISM, &first);
                }
                Authentication::SaslContinue(data) => {
                    let scram = self.scram.as_mut().ok_or_else(|| unexpected("SASL data"))?;
                    out.sasl_response(&scram.respond(self.credentials.scram_password, data)?);
                }
                Authentication::SaslFinal(data) => {
                    self.scram.as_ref().ok_or_else(|| unexpected("SASL's end"))?.finish(data)?;
                    return Ok(Step::Read);
                }
                Authentication::Other(code) => {
                    return Err(protocol_error(format!(
                        "the server asks for authentication method {code}, which this driver does \
                         not speak (it speaks trust, password, md5 and scram-sha-256)"
                    )));
                }
            },
            Backend::Error(error) => return Err(error.into()),
            Backend::ReadyForQuery(_) => return Ok(Step::Ready),
            _ => return Ok(Step::Read),
        }
        Ok(Step::Send(out.0))
    }
}

fn unexpected(what: &str) -> ExecError {
    protocol_error(format!("{what} before the server chose SCRAM"))
}

/// `md5` + hex(md5(hex(md5(password + user)) + salt)), as `md5` authentication wants it.
fn md5_password(credentials: &Credentials<'_>, salt: [u8; 4]) -> String {
    let inner = hex(&Md5::new()
        .chain_update(credentials.password)
        .chain_update(credentials.user)
        .finalize());
    let outer = Md5::new().chain_update(inner).chain_update(salt).finalize();
    format!("md5{}", hex(&outer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslmode_from_the_connection_string() {
        assert_eq!(Tls::of("postgres://u:p@h:5432/db"), Tls::Prefer);
        assert_eq!(Tls::of("postgres://u:p@h/db?sslmode=disable"), Tls::Disable);
        assert_eq!(Tls::of("postgres://h/db?application_name=x&sslmode=verify-full"), Tls::Require);
        assert!(Tls::Require.start_after(b"N").is_err());
        assert!(!Tls::Prefer.start_after(b"N").unwrap());
        assert!(Tls::Prefer.start_after(b"S").unwrap());
        assert!(Tls::Prefer.start_after(b"SE\0\0\0\x04").is_err());
        assert!(Tls::Prefer.start_after(b"E").is_err());
    }

    #[test]
    fn md5_answer_matches_postgres_recipe() {
        // Computed independently with Python's hashlib.
        let c = Credentials { user: "alice", password: "secret", scram_password: "", database: "" };
        assert_eq!(md5_password(&c, [1, 2, 3, 4]), "md598a0412b9c31436fc53776e863350083");
    }
}
