//! The Worker's PostgreSQL driver (`asm_worker::postgres`) against a real server, over std's TCP
//! in place of the Worker's socket: batches as pipelines (values of every type the core reads,
//! counts, rollback on error, a connection the server ends), `sslmode`, and each password
//! method. The Worker suite runs the same driver through Hyperdrive under `wrangler dev`.
//!
//! Needs DATABASE_URL (scripts/test, or `eval "$(scripts/postgres-up)"`). The password methods
//! need a server that asks the roles `asm_wire_scram`, `asm_wire_md5` and `asm_wire_cleartext`
//! for passwords: scripts/postgres-up's `pg_hba.conf` does; the test creates the roles.

use std::io::{Read, Write};
use std::net::TcpStream;

use asm_core::sql::{ExecError, ExecErrorKind, ResultSet, Statement, Value};
use asm_worker::postgres::message::{Backend, Frames, Outgoing};
use asm_worker::postgres::pipeline::{self, Replies};
use asm_worker::postgres::scram::saslprep;
use asm_worker::postgres::startup::{Credentials, Startup, Step, Tls};
use unicode_normalization::UnicodeNormalization;

/// A password SASLprep changes: a no-break space (mapped to a space), a soft hyphen (dropped)
/// and the ligature `ﬁ` (NFKC makes it `fi`).
const SCRAM_PASSWORD: &str = "ﬁrst\u{00A0}pass\u{00AD}wörd";

struct Server {
    address: String,
    user: String,
    database: String,
}

fn server() -> Server {
    let url = std::env::var("DATABASE_URL").expect(
        "DATABASE_URL is not set: run scripts/test, or start PostgreSQL with scripts/postgres-up",
    );
    let rest = url.split_once("://").expect("DATABASE_URL is postgres://…").1;
    let (userinfo, rest) = rest.split_once('@').expect("DATABASE_URL names a user");
    let (address, database) = rest.split_once('/').unwrap_or((rest, "postgres"));
    let database = database.split('?').next().unwrap_or("postgres");
    let user = userinfo.split(':').next().unwrap_or(userinfo);
    Server { address: address.to_owned(), user: user.to_owned(), database: database.to_owned() }
}

/// The driver over a blocking socket.
struct Connection {
    socket: TcpStream,
    frames: Frames,
}

impl Connection {
    fn open(server: &Server, user: &str, password: &str) -> Result<Connection, ExecError> {
        Connection::open_asking_tls(server, user, password, Tls::Disable)
    }

    /// Sends an `SSLRequest` first unless `tls` is `Disable`. The test cluster has no
    /// certificate, so it answers `N`; a TLS handshake is the Worker socket's own.
    fn open_asking_tls(
        server: &Server,
        user: &str,
        password: &str,
        tls: Tls,
    ) -> Result<Connection, ExecError> {
        let socket = TcpStream::connect(&server.address).expect("PostgreSQL at DATABASE_URL");
        let mut connection = Connection { socket, frames: Frames::default() };
        if tls != Tls::Disable {
            let mut request = Outgoing::default();
            request.ssl_request();
            connection.socket.write_all(&request.0).unwrap();
            let mut answer = [0u8; 1];
            connection.socket.read_exact(&mut answer).unwrap();
            assert!(!tls.start_after(&answer)?, "the test cluster has no TLS");
        }
        let scram_password = saslprep(password, |s| s.nfkc().collect());
        let credentials = Credentials {
            user,
            password,
            scram_password: &scram_password,
            database: &server.database,
        };
        // Fresh per connection, from std's randomly keyed hasher (the Worker uses getrandom).
        let random = || std::hash::BuildHasher::hash_one(&std::hash::RandomState::new(), 0u8);
        let seed = [random().to_le_bytes(), random().to_le_bytes(), random().to_le_bytes()];
        let nonce: [u8; 18] = std::array::from_fn(|i| seed[i / 8][i % 8]);
        let (mut startup, first) = Startup::start(credentials, nonce);
        connection.socket.write_all(&first).unwrap();
        loop {
            match startup.receive(connection.next()?)? {
                Step::Send(bytes) => connection.socket.write_all(&bytes).unwrap(),
                Step::Read => {}
                Step::Ready => return Ok(connection),
            }
        }
    }

    /// Reads what the socket has into the frames.
    fn fill(&mut self) -> Result<(), ExecError> {
        let mut chunk = [0u8; 8192];
        match self.socket.read(&mut chunk) {
            Ok(0) | Err(_) => Err(ExecError::new(ExecErrorKind::Transient, "the server closed")),
            Ok(n) => {
                self.frames.push(&chunk[..n]);
                Ok(())
            }
        }
    }

