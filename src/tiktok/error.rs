//! TikTok errors, classified by the body `code` (TikTok answers errors with HTTP 200) into the
//! few kinds the connect flow and the sync engine act on.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum ErrorKind {
    /// 40100 (app QPS), 40133 (advertiser+path QPS), 40132: wait and retry.
    RateLimited,
    /// 50000, 50002, 51xxx, 60001, HTTP 5xx, timeouts, connection failures, non-JSON bodies.
    Transient,
    /// 40102 expired, 40104 empty, 40105 invalid or revoked: refresh, or Reconnect.
    TokenInvalid,
    /// 40103 expired or 40107 invalid refresh token: only Reconnect helps.
    RefreshTokenInvalid,
    /// 40001: this advertiser has not granted the app this endpoint.
    Permission,
    /// 40067: ask for a smaller date window.
    QueryTooLarge,
    /// 40002 and everything else, including 40110 (bad auth code).
    BadRequest,
}

impl ErrorKind {
    pub fn classify(code: i64) -> Self {
        match code {
            40100 | 40133 | 40132 => ErrorKind::RateLimited,
            50000 | 50002 | 60001 => ErrorKind::Transient,
            51000..=51999 => ErrorKind::Transient,
            40102 | 40104 | 40105 => ErrorKind::TokenInvalid,
            40103 | 40107 => ErrorKind::RefreshTokenInvalid,
            40001 => ErrorKind::Permission,
            40067 => ErrorKind::QueryTooLarge,
            _ => ErrorKind::BadRequest,
        }
    }

    pub fn is_retryable(self) -> bool {
        matches!(self, ErrorKind::RateLimited | ErrorKind::Transient)
    }

    /// Its name in logs and `/metrics` labels.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// TikTok's code for a rejected or expired auth code.
pub const AUTH_CODE_ERROR: i64 = 40110;

/// One failed TikTok call: the kind, TikTok's own code, message and request id when it sent them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TikTokError {
    pub kind: ErrorKind,
    pub code: Option<i64>,
    pub http_status: Option<u16>,
    pub message: String,
    pub request_id: Option<String>,
    /// The request provably never reached TikTok (the connection failed), so retrying cannot
    /// spend anything twice.
    pub not_sent: bool,
    /// TikTok (SYS_TIMEOUT, a gateway timeout) or our own wait gave up on the answer: TikTok
    /// counts these against the app, so it is resent unchanged once at most.
    pub timed_out: bool,
}

/// TikTok's code for a request it gave up processing.
pub const SYS_TIMEOUT: i64 = 50002;

impl TikTokError {
    pub fn from_code(code: i64, message: String, request_id: Option<String>) -> Self {
        Self {
            kind: ErrorKind::classify(code),
            code: Some(code),
            http_status: Some(200),
            message,
            request_id,
            not_sent: false,
            timed_out: code == SYS_TIMEOUT,
        }
    }

    pub fn transient(message: impl Into<String>, http_status: Option<u16>) -> Self {
        Self {
            kind: ErrorKind::Transient,
            code: None,
            http_status,
            message: message.into(),
            request_id: None,
            not_sent: false,
            timed_out: http_status == Some(504),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::BadRequest,
            code: None,
            http_status: None,
            message: message.into(),
            request_id: None,
            not_sent: false,
            timed_out: false,
        }
    }

    /// An HTTP refusal without a TikTok body: not retried.
    pub fn refused(message: impl Into<String>, http_status: u16) -> Self {
        Self { http_status: Some(http_status), ..Self::bad_request(message) }
    }

    pub fn is_retryable(&self) -> bool {
        self.kind.is_retryable()
    }
}

impl fmt::Display for TikTokError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TikTok {}", self.kind.as_str())?;
        if let Some(code) = self.code {
            write!(f, " (code {code})")?;
        } else if let Some(status) = self.http_status {
            write!(f, " (HTTP {status})")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(id) = &self.request_id {
            write!(f, " [request_id {id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for TikTokError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_the_kinds_the_sync_engine_acts_on() {
        for (code, kind) in [
            (40100, ErrorKind::RateLimited),
            (40133, ErrorKind::RateLimited),
            (50000, ErrorKind::Transient),
            (50002, ErrorKind::Transient),
            (51010, ErrorKind::Transient),
            (60001, ErrorKind::Transient),
            (40102, ErrorKind::TokenInvalid),
            (40104, ErrorKind::TokenInvalid),
            (40105, ErrorKind::TokenInvalid),
            (40103, ErrorKind::RefreshTokenInvalid),
            (40107, ErrorKind::RefreshTokenInvalid),
            (40001, ErrorKind::Permission),
            (40067, ErrorKind::QueryTooLarge),
            (40002, ErrorKind::BadRequest),
            (40110, ErrorKind::BadRequest),
            (12345, ErrorKind::BadRequest),
        ] {
            assert_eq!(ErrorKind::classify(code), kind, "code {code}");
        }
    }

    #[test]
    fn only_rate_limits_and_transient_failures_are_retried() {
        assert!(ErrorKind::RateLimited.is_retryable());
        assert!(ErrorKind::Transient.is_retryable());
        assert!(!ErrorKind::TokenInvalid.is_retryable());
        assert!(!ErrorKind::QueryTooLarge.is_retryable());
    }

    #[test]
    fn the_error_says_kind_code_message_and_request_id() {
        let e = TikTokError::from_code(40100, "Too many requests".into(), Some("req-1".into()));
        assert_eq!(e.to_string(), "TikTok rate_limited (code 40100): Too many requests [request_id req-1]");
    }
}
