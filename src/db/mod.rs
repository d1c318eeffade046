//! The data layer: connection, migrations and the sea-orm entities.

pub mod accounts;
pub mod entities;
pub mod locks;
pub mod rates;
pub mod run_queue;
pub mod status;
pub mod tiktok_users;
pub mod wide_sum;

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
    ConnectOptions, Database, DatabaseConnection, DbErr,
};
use std::time::Duration;

/// Connects to `url`, creating the SQLite file's folder when needed.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    if let Some(path) = sqlite_path(url) {
        if let Some(dir) = std::path::Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| DbErr::Custom(format!("cannot create {}: {e}", dir.display())))?;
        }
    }
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(if url.starts_with("sqlite:") { 8 } else { 16 })
        .connect_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        // WAL: pages read while a sync writes, and a writer (the CLI, another sync page) waits
        // briefly instead of failing. NORMAL sync is durable across crashes of the process in WAL.
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(15))
        });
    Database::connect(options).await
}

/// SQLite serves one instance: `wevion serve` holds an exclusive lock on `<database>.lock` for
/// as long as it runs, and a second one on the same file is refused with what to do instead.
/// (A file of its own: closing a descriptor of the database file would drop SQLite's own locks.)
/// None for Postgres (several instances share it) and in-memory databases.
pub fn hold_single_instance(url: &str) -> std::io::Result<Option<std::fs::File>> {
    let Some(database) = sqlite_path(url) else { return Ok(None) };
    if let Some(dir) = std::path::Path::new(database).parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let path = &format!("{database}.lock");
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| std::io::Error::new(e.kind(), format!("cannot open {path}: {e}")))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => Err(std::io::Error::other(format!(
            "another wevion instance is serving the SQLite database {database}; SQLite serves one instance \
             (stop the other one, or use Postgres to run several)"
        ))),
        Err(std::fs::TryLockError::Error(e)) => Err(std::io::Error::new(e.kind(), format!("cannot lock {path}: {e}"))),
    }
}

/// A transaction that reads, then writes. On SQLite it takes the write lock at its start, waiting
/// its turn (a deferred one that read first would fail at once when another writer committed
/// meanwhile, as the server's sync does all the time); elsewhere a plain transaction.
pub async fn begin_write(db: &DatabaseConnection) -> Result<sea_orm::DatabaseTransaction, DbErr> {
    use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// `sqlite://data/x.db?mode=rwc` → `data/x.db` (None for in-memory or non-SQLite URLs).
fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then_some(path)
}

#[cfg(test)]
mod tests {
    use super::sqlite_path;

    #[test]
    fn sqlite_paths_are_read_from_urls() {
        assert_eq!(sqlite_path("sqlite://data/wevion.db?mode=rwc"), Some("data/wevion.db"));
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://localhost/x"), None);
    }
}
