//! SCRAM-SHA-256 (RFC 5802 and 7677), the client's side, without channel binding, and the part
//! of SASLprep (RFC 4013) that changes a password's bytes.

use asm_core::sql::ExecError;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use super::protocol_error;

/// The mechanism's name in the server's list.
pub const MECHANISM: &str = "SCRAM-SHA-256";
/// GS2 header: no channel binding, no authorisation identity.
const GS2_HEADER: &str = "n,,";

type HmacSha256 = Hmac<Sha256>;

/// A password as PostgreSQL derives its SCRAM secret from it: ASCII as it is; otherwise
/// non-ASCII spaces mapped to a space, "commonly mapped to nothing" characters dropped, then
/// `nfkc` (the runtime's Unicode normalisation: the Worker has JavaScript's, so the tables need
/// not ship). The prohibited-character checks are left out: for a password they reject, the
/// server falls back to the raw bytes, and so would this only by chance.
pub fn saslprep(password: &str, nfkc: impl FnOnce(&str) -> String) -> String {
    if password.is_ascii() {
        return password.to_owned();
    }
    let mapped: String = password
        .chars()
        .filter_map(|c| match c as u32 {
            0x00A0 | 0x1680 | 0x2000..=0x200B | 0x202F | 0x205F | 0x3000 => Some(' '),
            0x00AD | 0x034F | 0x1806 | 0x180B..=0x180D | 0x200C | 0x200D | 0x2060 => None,
            0xFE00..=0xFE0F | 0xFEFF => None,
            _ => Some(c),
        })
        .collect();
    let prepared = nfkc(&mapped);
    if prepared.is_empty() { password.to_owned() } else { prepared }
}

/// One SCRAM exchange: the client's first message, then its proof, then the server's check.
pub struct Scram {
    client_first_bare: String,
    client_nonce: String,
    /// The server signature the last message must carry, once the proof was sent.
    expected_server_signature: Option<Vec<u8>>,
}

impl Scram {
    /// Starts with a fresh random `nonce`; returns the client's first message.
    pub fn start(nonce: &[u8]) -> (Scram, Vec<u8>) {
        let client_nonce = BASE64.encode(nonce);
        let client_first_bare = format!("n=,r={client_nonce}");
        let first = format!("{GS2_HEADER}{client_first_bare}").into_bytes();
        (Scram { client_first_bare, client_nonce, expected_server_signature: None }, first)
    }

    /// Answers the server's first message (nonce, salt, iterations) with the proof of
    /// `password` (already through [`saslprep`]).
    pub fn respond(&mut self, password: &str, server_first: &[u8]) -> Result<Vec<u8>, ExecError> {
        let server_first = std::str::from_utf8(server_first)
            .map_err(|_| protocol_error("a SCRAM message that is not UTF-8"))?;
        let (mut nonce, mut salt, mut iterations) = (None, None, None);
        for attribute in server_first.split(',') {
            match attribute.split_at_checked(2) {
                Some(("r=", v)) => nonce = Some(v),
                Some(("s=", v)) => salt = BASE64.decode(v).ok(),
                Some(("i=", v)) => iterations = v.parse::<u32>().ok().filter(|&i| i > 0),
                _ => {}
            }
        }
        let (Some(nonce), Some(salt), Some(iterations)) = (nonce, salt, iterations) else {
            return Err(protocol_error(
                "a SCRAM server-first-message without nonce, salt or count",
            ));
        };
        if !nonce.starts_with(&self.client_nonce) {
            return Err(protocol_error("the server's SCRAM nonce does not extend ours"));
        }
        let salted = salted_password(password.as_bytes(), &salt, iterations);
        let client_key = hmac(&salted, b"Client Key");
        let stored_key = Sha256::digest(client_key);
        let without_proof = format!("c={},r={nonce}", BASE64.encode(GS2_HEADER));
        let auth_message = format!("{},{server_first},{without_proof}", self.client_first_bare);
        let signature = hmac(&stored_key, auth_message.as_bytes());
        let proof: Vec<u8> = client_key.iter().zip(signature).map(|(k, s)| k ^ s).collect();
        let server_key = hmac(&salted, b"Server Key");
        self.expected_server_signature = Some(hmac(&server_key, auth_message.as_bytes()).to_vec());
        Ok(format!("{without_proof},p={}", BASE64.encode(proof)).into_bytes())
    }

    /// Checks the server's last message: it proves the server knows the password too.
    pub fn finish(&self, server_final: &[u8]) -> Result<(), ExecError> {
        let verifier = server_final.strip_prefix(b"v=").and_then(|v| BASE64.decode(v).ok());
        match (verifier, &self.expected_server_signature) {
            (Some(v), Some(expected)) if &v == expected => Ok(()),
            _ => Err(protocol_error("the server's SCRAM signature does not match")),
        }
    }
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// `Hi()`: PBKDF2 with HMAC-SHA-256, one block.
fn salted_password(password: &[u8], salt: &[u8], iterations: u32) -> [u8; 32] {
    let keyed = HmacSha256::new_from_slice(password).expect("HMAC takes keys of any length");
    let mut mac = keyed.clone();
    mac.update(salt);
    mac.update(&1u32.to_be_bytes());
    let mut u: [u8; 32] = mac.finalize().into_bytes().into();
    let mut out = u;
    for _ in 1..iterations {
        let mut mac = keyed.clone();
        mac.update(&u);
        u = mac.finalize().into_bytes().into();
        out.iter_mut().zip(u).for_each(|(o, x)| *o ^= x);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7677's example exchange (user "user", password "pencil").
    #[test]
    fn rfc_7677_example() {
        let mut scram = Scram {
            client_first_bare: "n=user,r=rOprNGfwEbeRWgbNEkqO".to_owned(),
            client_nonce: "rOprNGfwEbeRWgbNEkqO".to_owned(),
            expected_server_signature: None,
        };
        let server_first =
            b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
        let client_final = scram.respond("pencil", server_first).unwrap();
        assert_eq!(
            String::from_utf8(client_final).unwrap(),
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
             p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
        );
        assert!(scram.finish(b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=").is_ok());
        assert!(scram.finish(b"v=AAAA").is_err());
        assert!(scram.respond("pencil", b"r=someone-else,s=W22Z,i=1").is_err());
    }

    #[test]
    fn saslprep_maps_spaces_and_drops_invisibles_before_normalising() {
        let upper = |s: &str| s.to_uppercase();
        assert_eq!(saslprep("plain ascii", upper), "plain ascii");
        assert_eq!(saslprep("a\u{00A0}b\u{00AD}c\u{FEFF}é", upper), "A BCÉ");
        assert_eq!(saslprep("\u{00AD}", upper), "\u{00AD}");
    }
}
