//! Logging: a readable message plus dotted fields, filtered by `RUST_LOG`.

use tracing_subscriber::{fmt, EnvFilter};

pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,tower_http=info,sqlx=warn,sea_orm=warn"));
    // try_init: tests may call this more than once.
    let _ = fmt().with_env_filter(filter).with_target(false).try_init();
}
