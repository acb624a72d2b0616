//! [`HyperdriveExecutor`]: the executor contract over PostgreSQL reached through a Hyperdrive
//! binding. Each batch opens a connection, sends the whole batch as one pipeline in one
//! transaction ([`crate::postgres::pipeline`]) and closes the connection before returning (no
//! socket outlives the batch; docs/toolchain.md §4).

use std::future::poll_fn;
use std::pin::Pin;

use asm_core::sql::{Dialect, ExecError, Executor, ResultSet, Statement};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use worker::{Hyperdrive, SecureTransport, Socket};

use crate::postgres::message::{Backend, Frames, Outgoing};
use crate::postgres::pipeline::{self, Replies};
use crate::postgres::protocol_error;
use crate::postgres::scram::saslprep;
use crate::postgres::startup::{Credentials, Startup, Step, Tls};

/// Runs the core's statements on the PostgreSQL database behind a Hyperdrive binding.
pub struct HyperdriveExecutor {
    hyperdrive: Hyperdrive,
}

impl HyperdriveExecutor {
    /// An executor over the Hyperdrive binding.
    pub fn new(hyperdrive: Hyperdrive) -> HyperdriveExecutor {
        HyperdriveExecutor { hyperdrive }
    }
}

/// The socket's own failures, as the driver's: the connection is unusable.
fn connection_error(e: impl std::fmt::Display) -> ExecError {
    protocol_error(e.to_string())
}

/// One connection: the socket and the bytes read but not yet consumed.
struct Connection {
    socket: Socket,
    frames: Frames,
}

impl Connection {
    async fn open(hyperdrive: &Hyperdrive) -> Result<Connection, ExecError> {
        let socket = Socket::builder()
            .secure_transport(SecureTransport::StartTls)
            .connect(hyperdrive.host(), hyperdrive.port())
            .map_err(connection_error)?;
        let mut connection = Connection { socket, frames: Frames::default() };
        let tls = Tls::of(&hyperdrive.connection_string());
        if tls != Tls::Disable {
            let mut request = Outgoing::default();
            request.ssl_request();
            connection.write(&request.0).await?;
            while connection.frames.unread().is_empty() {
                connection.fill().await?;
            }
            let start = tls.start_after(connection.frames.unread())?;
            connection.frames.skip(1);
            if start {
                connection.socket = connection.socket.start_tls();
            }
        }
        let (user, password, database) =
            (hyperdrive.user(), hyperdrive.password(), hyperdrive.database());
        let scram_password =
            saslprep(&password, |s| String::from(js_sys::JsString::from(s).normalize("NFKC")));
        let mut nonce = [0u8; 18];
        getrandom::fill(&mut nonce).map_err(connection_error)?;
        let credentials = Credentials {
            user: &user,
            password: &password,
            scram_password: &scram_password,
            database: &database,
        };
        let (mut startup, first) = Startup::start(credentials, nonce);
        connection.write(&first).await?;
        loop {
            let step = startup.receive(connection.next().await?)?;
            match step {
                Step::Send(bytes) => connection.write(&bytes).await?,
                Step::Read => {}
                Step::Ready => return Ok(connection),
            }
        }
    }

    async fn write(&mut self, mut bytes: &[u8]) -> Result<(), ExecError> {
        let socket = &mut self.socket;
        while !bytes.is_empty() {
            let n = poll_fn(|cx| Pin::new(&mut *socket).poll_write(cx, bytes))
                .await
                .map_err(connection_error)?;
            bytes = &bytes[n..];
        }
        poll_fn(|cx| Pin::new(&mut *socket).poll_flush(cx)).await.map_err(connection_error)
    }

    /// Reads what the socket has into the buffer.
    async fn fill(&mut self) -> Result<(), ExecError> {
        let mut chunk = [0u8; 16 * 1024];
        let socket = &mut self.socket;
        let n = poll_fn(|cx| {
            let mut read = ReadBuf::new(&mut chunk);
            Pin::new(&mut *socket).poll_read(cx, &mut read).map_ok(|()| read.filled().len())
        })
        .await
        .map_err(connection_error)?;
        if n == 0 {
            return Err(connection_error("the server closed the connection"));
        }
        self.frames.push(&chunk[..n]);
        Ok(())
    }

    /// The next backend message, reading as much as it takes.
    async fn next(&mut self) -> Result<Backend<'_>, ExecError> {
        while !self.frames.ready()? {
            self.fill().await?;
        }
        self.frames.take()
    }

    async fn batch(&mut self, statements: &[Statement]) -> Result<Vec<ResultSet>, ExecError> {
        self.write(&pipeline::request(statements)).await?;
        let mut replies = Replies::new(statements.len());
        loop {
            let message = self.next().await.map_err(|e| replies.broken(e))?;
            if let Some(outcome) = replies.receive(message)? {
                return outcome;
            }
        }
    }

    /// Says goodbye and closes the socket; a failed or aborted transaction is rolled back.
    async fn close(mut self) {
        let mut goodbye = Outgoing::default();
        goodbye.terminate();
        let _ = self.write(&goodbye.0).await;
        let _ = self.socket.close().await;
    }
}

impl Executor for HyperdriveExecutor {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<ResultSet>, ExecError> {
        let mut connection = Connection::open(&self.hyperdrive).await?;
        let result = connection.batch(&statements).await;
        connection.close().await;
        result
    }
}
