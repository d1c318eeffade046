//! Writing report SQL once for both databases. A [`Fragment`] carries its bound values beside its
//! text, so fragments join in any order without a value landing on another's placeholder; the
//! placeholders (`?` on SQLite, `$1…` on Postgres) are only written out with the statement.

use super::sums::Part as Summed;
use crate::db::wide_sum;
use sea_orm::{DatabaseBackend, Statement, Value};
use strum::VariantArray;

/// A piece of SQL and the values bound in it, in place.
#[derive(Debug, Clone, Default)]
pub struct Fragment {
    parts: Vec<Part>,
}

#[derive(Debug, Clone)]
enum Part {
    Text(String),
    Value(Value),
}

impl Fragment {
    /// SQL text of the program's own: identifiers and keywords, never a value from outside.
    pub fn sql(text: impl Into<String>) -> Self {
        Self::default().push(text)
    }

    /// Appends SQL text (see [`Fragment::sql`]).
    pub fn push(mut self, text: impl Into<String>) -> Self {
        let text = text.into();
        // SQLite would take a bare `?` for a placeholder with no value beside it, shifting every
        // value after it: refuse it in release builds too (the text is the program's own).
        assert!(!text.contains('?'), "a value goes through bind, not the text: {text}");
        self.parts.push(Part::Text(text));
        self
    }

    /// Appends a placeholder and its value.
    pub fn bind(mut self, value: impl Into<Value>) -> Self {
        self.parts.push(Part::Value(value.into()));
        self
    }

    /// Appends another fragment, its values with it.
    pub fn append(mut self, other: Fragment) -> Self {
        self.parts.extend(other.parts);
        self
    }

    /// The fragments one after another, `separator` between them.
    pub fn join(separator: &str, fragments: impl IntoIterator<Item = Fragment>) -> Self {
        let mut out = Fragment::default();
        for (i, f) in fragments.into_iter().enumerate() {
            if i > 0 {
                out = out.push(separator);
            }
            out = out.append(f);
        }
        out
    }

    /// The statement for `backend`, its placeholders numbered for Postgres.
    pub fn statement(self, backend: DatabaseBackend) -> Statement {
        let mut sql = String::new();
        let mut values = Vec::new();
        for part in self.parts {
            match part {
                Part::Text(text) => sql.push_str(&text),
                Part::Value(value) => {
                    values.push(value);
                    match backend {
                        DatabaseBackend::Postgres => sql.push_str(&format!("${}", values.len())),
                        _ => sql.push('?'),
                    }
                }
            }
        }
        Statement::from_sql_and_values(backend, sql, values)
    }
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

/// Every part of the daily results aliased `i`, each in its two halves (`db::wide_sum`): the
/// `needed` ones summed, the rest NULL (so a statement's answer has one shape whatever it was
/// asked for, and a table shown with few figures reads only the columns its index covers).
pub fn sums(needed: &[Summed]) -> String {
    Summed::VARIANTS
        .iter()
        .map(|p| if needed.contains(p) { wide_sum::sum(p.summed(), p.alias()) } else { wide_sum::none(p.alias()) })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Each part's two columns, as `{prefix}{alias}_hi, {prefix}{alias}_lo`, listed for a SELECT.
pub fn part_columns(prefix: &str) -> String {
    Summed::VARIANTS.iter().map(|p| wide_sum::columns(prefix, p.alias())).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_for_postgres_only() {
        let f = || Fragment::sql("a = ").bind(1).push(" AND b = ").bind(2);
        let pg = f().statement(DatabaseBackend::Postgres);
        assert_eq!(pg.sql, "a = $1 AND b = $2");
        let lite = f().statement(DatabaseBackend::Sqlite);
        assert_eq!(lite.sql, "a = ? AND b = ?");
    }

    #[test]
    fn each_value_stays_with_its_fragment_however_they_are_joined() {
        let first = Fragment::sql("x = ").bind("first");
        let second = Fragment::sql("y = ").bind("second");
        let joined = Fragment::join(" AND ", [second, first]).statement(DatabaseBackend::Postgres);
        assert_eq!(joined.sql, "y = $1 AND x = $2");
        let values = joined.values.unwrap().0;
        assert_eq!(values, vec![Value::from("second"), Value::from("first")]);
    }

    #[test]
    #[should_panic(expected = "a value goes through bind")]
    fn a_placeholder_written_into_the_text_is_refused() {
        let _ = Fragment::sql("a = ?");
    }

    #[test]
    fn search_text_is_taken_literally() {
        assert_eq!(contains("50%_Off"), "%50\\%\\_off%");
    }
}
