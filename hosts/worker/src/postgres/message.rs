//! The protocol's messages: what the frontend sends, encoded into a buffer, and what the backend
//! answers, read from its frames in place.

use asm_core::sql::{ExecError, ExecErrorKind, Value};

use super::protocol_error;

/// Protocol 3.0, the startup message's version field.
const PROTOCOL_3_0: i32 = 196_608;
/// The request code of an `SSLRequest`.
const SSL_REQUEST: i32 = 80_877_103;

/// Frontend messages appended to one buffer, so a whole exchange goes out in one write.
#[derive(Debug, Default)]
pub struct Outgoing(pub Vec<u8>);

impl Outgoing {
    /// A message with a type byte: the body written by `body`, then its length filled in.
    fn message(&mut self, tag: u8, body: impl FnOnce(&mut Vec<u8>)) {
        self.0.push(tag);
        self.framed(body);
    }

    /// A length-prefixed body (the length counts itself).
    fn framed(&mut self, body: impl FnOnce(&mut Vec<u8>)) {
        let at = self.0.len();
        self.0.extend_from_slice(&[0; 4]);
        body(&mut self.0);
        let len = (self.0.len() - at) as i32;
        self.0[at..at + 4].copy_from_slice(&len.to_be_bytes());
    }

    /// Asks the server whether it speaks TLS on this connection (answered by one byte).
    pub fn ssl_request(&mut self) {
        self.framed(|b| b.extend_from_slice(&SSL_REQUEST.to_be_bytes()));
    }

    /// The startup message with its parameters (`user`, `database`, …).
    pub fn startup(&mut self, parameters: &[(&str, &str)]) {
        self.framed(|b| {
            b.extend_from_slice(&PROTOCOL_3_0.to_be_bytes());
            for (name, value) in parameters {
                cstr(b, name);
                cstr(b, value);
            }
            b.push(0);
        });
    }

    /// A password, in clear or hashed as the server asked.
    pub fn password(&mut self, password: &str) {
        self.message(b'p', |b| cstr(b, password));
    }

    /// The first SASL message: the chosen mechanism and the client's first message.
    pub fn sasl_initial(&mut self, mechanism: &str, data: &[u8]) {
        self.message(b'p', |b| {
            cstr(b, mechanism);
            b.extend_from_slice(&(data.len() as i32).to_be_bytes());
            b.extend_from_slice(data);
        });
    }

    /// A further SASL message.
    pub fn sasl_response(&mut self, data: &[u8]) {
        self.message(b'p', |b| b.extend_from_slice(data));
    }

    /// Parses `sql` as the unnamed statement; every parameter's type comes from its cast.
    pub fn parse(&mut self, sql: &str) {
        self.message(b'P', |b| {
            b.push(0);
            cstr(b, sql);
            b.extend_from_slice(&0i16.to_be_bytes());
        });
    }

    /// Binds the core's values, in PostgreSQL's text input form, to the unnamed portal and asks
    /// for every result column in binary. Every placeholder of the core's SQL carries its cast,
    /// so the server knows each parameter's type. Values are written straight into the message.
    pub fn bind(&mut self, params: &[Value]) {
        self.message(b'B', |b| {
            b.extend_from_slice(&[0, 0]); // portal "", statement ""
            b.extend_from_slice(&0i16.to_be_bytes()); // every parameter in text
            b.extend_from_slice(&(params.len() as u16).to_be_bytes()); // read as unsigned
            for value in params {
                let at = b.len();
                b.extend_from_slice(&[0; 4]);
                let len = if text_form(value, b) { (b.len() - at - 4) as i32 } else { -1 };
                b[at..at + 4].copy_from_slice(&len.to_be_bytes());
            }
            b.extend_from_slice(&1i16.to_be_bytes());
            b.extend_from_slice(&1i16.to_be_bytes()); // every result column in binary
        });
    }

    /// Asks for the unnamed portal's row description (or `NoData`).
    pub fn describe_portal(&mut self) {
        self.message(b'D', |b| b.extend_from_slice(b"P\0"));
    }

    /// Runs the unnamed portal to completion.
    pub fn execute(&mut self) {
        self.message(b'E', |b| b.extend_from_slice(&[0, 0, 0, 0, 0]));
    }

    /// Ends the pipeline: the server answers `ReadyForQuery` after it.
    pub fn sync(&mut self) {
        self.message(b'S', |_| {});
    }

    /// Says goodbye before the socket closes.
    pub fn terminate(&mut self) {
        self.message(b'X', |_| {});
    }
}

