//! Sign-in: password hashing, database-backed sessions, login rate limits and the one guard
//! every route and server function goes through.

pub mod accounts;
pub mod guard;
pub mod login_limit;
pub mod password;
pub mod session_store;

pub use guard::{authorize, AuthService, CurrentUser, MemberCache};

/// Session keys. The session holds ids only; the role is re-read on every request so a
/// changed or removed membership takes effect at once.
pub const SESSION_USER_ID: &str = "user_id";
pub const SESSION_WORKSPACE_ID: &str = "workspace_id";
/// When the session was last used (unix seconds, renewed at most hourly): renewing it marks
/// the session changed, so its 14 days of inactivity start again.
pub const SESSION_SEEN_AT: &str = "seen_at";
