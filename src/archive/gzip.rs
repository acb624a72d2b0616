//! The gzip format (RFC 1952) around `miniz_oxide`'s deflate, for archive bodies.
//!
//! `flate2` did this before, but its CRC-32 (`crc32fast`) reads 16 bytes at a time through a
//! 16 KB table that does not compress: most of the gzip code's weight in the wasm builds. The
//! `crc` crate's one-table CRC-32 is 1 KB, and archive bodies are small enough that its speed
//! does not show.

use crc::{CRC_32_ISO_HDLC, Crc};
use miniz_oxide::inflate::stream::{InflateState, inflate};
use miniz_oxide::{DataFormat, MZFlush, MZStatus};

/// gzip's CRC-32.
const CRC32: Crc<u32> = Crc::<u32>::new(&CRC_32_ISO_HDLC);

/// The magic bytes, then deflate as the compression method.
const MAGIC: [u8; 3] = [0x1f, 0x8b, 8];

/// The header flags this reader skips over; reserved bits set are refused, as RFC 1952 asks.
const FHCRC: u8 = 0x02;
const FEXTRA: u8 = 0x04;
const FNAME: u8 = 0x08;
const FCOMMENT: u8 = 0x10;
const RESERVED: u8 = 0xe0;

/// zlib's default level, which `flate2`'s `Compression::default()` was.
const LEVEL: u8 = 6;

/// `data` as one gzip member: a header without name or time, deflate, CRC-32 and length.
pub(crate) fn compress(data: &[u8]) -> Vec<u8> {
    // No modification time, no extra flags, OS "unknown" (255), as flate2 wrote it.
    let mut out = vec![MAGIC[0], MAGIC[1], MAGIC[2], 0, 0, 0, 0, 0, 0, 255];
    out.extend(miniz_oxide::deflate::compress_to_vec(data, LEVEL));
    out.extend(CRC32.checksum(data).to_le_bytes());
    out.extend((data.len() as u32).to_le_bytes());
    out
}

/// The data of the first gzip member of `body`, its CRC-32 and length checked; what follows
/// the member is ignored, as `flate2`'s single-member reader did. The error says what is wrong.
pub(crate) fn decompress(body: &[u8]) -> Result<Vec<u8>, String> {
    let deflated = skip_header(body)?;
    let mut state = InflateState::new_boxed(DataFormat::Raw);
    let mut out = Vec::new();
    let mut buffer = vec![0u8; 32 * 1024];
    let mut input = deflated;
    loop {
        let step = inflate(&mut state, input, &mut buffer, MZFlush::None);
        input = &input[step.bytes_consumed..];
        out.extend_from_slice(&buffer[..step.bytes_written]);
        match step.status {
            Ok(MZStatus::StreamEnd) => break,
            Ok(_) if step.bytes_consumed > 0 || step.bytes_written > 0 => {}
            Ok(_) => return Err("the deflate stream is cut short".into()),
            Err(e) => return Err(format!("the deflate stream is invalid ({e:?})")),
        }
    }
    let trailer = input.get(..8).ok_or("the gzip trailer is missing")?;
    let crc = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
    let size = u32::from_le_bytes([trailer[4], trailer[5], trailer[6], trailer[7]]);
    if crc != CRC32.checksum(&out) {
        return Err("the gzip CRC-32 does not match the data".into());
    }
    if size != out.len() as u32 {
        return Err("the gzip length does not match the data".into());
    }
    Ok(out)
}

/// The bytes after the member's header (RFC 1952 §2.3: the optional extra field, name, comment
/// and header CRC skipped over).
fn skip_header(body: &[u8]) -> Result<&[u8], String> {
    let invalid = || "not gzip data: the header is invalid or cut short".to_owned();
    if body.len() < 10 || body[..3] != MAGIC || body[3] & RESERVED != 0 {
        return Err(invalid());
    }
    let flags = body[3];
    let mut rest = &body[10..];
    if flags & FEXTRA != 0 {
        let len = match rest {
            [lo, hi, ..] => u16::from_le_bytes([*lo, *hi]) as usize,
            _ => return Err(invalid()),
        };
        rest = rest.get(2 + len..).ok_or_else(invalid)?;
    }
    for flag in [FNAME, FCOMMENT] {
        if flags & flag != 0 {
            let end = rest.iter().position(|b| *b == 0).ok_or_else(invalid)?;
            rest = &rest[end + 1..];
        }
    }
    if flags & FHCRC != 0 {
        rest = rest.get(2..).ok_or_else(invalid)?;
    }
    Ok(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_checks_the_trailer() {
        for data in [&b""[..], b"a", &b"{\"id\":\"evt_1\"}\n".repeat(5_000)] {
            let body = compress(data);
            assert_eq!(decompress(&body).unwrap(), data);
            let mut followed = body.clone();
            followed.extend(b"trailing bytes");
            assert_eq!(decompress(&followed).unwrap(), data);
            let mut wrong_crc = body.clone();
            let at = body.len() - 8;
            wrong_crc[at] ^= 1;
            assert!(decompress(&wrong_crc).unwrap_err().contains("CRC-32"));
            assert!(decompress(&body[..body.len() - 1]).is_err());
            assert!(decompress(&body[..body.len() / 2]).is_err());
        }
    }

    #[test]
    fn reads_headers_with_name_comment_extra_and_crc() {
        let plain = compress(b"hello");
        let (deflated_and_trailer, flags) = (&plain[10..], FNAME | FCOMMENT | FEXTRA | FHCRC);
        let mut body = vec![0x1f, 0x8b, 8, flags, 1, 2, 3, 4, 0, 3];
        body.extend([3, 0, b'x', b'y', b'z']);
        body.extend(b"archive.jsonl\0a comment\0");
        body.extend([0xab, 0xcd]);
        body.extend(deflated_and_trailer);
        assert_eq!(decompress(&body).unwrap(), b"hello");
    }

    #[test]
    fn agrees_with_flate2_both_ways() {
        use std::io::{Read, Write};
        let data = b"{\"id\":\"evt_1\",\"type\":\"message_sent\"}\n".repeat(2_000);
        let mut theirs = Vec::new();
        flate2::read::GzDecoder::new(&compress(&data)[..]).read_to_end(&mut theirs).unwrap();
        assert_eq!(theirs, data);
        let mut writer = flate2::GzBuilder::new()
            .filename("events.jsonl")
            .comment("archive")
            .extra(vec![1, 2, 3])
            .write(Vec::new(), flate2::Compression::best());
        writer.write_all(&data).unwrap();
        assert_eq!(decompress(&writer.finish().unwrap()).unwrap(), data);
    }

    #[test]
    fn refuses_what_is_not_gzip() {
        for body in [&b""[..], b"hello, world", &[0x1f, 0x8b, 8, 0x20, 0, 0, 0, 0, 0, 0, 0]] {
            assert!(decompress(body).unwrap_err().contains("not gzip"), "{body:?}");
        }
        let mut named = compress(b"x");
        named[3] = FNAME; // a name that never ends
        named.truncate(10);
        assert!(decompress(&named).is_err());
    }
}
