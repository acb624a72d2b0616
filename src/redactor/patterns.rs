//! The 22 default secret patterns, compiled once.

use std::sync::OnceLock;

use crate::error::{Error, Result};

/// ASM's default patterns as `(category, PCRE source)`, applied in this order, each to the output
/// of the previous one.
pub const DEFAULT_PATTERN_SOURCES: [(&str, &str); 22] = [
    ("aws_access_key", r"AKIA[0-9A-Z]{16}"),
    ("aws_secret_key", r"(?i)aws[_-]?secret[_-]?access[_-]?key\s*[:=]\s*\S+"),
    ("gcp_api_key", r"AIza[0-9A-Za-z_-]{35}"),
    ("anthropic_key", r"sk-ant-api\S{20,}"),
    ("openai_key", r"sk-proj-[a-zA-Z0-9]{20,}"),
    ("openai_legacy_key", r"sk-[a-zA-Z0-9]{40,}"),
    ("github_pat", r"ghp_[a-zA-Z0-9]{36}"),
    ("github_oauth", r"gho_[a-zA-Z0-9]{36}"),
    ("github_app", r"ghs_[a-zA-Z0-9]{36}"),
    ("github_refresh", r"ghr_[a-zA-Z0-9]{36}"),
    ("github_fine_pat", r"github_pat_[a-zA-Z0-9_]{22,}"),
    ("gitlab_token", r"glpat-[a-zA-Z0-9_-]{20,}"),
    ("jwt_token", r"eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
    ("bearer_token", r"(?i)(bearer)\s+[a-zA-Z0-9._~+/=-]{20,}"),
    ("password", r"(?i)(password|passwd|pwd)\s*[:=]\s*\S+"),
    ("api_key_generic", r"(?i)(api[_-]?key|apikey)\s*[:=]\s*\S+"),
    ("secret_key", r"(?i)(secret[_-]?key|secretkey)\s*[:=]\s*\S+"),
    ("access_token", r"(?i)(access[_-]?token|accesstoken)\s*[:=]\s*\S+"),
    ("auth_token", r"(?i)(auth[_-]?token|authtoken)\s*[:=]\s*\S+"),
    ("connection_string", r"(?i)(postgres|postgresql|mysql|redis|mongodb|amqp|mssql)://[^\s]+"),
    ("private_key", r"-----BEGIN (RSA |EC |DSA |OPENSSH )?PRIVATE KEY-----"),
    (
        "env_secret",
        r"(?i)(DATABASE_URL|REDIS_URL|SECRET_KEY_BASE|ENCRYPTION_KEY|PRIVATE_KEY)\s*=\s*\S+",
    ),
];

/// For each default pattern, in order, literals one of which (ASCII lower-cased) every match
/// contains: a text holding none of them skips the pattern, which spares the engine's scan of
/// ordinary text (most of it) for 20 of the 22.
const NEEDLES: [&[&str]; 22] = [
    &["akia"],
    &["aws"],
    &["aiza"],
    &["sk-ant-api"],
    &["sk-proj-"],
    &["sk-"],
    &["ghp_"],
    &["gho_"],
    &["ghs_"],
    &["ghr_"],
    &["github_pat_"],
    &["glpat-"],
    &["eyj"],
    &["bearer"],
    &["password", "passwd", "pwd"],
    &["api"],
    &["secret"],
    &["access"],
    &["auth"],
    &["://"],
    &["-----begin "],
    &["database_url", "redis_url", "secret_key_base", "encryption_key", "private_key"],
];

/// `anthropic_key`'s `\S{20,}` counts bytes in ASM (PCRE without UTF-8 mode) while the engine
/// counts characters, so it runs as `\S+` and a match shorter than prefix plus 20 bytes is none.
const BYTE_COUNTED: (&str, &str, usize) = ("anthropic_key", r"sk-ant-api\S+", 10 + 20);

/// One compiled pattern, default or caller-supplied.
#[derive(Debug, Clone)]
pub struct CompiledPattern {
    /// The category, used by the categorized replacement `[REDACTED:<category>]`.
    pub category: String,
    /// The pattern. Like PCRE without UTF-8 mode, `\s` is the six ASCII spaces, `\S` anything
    /// else, and `(?i)` folds ASCII only.
    pub regex: regex_lite::Regex,
    /// A match shorter than this many bytes is not a match (see [`BYTE_COUNTED`]).
    pub min_bytes: usize,
    /// Literals one of which every match contains, ASCII lower-cased; none: no such literal known.
    pub needles: &'static [&'static str],
}

impl CompiledPattern {
    /// A caller's pattern; an invalid one is `validation_error`.
    pub fn custom(category: &str, source: &str) -> Result<CompiledPattern> {
        let regex = regex_lite::Regex::new(source)
            .map_err(|e| Error::validation(format!("invalid redaction pattern {source:?}: {e}")))?;
        Ok(CompiledPattern { category: category.to_owned(), regex, min_bytes: 0, needles: &[] })
    }

    /// Whether the pattern can match a text whose ASCII lower-cased form is `lower`.
    pub fn may_match(&self, lower: &str) -> bool {
        self.needles.is_empty() || self.needles.iter().any(|n| lower.contains(n))
    }
}

/// The 22 default patterns in ASM's order, compiled on first use.
pub fn default_patterns() -> &'static [CompiledPattern] {
    static COMPILED: OnceLock<Vec<CompiledPattern>> = OnceLock::new();
    COMPILED.get_or_init(|| {
        DEFAULT_PATTERN_SOURCES
            .iter()
            .zip(NEEDLES)
            .filter_map(|(&(category, source), needles)| {
                let (source, min_bytes) = match BYTE_COUNTED {
                    (c, lite, min) if c == category => (lite, min),
                    _ => (source, 0),
                };
                // Every source compiles (a unit test checks all 22), so nothing is dropped.
                let regex = regex_lite::Regex::new(source).ok()?;
                Some(CompiledPattern { category: category.to_owned(), regex, min_bytes, needles })
            })
            .collect()
    })
}
