//! Writing report SQL once for both databases: `?` placeholders (numbered for Postgres) and the
//! few expressions that differ.

use sea_orm::{DatabaseBackend, Statement, Value};

/// A statement from SQL with `?` placeholders.
pub fn statement(backend: DatabaseBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = match backend {
        DatabaseBackend::Postgres => {
            let mut out = String::with_capacity(sql.len() + 16);
            let mut n = 0;
            for ch in sql.chars() {
                if ch == '?' {
                    n += 1;
                    out.push_str(&format!("${n}"));
                } else {
                    out.push(ch);
                }
            }
            out
        }
        _ => sql.to_owned(),
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// A `LIKE` pattern that finds `text` anywhere, its own `%` and `_` taken literally (`ESCAPE '\'`).
pub fn contains(text: &str) -> String {
    let escaped = text.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

/// Tells SQLite which index to read a table by (` INDEXED BY name`), where its planner, without
/// statistics, would prefer a covering index that scans far more rows; Postgres plans from
/// statistics and takes no hint.
pub fn indexed_by(backend: DatabaseBackend, index: &str) -> String {
    match backend {
        DatabaseBackend::Postgres => String::new(),
        _ => format!(" INDEXED BY {index}"),
    }
}

/// The first string of a JSON array held in a text column.
pub fn first_of_json_array(backend: DatabaseBackend, col: &str) -> String {
    match backend {
        DatabaseBackend::Postgres => format!("(CAST({col} AS JSON) ->> 0)"),
        _ => format!("json_extract({col}, '$[0]')"),
    }
}

/// `SUM(col)` as a 64-bit integer (Postgres sums BIGINT into NUMERIC).
pub fn sum(col: &str) -> String {
    format!("CAST(SUM({col}) AS BIGINT)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_for_postgres_only() {
        let pg = statement(DatabaseBackend::Postgres, "a = ? AND b = ?", vec![1.into(), 2.into()]);
        assert_eq!(pg.sql, "a = $1 AND b = $2");
        let lite = statement(DatabaseBackend::Sqlite, "a = ?", vec![1.into()]);
        assert_eq!(lite.sql, "a = ?");
    }

    #[test]
    fn search_text_is_taken_literally() {
        assert_eq!(contains("50%_Off"), "%50\\%\\_off%");
    }
}