/// Appends a value in PostgreSQL's text input form; false for NULL, which has none.
fn text_form(value: &Value, out: &mut Vec<u8>) -> bool {
    match value {
        Value::Null => return false,
        Value::Integer(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Value::Real(x) if x.is_nan() => out.extend_from_slice(b"NaN"),
        Value::Real(x) if x.is_infinite() => {
            out.extend_from_slice(if *x > 0.0 { b"Infinity" } else { b"-Infinity" })
        }
        // The shortest text that reads back as the same double (serde_json's ryu).
        Value::Real(x) => {
            let _ = serde_json::to_writer(&mut *out, x);
        }
        Value::Text(s) => out.extend_from_slice(s.as_bytes()),
    }
    true
}

fn cstr(b: &mut Vec<u8>, s: &str) {
    b.extend_from_slice(s.as_bytes());
    b.push(0);
}

/// The length of the first complete backend frame in `buf` (type byte, length, body), or
/// `None` while more bytes are needed.
fn frame_len(buf: &[u8]) -> Result<Option<usize>, ExecError> {
    let Some(header) = buf.get(1..5) else { return Ok(None) };
    let len = i32::from_be_bytes([header[0], header[1], header[2], header[3]]);
    if len < 4 {
        return Err(protocol_error(format!("a backend message of length {len}")));
    }
    let total = 1 + len as usize;
    Ok((buf.len() >= total).then_some(total))
}

/// What has been read from the server and not yet consumed: whatever moves the bytes pushes
/// them in and takes complete frames out.
#[derive(Debug, Default)]
pub struct Frames {
    buffer: Vec<u8>,
    start: usize,
}

impl Frames {
    /// Appends bytes read from the socket (dropping those already taken first).
    pub fn push(&mut self, bytes: &[u8]) {
        self.buffer.drain(..self.start);
        self.start = 0;
        self.buffer.extend_from_slice(bytes);
    }

    /// The bytes not yet taken (the one-byte answer to an `SSLRequest` is not a frame).
    pub fn unread(&self) -> &[u8] {
        &self.buffer[self.start..]
    }

    /// Consumes `n` bytes of [`Frames::unread`].
    pub fn skip(&mut self, n: usize) {
        self.start = (self.start + n).min(self.buffer.len());
    }

    /// Whether a complete frame is there to take.
    pub fn ready(&self) -> Result<bool, ExecError> {
        Ok(frame_len(self.unread())?.is_some())
    }

    /// Takes the next frame and reads it (push until [`Frames::ready`] first).
    pub fn take(&mut self) -> Result<Backend<'_>, ExecError> {
        let len = frame_len(self.unread())?
            .ok_or_else(|| protocol_error("a backend message taken before it arrived"))?;
        let at = self.start;
        self.start += len;
        Backend::parse(&self.buffer[at..at + len])
    }
}

