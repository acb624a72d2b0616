//! PostgreSQL's binary output formats read as the core's values, by type OID. Both PostgreSQL
//! executors read every result column in binary, so that no server setting (`DateStyle`,
//! `extra_float_digits`) changes what the core sees: one reading for every host.

use asm_core::Timestamp;
use asm_core::sql::Value;

/// The OIDs of the built-in types the core's tables and queries produce (PostgreSQL's
/// `pg_type.dat`; fixed across versions).
pub mod oid {
    /// `boolean`.
    pub const BOOL: u32 = 16;
    /// `name`.
    pub const NAME: u32 = 19;
    /// `bigint`.
    pub const INT8: u32 = 20;
    /// `smallint`.
    pub const INT2: u32 = 21;
    /// `integer`.
    pub const INT4: u32 = 23;
    /// `text`.
    pub const TEXT: u32 = 25;
    /// `real`.
    pub const FLOAT4: u32 = 700;
    /// `double precision`.
    pub const FLOAT8: u32 = 701;
    /// A literal whose type was never resolved (`SELECT 'x'`).
    pub const UNKNOWN: u32 = 705;
    /// `text[]`.
    pub const TEXT_ARRAY: u32 = 1009;
    /// `varchar[]`.
    pub const VARCHAR_ARRAY: u32 = 1015;
    /// `char(n)`.
    pub const BPCHAR: u32 = 1042;
    /// `varchar`.
    pub const VARCHAR: u32 = 1043;
    /// `timestamp` (without time zone).
    pub const TIMESTAMP: u32 = 1114;
    /// `timestamptz`.
    pub const TIMESTAMPTZ: u32 = 1184;
    /// `numeric`.
    pub const NUMERIC: u32 = 1700;
    /// `jsonb`.
    pub const JSONB: u32 = 3802;
}

/// Microseconds from the Unix epoch to PostgreSQL's (2000-01-01).
const POSTGRES_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// Whether [`cell`] reads columns of this type.
pub fn reads(type_oid: u32) -> bool {
    use oid::*;
    matches!(
        type_oid,
        BOOL | NAME
            | INT8
            | INT2
            | INT4
            | TEXT
            | FLOAT4
            | FLOAT8
            | UNKNOWN
            | TEXT_ARRAY
            | VARCHAR_ARRAY
            | BPCHAR
            | VARCHAR
            | TIMESTAMP
            | TIMESTAMPTZ
            | NUMERIC
            | JSONB
    )
}

/// A non-NULL cell in binary format as a core value: numbers as numbers, everything else as the
/// text the core decodes (`jsonb` as its JSON text, `timestamp` in the SQLite column form,
/// `timestamptz` with a `Z`, text arrays as a JSON array).
pub fn cell(type_oid: u32, raw: &[u8]) -> Result<Value, String> {
    use oid::*;
    Ok(match type_oid {
        BOOL => Value::Integer(i64::from(fixed::<1>(raw)?[0] != 0)),
        INT2 => Value::Integer(i64::from(i16::from_be_bytes(fixed(raw)?))),
        INT4 => Value::Integer(i64::from(i32::from_be_bytes(fixed(raw)?))),
        INT8 => Value::Integer(i64::from_be_bytes(fixed(raw)?)),
        FLOAT4 => Value::Real(f64::from(f32::from_be_bytes(fixed(raw)?))),
        FLOAT8 => Value::Real(f64::from_be_bytes(fixed(raw)?)),
        NUMERIC => Value::Text(numeric_text(raw)?),
        // Version byte 1, then the JSON text.
        JSONB => Value::Text(text(raw.get(1..).unwrap_or_default())?),
        TIMESTAMP => Value::Text(timestamp(raw)?.to_sql_text()),
        // An instant: ASM's wire form with its `Z`, so no reader takes it for local time.
        TIMESTAMPTZ => Value::Text(timestamp(raw)?.to_iso8601()),
        // `varchar(255)[]` tags of a caller's `SELECT *`, as the JSON array text SQLite stores.
        VARCHAR_ARRAY | TEXT_ARRAY => {
            Value::Text(serde_json::Value::from(text_array(raw)?).to_string())
        }
        TEXT | VARCHAR | BPCHAR | NAME | UNKNOWN => Value::Text(text(raw)?),
        other => return Err(format!("cannot read PostgreSQL type {other} (by OID)")),
    })
}

fn fixed<const N: usize>(raw: &[u8]) -> Result<[u8; N], String> {
    raw.try_into().map_err(|_| format!("a binary value of {} bytes where {N} belong", raw.len()))
}

fn text(raw: &[u8]) -> Result<String, String> {
    String::from_utf8(raw.to_vec()).map_err(|e| e.to_string())
}

fn timestamp(raw: &[u8]) -> Result<Timestamp, String> {
    Ok(Timestamp::from_micros(i64::from_be_bytes(fixed(raw)?) + POSTGRES_EPOCH_MICROS))
}

/// Reads big-endian fields off the front of a binary value.
struct Fields<'a>(&'a [u8]);

