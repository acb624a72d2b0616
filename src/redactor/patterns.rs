//! The 22 default secret patterns, compiled once.

use std::sync::OnceLock;

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

/// One compiled default pattern.
#[derive(Debug)]
pub struct DefaultPattern {
    /// The category, used by the categorized replacement `[REDACTED:<category>]`.
    pub category: &'static str,
    /// The pattern, compiled over bytes with Unicode off: like PCRE without UTF-8 mode, `\s` is
    /// the six ASCII spaces, `\S` is any other byte, `(?i)` folds ASCII only, and `{20,}`
    /// counts bytes.
    pub regex: regex::bytes::Regex,
}

/// The 22 default patterns in ASM's order, compiled on first use.
pub fn default_patterns() -> &'static [DefaultPattern] {
    static COMPILED: OnceLock<Vec<DefaultPattern>> = OnceLock::new();
    COMPILED.get_or_init(|| {
        DEFAULT_PATTERN_SOURCES
            .iter()
            .filter_map(|(category, source)| {
                // Every source compiles (a unit test checks all 22), so nothing is dropped.
                let regex = regex::bytes::Regex::new(&format!("(?-u){source}")).ok()?;
                Some(DefaultPattern { category, regex })
            })
            .collect()
    })
}