    /// The next backend message, reading as much as it takes.
    fn next(&mut self) -> Result<Backend<'_>, ExecError> {
        while !self.frames.ready()? {
            self.fill()?;
        }
        self.frames.take()
    }

    fn batch(&mut self, statements: &[Statement]) -> Result<Vec<ResultSet>, ExecError> {
        self.socket.write_all(&pipeline::request(statements)).unwrap();
        let mut replies = Replies::new(statements.len());
        loop {
            let message = self.next().map_err(|e| replies.broken(e))?;
            if let Some(outcome) = replies.receive(message)? {
                return outcome;
            }
        }
    }
}

fn admin(server: &Server) -> Connection {
    Connection::open(server, &server.user, "").expect("the DATABASE_URL role logs in")
}

fn write(sql: &str, params: Vec<Value>) -> Statement {
    let mut s = Statement::read(sql);
    s.params = params;
    s.access = asm_core::sql::Access::Write;
    s
}

#[test]
fn a_batch_is_one_transaction_with_every_value_type() {
    let server = server();
    let table = format!("asm_wire_test_{}", std::process::id());
    let mut db = admin(&server);
    let create = format!(
        "CREATE TABLE {table} (id varchar(255) PRIMARY KEY, n bigint, x float8, d numeric, \
         flag boolean, body jsonb, at timestamp, at_tz timestamptz, tags varchar(255)[])"
    );
    let insert = format!(
        "INSERT INTO {table} VALUES ($1::text, $2::int8, $3::float8, 12.50, true, \
         $4::text::jsonb, $5::text::timestamp, $5::text::timestamp AT TIME ZONE 'UTC', \
         ARRAY(SELECT jsonb_array_elements_text($6::text::jsonb))::varchar(255)[])"
    );
    let results = db
        .batch(&[
            write(&create, vec![]),
            write(
                &insert,
                vec![
                    Value::Text("evt_1".into()),
                    Value::Integer(i64::MAX),
                    Value::Real(0.1 + 0.2),
                    Value::Text(r#"{"k": ["é", 1]}"#.into()),
                    Value::Text("2026-12-07 09:30:00.123456".into()),
                    Value::Text(r#"["a","b"]"#.into()),
                ],
            ),
            write(
                &insert,
                vec![
                    Value::Text("evt_2".into()),
                    Value::Null,
                    Value::Real(f64::NEG_INFINITY),
                    Value::Text("null".into()),
                    Value::Text("2000-01-01 00:00:00".into()),
                    Value::Text("[]".into()),
                ],
            ),
            Statement::read(format!("SELECT * FROM {table} ORDER BY id")),
            write(&format!("UPDATE {table} SET n = 1"), vec![]),
            Statement::read(format!("SELECT count(*) AS c FROM {table} WHERE false")),
        ])
        .expect("the batch runs");
    assert_eq!(results.len(), 6);
    assert_eq!((results[0].changes, results[1].changes, results[4].changes), (0, 1, 2));
    let rows = &results[3];
    assert_eq!(rows.columns, ["id", "n", "x", "d", "flag", "body", "at", "at_tz", "tags"]);
    assert_eq!(
        rows.rows[0],
        vec![
            Value::Text("evt_1".into()),
            Value::Integer(i64::MAX),
            Value::Real(0.1 + 0.2),
            Value::Text("12.50".into()),
            Value::Integer(1),
            Value::Text(r#"{"k": ["é", 1]}"#.into()),
            Value::Text("2026-12-07T09:30:00.123456".into()),
            Value::Text("2026-12-07T09:30:00.123456Z".into()),
            Value::Text(r#"["a","b"]"#.into()),
        ]
    );
    assert_eq!(rows.rows[1][1], Value::Null);
    assert_eq!(rows.rows[1][2], Value::Real(f64::NEG_INFINITY));
    assert_eq!(rows.rows[1][8], Value::Text("[]".into()));
    assert_eq!(results[5].rows, vec![vec![Value::Integer(0)]]);

    // A failing statement rolls back the whole batch, the writes before it included.
    let error = db
        .batch(&[
            write(&format!("UPDATE {table} SET n = 99"), vec![]),
            write(
                &insert,
                vec![
                    Value::Text("evt_1".into()),
                    Value::Null,
                    Value::Null,
                    Value::Null,
                    Value::Null,
                    Value::Text("[]".into()),
                ],
            ),
        ])
        .expect_err("a duplicate id");
    assert_eq!(error.kind, ExecErrorKind::UniqueViolation, "{error:?}");
    let mut fresh = admin(&server);
    let n = fresh.batch(&[Statement::read(format!("SELECT n FROM {table} ORDER BY id"))]).unwrap();
    assert_eq!(n[0].rows, vec![vec![Value::Integer(1)], vec![Value::Integer(1)]]);
    fresh.batch(&[write(&format!("DROP TABLE {table}"), vec![])]).unwrap();
    let missing = fresh.batch(&[Statement::read(format!("SELECT * FROM {table}"))]);
    assert_eq!(missing.unwrap_err().kind, ExecErrorKind::MissingSchema);
}

#[test]
fn a_declined_ssl_request_goes_on_in_the_clear_unless_required() {
    let server = server();
    let mut db = Connection::open_asking_tls(&server, &server.user, "", Tls::Prefer).unwrap();
    let one = db.batch(&[Statement::read("SELECT 1::int8 AS one")]).unwrap();
    assert_eq!(one[0].rows, vec![vec![Value::Integer(1)]]);
    let refused = Connection::open_asking_tls(&server, &server.user, "", Tls::Require);
    assert!(refused.is_err_and(|e| e.message.contains("sslmode=require")));
}

#[test]
fn a_connection_the_server_ends_reports_the_server_error() {
    let server = server();
    let mut victim = admin(&server);
    let pid = victim.batch(&[Statement::read("SELECT pg_backend_pid()::int8 AS pid")]).unwrap();
    let Value::Integer(pid) = pid[0].rows[0][0] else { panic!("a pid: {pid:?}") };
    // The victim's next batch sleeps while another session ends its backend, so
    // its error arrives as a FATAL message and the connection closes without ReadyForQuery.
    let killer = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(300));
        let server = self::server();
        let sql = format!("SELECT pg_terminate_backend({pid}) AS done");
        admin(&server).batch(&[Statement::read(sql)]).unwrap()
    });
    let error = victim.batch(&[Statement::read("SELECT pg_sleep(5)::text AS slept")]).unwrap_err();
    killer.join().unwrap();
    assert!(error.message.contains("terminating connection"), "{error:?}");
    assert_eq!(error.kind, ExecErrorKind::Transient);
}

#[test]
fn numeric_cells_read_as_postgres_prints_them() {
    let server = server();
    let sql = "SELECT v, v::text AS t FROM (VALUES (0::numeric), (-7.50), (0.00000007), \
               (10000.500), (-123456789.987654321), ('NaN'), (1e20), (0.1e-3)) AS x(v)";
    let rows = admin(&server).batch(&[Statement::read(sql)]).unwrap().remove(0).rows;
    assert_eq!(rows.len(), 8);
    for row in rows {
        assert_eq!(row[0], row[1]);
    }
}

#[test]
fn every_password_method_postgres_asks_for() {
    let server = server();
    let mut db = admin(&server);
    let role = |name: &str, encryption: &str, password: &str| {
        let quoted = password.replace('\'', "''");
        vec![
            write(
                &format!(
                    "DO $$ BEGIN CREATE ROLE {name} LOGIN; \
                     EXCEPTION WHEN duplicate_object THEN NULL; END $$"
                ),
                vec![],
            ),
            write(&format!("SET LOCAL password_encryption = '{encryption}'"), vec![]),
            write(&format!("ALTER ROLE {name} PASSWORD '{quoted}'"), vec![]),
        ]
    };
    let mut setup = role("asm_wire_scram", "scram-sha-256", SCRAM_PASSWORD);
    setup.extend(role("asm_wire_md5", "md5", "md5 secret"));
    setup.extend(role("asm_wire_cleartext", "scram-sha-256", "clear secret"));
    db.batch(&setup).expect("the roles are created");

    for (user, password) in [
        ("asm_wire_scram", SCRAM_PASSWORD),
        ("asm_wire_md5", "md5 secret"),
        ("asm_wire_cleartext", "clear secret"),
    ] {
        let wrong = Connection::open(&server, user, "not the password");
        let Err(error) = wrong else {
            panic!(
                "the server at DATABASE_URL let {user} in with a wrong password: its pg_hba.conf \
                 does not ask for passwords; use scripts/postgres-up's cluster (unset DATABASE_URL)"
            )
        };
        assert!(error.message.contains("password authentication failed"), "{error:?}");
        let mut connection = Connection::open(&server, user, password)
            .unwrap_or_else(|e| panic!("{user} logs in with its password: {e:?}"));
        let who = connection.batch(&[Statement::read("SELECT current_user::text AS u")]).unwrap();
        assert_eq!(who[0].rows, vec![vec![Value::Text(user.into())]]);
    }
}