impl<'a> Fields<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.0.len() < n {
            return Err("truncated binary value".to_owned());
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn i16(&mut self) -> Result<i16, String> {
        Ok(i16::from_be_bytes(fixed(self.take(2)?)?))
    }

    fn i32(&mut self) -> Result<i32, String> {
        Ok(i32::from_be_bytes(fixed(self.take(4)?)?))
    }
}

/// A one-dimensional array of text without NULLs (dimensions, flags, element type, then each
/// element's length and bytes).
fn text_array(raw: &[u8]) -> Result<Vec<String>, String> {
    let mut fields = Fields(raw);
    let dimensions = fields.i32()?;
    let _has_nulls = fields.i32()?;
    let _element_type = fields.i32()?;
    let len = match dimensions {
        0 => return Ok(Vec::new()),
        1 => {
            let len = fields.i32()?;
            let _lower_bound = fields.i32()?;
            usize::try_from(len).map_err(|_| "negative array length".to_owned())?
        }
        _ => return Err("a text array of more than one dimension".to_owned()),
    };
    let mut out = Vec::with_capacity(len.min(raw.len()));
    for _ in 0..len {
        let n = usize::try_from(fields.i32()?).map_err(|_| "a NULL in a text array".to_owned())?;
        out.push(text(fields.take(n)?)?);
    }
    Ok(out)
}

/// PostgreSQL's binary `numeric` as decimal text (base-10000 digits, weight, sign, scale).
fn numeric_text(raw: &[u8]) -> Result<String, String> {
    let mut fields = Fields(raw);
    let (ndigits, weight, sign, dscale) =
        (fields.i16()? as usize, fields.i16()?, fields.i16()? as u16, fields.i16()? as usize);
    if sign == 0xC000 {
        return Ok("NaN".to_owned());
    }
    let digits: Vec<i16> = (0..ndigits).map(|_| fields.i16()).collect::<Result<_, _>>()?;
    // Base-10000 digit `k` stands at 10000^(weight - k); missing ones are zero.
    let digit = |k: i32| usize::try_from(k).ok().and_then(|k| digits.get(k)).copied().unwrap_or(0);
    let mut out = String::from(if sign == 0x4000 { "-" } else { "" });
    let int_words = i32::from(weight).max(0) + 1;
    for k in 0..int_words {
        let d = if weight >= 0 { digit(k) } else { 0 };
        push_digits(&mut out, d, k == 0);
    }
    if dscale > 0 {
        out.push('.');
        let at = out.len();
        let mut k = i32::from(weight) + 1;
        while out.len() - at < dscale {
            push_digits(&mut out, digit(k), false);
            k += 1;
        }
        out.truncate(at + dscale);
    }
    Ok(out)
}

/// One base-10000 digit as decimal: four places, or without leading zeros when it leads.
fn push_digits(out: &mut String, d: i16, leading: bool) {
    let d = d.unsigned_abs();
    for (i, place) in [1000, 100, 10, 1].into_iter().enumerate() {
        if !leading || d >= place || i == 3 {
            out.push(char::from(b'0' + (d / place % 10) as u8));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{cell, numeric_text, oid};
    use asm_core::sql::Value;

    fn numeric(ndigits: i16, weight: i16, sign: u16, dscale: i16, digits: &[i16]) -> Vec<u8> {
        let mut out = Vec::new();
        for w in [ndigits, weight, sign as i16, dscale].iter().chain(digits) {
            out.extend_from_slice(&w.to_be_bytes());
        }
        out
    }

    #[test]
    fn numeric_binary_to_text() {
        assert_eq!(numeric_text(&numeric(2, 1, 0, 0, &[12, 3456])).unwrap(), "123456");
        assert_eq!(numeric_text(&numeric(2, 0, 0x4000, 2, &[7, 5000])).unwrap(), "-7.50");
        assert_eq!(numeric_text(&numeric(0, 0, 0, 0, &[])).unwrap(), "0");
        assert_eq!(numeric_text(&numeric(1, -1, 0, 4, &[25])).unwrap(), "0.0025");
        assert_eq!(numeric_text(&numeric(1, -2, 0, 8, &[7])).unwrap(), "0.00000007");
        assert_eq!(numeric_text(&numeric(3, 1, 0, 3, &[1, 0, 5000])).unwrap(), "10000.500");
        assert_eq!(numeric_text(&numeric(1, 0, 0, 1, &[12])).unwrap(), "12.0");
        assert_eq!(numeric_text(&numeric(0, 0, 0xC000, 0, &[])).unwrap(), "NaN");
    }

    #[test]
    fn arrays_and_bad_lengths() {
        let mut raw = Vec::new();
        for n in [1i32, 0, 1043, 2, 1, 1] {
            raw.extend_from_slice(&n.to_be_bytes());
        }
        raw.extend_from_slice(b"a");
        raw.extend_from_slice(&2i32.to_be_bytes());
        raw.extend_from_slice(b"bc");
        assert_eq!(cell(oid::VARCHAR_ARRAY, &raw).unwrap(), Value::Text(r#"["a","bc"]"#.into()));
        assert!(cell(oid::VARCHAR_ARRAY, &raw[..raw.len() - 1]).is_err());
        assert!(cell(oid::INT8, &[0, 1]).is_err());
        assert!(cell(600, b"(1,2)").is_err());
    }
}