/// What the server asks for in an authentication request.
#[derive(Debug, PartialEq)]
pub enum Authentication<'a> {
    /// Authenticated.
    Ok,
    /// The password in clear.
    Cleartext,
    /// The password hashed with MD5 and this salt.
    Md5([u8; 4]),
    /// A SASL exchange with one of these mechanisms.
    Sasl(Vec<&'a str>),
    /// The server's next SASL message.
    SaslContinue(&'a [u8]),
    /// The server's last SASL message.
    SaslFinal(&'a [u8]),
    /// A method this driver does not speak (Kerberos, GSSAPI, SSPI).
    Other(i32),
}

/// A backend message, borrowing its frame.
#[derive(Debug, PartialEq)]
pub enum Backend<'a> {
    /// `R`.
    Authentication(Authentication<'a>),
    /// `Z`, with the transaction status (`I`dle, in `T`ransaction, `E`rror).
    ReadyForQuery(u8),
    /// `E`.
    Error(ServerError),
    /// `T`: the type OID of each column, by name.
    RowDescription(Vec<(&'a str, u32)>),
    /// `D`: one row, its cells still encoded.
    DataRow(DataRow<'a>),
    /// `C`: the command tag (`INSERT 0 3`, `SELECT 2`, …).
    CommandComplete(&'a str),
    /// `n`: the portal returns no rows.
    NoData,
    /// `I`: the statement was empty.
    EmptyQuery,
    /// Anything the executor does not act on: `1`, `2` (parse and bind done), `S` (a
    /// parameter's value), `K` (the cancel key), `N` (a notice), …
    Other(u8),
}

/// An `ErrorResponse`: the server's SQLSTATE and message.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerError {
    /// The SQLSTATE (`23505`, …).
    pub code: String,
    /// The primary message.
    pub message: String,
}

impl From<ServerError> for ExecError {
    fn from(e: ServerError) -> ExecError {
        ExecError::new(ExecErrorKind::from_sqlstate(&e.code), e.message)
    }
}

/// The cells of a `DataRow`, read one by one.
#[derive(Debug, PartialEq)]
pub struct DataRow<'a> {
    /// How many cells follow.
    pub len: usize,
    cells: Reader<'a>,
}

impl<'a> DataRow<'a> {
    /// The next cell: `None` for NULL.
    pub fn next_cell(&mut self) -> Result<Option<&'a [u8]>, ExecError> {
        let len = self.cells.i32()?;
        if len < 0 { Ok(None) } else { self.cells.take(len as usize).map(Some) }
    }
}

/// Big-endian fields off the front of a message body.
#[derive(Debug, PartialEq)]
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ExecError> {
        if self.0.len() < n {
            return Err(protocol_error("a truncated backend message"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn i16(&mut self) -> Result<i16, ExecError> {
        let b = self.take(2)?;
        Ok(i16::from_be_bytes([b[0], b[1]]))
    }

    fn i32(&mut self) -> Result<i32, ExecError> {
        let b = self.take(4)?;
        Ok(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn cstr(&mut self) -> Result<&'a str, ExecError> {
        let end = self.0.iter().position(|&b| b == 0);
        let s = self.take(end.ok_or_else(|| protocol_error("an unterminated string"))?)?;
        self.take(1)?;
        std::str::from_utf8(s).map_err(|_| protocol_error("a string that is not UTF-8"))
    }
}

impl<'a> Backend<'a> {
    /// Reads one complete frame (as measured by [`frame_len`]).
    pub fn parse(frame: &'a [u8]) -> Result<Backend<'a>, ExecError> {
        let mut r = Reader(frame.get(5..).unwrap_or_default());
        Ok(match frame[0] {
            b'R' => Backend::Authentication(match r.i32()? {
                0 => Authentication::Ok,
                3 => Authentication::Cleartext,
                5 => Authentication::Md5(r.take(4)?.try_into().unwrap_or_default()),
                10 => {
                    let mut mechanisms = Vec::new();
                    loop {
                        match r.cstr()? {
                            "" => break,
                            name => mechanisms.push(name),
                        }
                    }
                    Authentication::Sasl(mechanisms)
                }
                11 => Authentication::SaslContinue(r.0),
                12 => Authentication::SaslFinal(r.0),
                other => Authentication::Other(other),
            }),
            b'Z' => Backend::ReadyForQuery(r.take(1)?[0]),
            b'E' => {
                let mut error = ServerError { code: String::new(), message: String::new() };
                loop {
                    match r.take(1)?[0] {
                        0 => break,
                        b'C' => error.code = r.cstr()?.to_owned(),
                        b'M' => error.message = r.cstr()?.to_owned(),
                        _ => {
                            r.cstr()?;
                        }
                    }
                }
                Backend::Error(error)
            }
            b'T' => {
                let n = r.i16()?;
                let mut columns = Vec::with_capacity(n.max(0) as usize);
                for _ in 0..n {
                    let name = r.cstr()?;
                    r.take(6)?; // table OID, column number
                    let type_oid = r.i32()? as u32;
                    r.take(8)?; // type size, modifier, format
                    columns.push((name, type_oid));
                }
                Backend::RowDescription(columns)
            }
            b'D' => {
                let len = r.i16()?.max(0) as usize;
                Backend::DataRow(DataRow { len, cells: r })
            }
            b'C' => Backend::CommandComplete(r.cstr()?),
            b'n' => Backend::NoData,
            b'I' => Backend::EmptyQuery,
            other => Backend::Other(other),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        out.extend_from_slice(&(body.len() as i32 + 4).to_be_bytes());
        out.extend_from_slice(body);
        out
    }

    #[test]
    fn frames_are_measured_before_they_are_read() {
        let f = frame(b'C', b"INSERT 0 2\0");
        assert_eq!(frame_len(&f[..4]).unwrap(), None);
        assert_eq!(frame_len(&f[..f.len() - 1]).unwrap(), None);
        assert_eq!(frame_len(&f).unwrap(), Some(f.len()));
        assert_eq!(Backend::parse(&f).unwrap(), Backend::CommandComplete("INSERT 0 2"));
        assert!(frame_len(&[b'C', 0, 0, 0, 3]).is_err());
    }

    #[test]
    fn errors_rows_and_sasl_requests() {
        let e = frame(b'E', b"SERROR\0C23505\0Mduplicate key\0\0");
        let Backend::Error(error) = Backend::parse(&e).unwrap() else { panic!() };
        assert_eq!(ExecError::from(error).kind, ExecErrorKind::UniqueViolation);

        let mut body = 2i16.to_be_bytes().to_vec();
        body.extend_from_slice(&(-1i32).to_be_bytes());
        body.extend_from_slice(&2i32.to_be_bytes());
        body.extend_from_slice(b"ok");
        let d = frame(b'D', &body);
        let Backend::DataRow(mut row) = Backend::parse(&d).unwrap() else { panic!() };
        assert_eq!(
            (row.len, row.next_cell().unwrap(), row.next_cell().unwrap()),
            (2, None, Some(&b"ok"[..]))
        );
        assert!(row.next_cell().is_err());

        let mut body = 10i32.to_be_bytes().to_vec();
        body.extend_from_slice(b"SCRAM-SHA-256-PLUS\0SCRAM-SHA-256\0\0");
        let r = frame(b'R', &body);
        assert_eq!(
            Backend::parse(&r).unwrap(),
            Backend::Authentication(Authentication::Sasl(vec![
                "SCRAM-SHA-256-PLUS",
                "SCRAM-SHA-256"
            ]))
        );
        assert!(Backend::parse(&frame(b'E', b"Cunterminated")).is_err());
    }
}
