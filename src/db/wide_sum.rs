//! Sums that cannot overflow, on either database: each 64-bit value is summed in two halves, its
//! high 32 bits and its low 32 bits apart (`{alias}_hi`, `{alias}_lo`). Each half-sum fits 64 bits
//! for any number of rows under 2³¹, and the two are joined exactly in Rust, narrowed to 64 bits
//! only when the whole fits. (SQLite stops with "integer overflow" past 64 bits, and Postgres's
//! exact NUMERIC sum does not fit a BIGINT either.)

/// `SUM(expr)` in halves, as the columns `{alias}_hi` and `{alias}_lo`.
pub fn sum(expr: &str, alias: &str) -> String {
    format!(
        "CAST(SUM(({expr}) >> 32) AS BIGINT) AS {alias}_hi, CAST(SUM(({expr}) & 4294967295) AS BIGINT) AS {alias}_lo"
    )
}

/// The halves of `{prefix}{alias}` summed again (totals over rows that hold half-sums).
pub fn resum(prefix: &str, alias: &str) -> String {
    format!(
        "CAST(SUM({prefix}{alias}_hi) AS BIGINT) AS {alias}_hi, CAST(SUM({prefix}{alias}_lo) AS BIGINT) AS {alias}_lo"
    )
}

/// No sum, in the same two columns.
pub fn none(alias: &str) -> String {
    format!("CAST(NULL AS BIGINT) AS {alias}_hi, CAST(NULL AS BIGINT) AS {alias}_lo")
}

/// The two columns of `{prefix}{alias}`, listed for a SELECT.
pub fn columns(prefix: &str, alias: &str) -> String {
    format!("{prefix}{alias}_hi, {prefix}{alias}_lo")
}

/// `{prefix}{alias}` as one number in SQL, for ordering and comparing only (a float: exact
/// enough to order by, never read as the figure).
pub fn approx(prefix: &str, alias: &str) -> String {
    format!("({prefix}{alias}_hi * 4294967296.0 + {prefix}{alias}_lo)")
}

/// The sum the halves make; none when either is none (no rows, or only empty values) or when
/// the whole does not fit 64 bits.
pub fn join(hi: Option<i64>, lo: Option<i64>) -> Option<i64> {
    let whole = (i128::from(hi?) << 32) + i128::from(lo?);
    i64::try_from(whole).ok()
}

/// Reads the halves of `alias` from a row.
pub fn read(res: &sea_orm::QueryResult, pre: &str, alias: &str) -> Result<Option<i64>, sea_orm::DbErr> {
    let hi = res.try_get::<Option<i64>>(pre, &format!("{alias}_hi"))?;
    let lo = res.try_get::<Option<i64>>(pre, &format!("{alias}_lo"))?;
    Ok(join(hi, lo))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the database computes: the two half-sums of `values`.
    fn halves(values: &[i64]) -> (i64, i64) {
        (values.iter().map(|v| v >> 32).sum(), values.iter().map(|v| v & 0xFFFF_FFFF).sum())
    }

    #[test]
    fn halves_join_to_the_exact_sum_of_any_signs() {
        for values in [vec![1, 2, 3], vec![-5, 3], vec![i64::MAX / 4, -(1 << 40), 7], vec![i64::MIN / 2, -1]] {
            let (hi, lo) = halves(&values);
            assert_eq!(join(Some(hi), Some(lo)), Some(values.iter().sum::<i64>()), "{values:?}");
        }
    }

    #[test]
    fn a_sum_past_64_bits_is_no_figure_and_never_a_panic() {
        let (hi, lo) = halves(&[6_000_000_000_000_000_000, 6_000_000_000_000_000_000]);
        assert_eq!(join(Some(hi), Some(lo)), None);
        assert_eq!(join(None, Some(1)), None);
    }
}
