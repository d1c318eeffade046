//! Logging: a readable message plus dotted fields, filtered by `RUST_LOG`; `LOG_FORMAT=json`
//! writes one JSON object per line (with the fields of the enclosing spans, so every line of a
//! sync run carries its run, account and instance) for log collectors.

use tracing_subscriber::{fmt, EnvFilter};

pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,tower_http=info,sqlx=warn,sea_orm=warn"));
    let json = std::env::var("LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    // try_init: tests may call this more than once.
    let _ = if json {
        fmt()
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(true)
            .with_env_filter(filter)
            .try_init()
    } else {
        fmt().with_env_filter(filter).with_target(false).try_init()
    };
}

pub mod metrics;
