//! The table's one statement, in fragments that each carry their own values: which rows
//! (scope, drill-down parent, filter), their sums over the days, and the page, totals and counts.

use crate::{
    db::wide_sum,
    model::reports::{AdsQuery, Level, OperationStatus, SortKey},
    reports::{
        sql::{self, Fragment},
        sums::{formula, parts_of, Formula, Part},
    },
};
use chrono::NaiveDate;
use sea_orm::DatabaseBackend;
use strum::VariantArray;

/// What a line of the statement's answer is, written into it as a tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "snake_case")]
pub(super) enum Kind {
    Row,
    Total,
    Count,
}

impl Kind {
    fn tag(self) -> &'static str {
        self.into()
    }

    pub(super) fn parse(tag: &str) -> Option<Kind> {
        tag.parse().ok()
    }
}

/// Deleted at TikTok, or gone from its answers.
fn deleted() -> Fragment {
    Fragment::sql("(e.gone_at IS NOT NULL OR COALESCE(e.operation_status, '') = ")
        .bind(OperationStatus::Delete.code())
        .push(")")
}

/// The entity table and its TikTok id column of the level a table lists.
pub(super) fn shape(level: Level) -> (&'static str, &'static str) {
    match level.listed() {
        Level::Advertiser | Level::Campaign => ("tiktok_campaign", "campaign_id"),
        Level::AdGroup => ("tiktok_adgroup", "adgroup_id"),
        Level::Ad => ("tiktok_ad", "ad_id"),
    }
}

/// `ORDER BY` over the columns of `r` (the filtered rows with their sums). A figure sorts by
/// the same formula the page shows it with; one of a single day only sorts by name over a range
/// (the query's parser already turns such a sort into spend).
fn order(sort: SortKey, desc: bool, one_day: bool) -> String {
    let expr = match sort {
        SortKey::Name => "LOWER(name)".to_owned(),
        SortKey::Advertiser => "LOWER(advertiser)".to_owned(),
        SortKey::Status => "operation_status".to_owned(),
        SortKey::Objective => "objective".to_owned(),
        SortKey::Budget => "budget_micros".to_owned(),
        SortKey::Metric(m) if m.day_only() && !one_day => "LOWER(name)".to_owned(),
        SortKey::Metric(m) => match formula(m) {
            Formula::Sum(p) => wide_sum::approx("", p.alias()),
            // Ratios from the summed parts; none without a denominator.
            Formula::Ratio { num, den, scale } => {
                let (num, den) = (wide_sum::approx("", num.alias()), wide_sum::approx("", den.alias()));
                format!("CASE WHEN {den} > 0 THEN {num} * {scale}.0 / {den} END")
            }
        },
    };
    format!("{expr} {} NULLS LAST, row_id", if desc { "DESC" } else { "ASC" })
}

/// The parts a query's figures (its column set and its sort) are computed from.
fn needed(query: &AdsQuery) -> Vec<Part> {
    let sort = match query.sort {
        SortKey::Metric(m) => Some(m),
        _ => None,
    };
    parts_of(query.columns.metrics().iter().copied().chain(sort))
}

/// The rows a table query names before its filter: the accounts in view (`scope`) and, under a
/// drill-down, the parent campaign or ad group (`parent`, empty for a whole list).
struct Rows {
    scope: Fragment,
    parent: Option<Fragment>,
}

impl Rows {
    fn of(workspace_id: i32, query: &AdsQuery) -> Self {
        let mut scope = Fragment::sql("a.workspace_id = ").bind(workspace_id);
        if let Some(account) = query.account {
            scope = scope.push(" AND a.id = ").bind(account);
        }
        let mut parent = Vec::new();
        if let (Some(c), Level::AdGroup | Level::Ad) = (&query.campaign, query.level) {
            parent.push(Fragment::sql(" AND e.campaign_id = ").bind(c.clone()));
        }
        if let (Some(g), Level::Ad) = (&query.adgroup, query.level) {
            parent.push(Fragment::sql(" AND e.adgroup_id = ").bind(g.clone()));
        }
        Self { scope, parent: (!parent.is_empty()).then(|| Fragment::join("", parent)) }
    }

    /// What people narrow the list by (deleted ones are counted apart).
    fn filter(query: &AdsQuery) -> Fragment {
        let mut filter = Fragment::default();
        if let Some(status) = query.status {
            filter = filter.push(" AND e.operation_status = ").bind(status.operation().code());
        }
        if !query.search.trim().is_empty() {
            filter =
                filter.push(" AND LOWER(e.name) LIKE ").bind(sql::contains(query.search.trim())).push(" ESCAPE '\\'");
        }
        filter
    }
}

/// `m`: each entity's results summed over the days, in the database. Under a drill-down only a
/// few entities count: each one's days are looked up by key (CROSS JOIN keeps SQLite's join
/// order). A whole list reads the days from the covering index by day.
fn summed(backend: DatabaseBackend, rows: &Rows, query: &AdsQuery, from: NaiveDate, to: NaiveDate) -> Fragment {
    let level = query.level.listed();
    let (table, id_col) = shape(level);
    let sums = sql::sums(&needed(query));
    let days = Fragment::sql(" AND i.level = ")
        .bind(level)
        .push(" AND i.date >= ")
        .bind(from)
        .push(" AND i.date <= ")
        .bind(to)
        .push(" GROUP BY i.ad_account_id, i.object_id");
    let select = match &rows.parent {
        None => Fragment::sql(format!(
            "SELECT i.ad_account_id, i.object_id, {sums} FROM tiktok_insight_daily i \
             WHERE i.ad_account_id IN (SELECT a.id FROM tiktok_ad_account a WHERE "
        ))
        .append(rows.scope.clone())
        .push(")"),
        Some(parent) => Fragment::sql(format!(
            "SELECT i.ad_account_id, i.object_id, {sums} \
             FROM {table} e CROSS JOIN tiktok_insight_daily i{} JOIN tiktok_ad_account a ON a.id = e.ad_account_id \
             WHERE ",
            sql::indexed_by(backend, "tiktok_insight_daily_key")
        ))
        .append(rows.scope.clone())
        .append(parent.clone())
        .push(format!(" AND i.ad_account_id = e.ad_account_id AND i.object_id = e.{id_col}")),
    };
    select.append(days)
}

/// `r`: the rows the filter keeps, deleted ones flagged, with their sums from `m`.
fn filtered(rows: Rows, query: &AdsQuery) -> Fragment {
    let (table, id_col) = shape(query.level);
    // An object with no rows in the range delivered nothing: 0 for what TikTok always reports;
    // a day's "-" stays NULL.
    let needed = needed(query);
    let parts = Part::VARIANTS
        .iter()
        .flat_map(|p| {
            let zero = p.zero_without_rows() && needed.contains(p);
            ["_hi", "_lo"].map(|half| match zero {
                true => {
                    format!("CASE WHEN m.object_id IS NULL THEN 0 ELSE m.{a}{half} END AS {a}{half}", a = p.alias())
                }
                false => format!("m.{a}{half} AS {a}{half}", a = p.alias()),
            })
        })
        .collect::<Vec<_>>()
        .join(", ");
    let (objective, budget, budget_mode) = match query.level.listed() {
        Level::Advertiser | Level::Campaign => ("e.objective_type", "e.budget_micros", "e.budget_mode"),
        Level::AdGroup => ("e.optimization_goal", "e.budget_micros", "e.budget_mode"),
        Level::Ad => ("NULL", "NULL", "NULL"),
    };
    Fragment::sql(format!(
        "SELECT e.id AS row_id, e.{id_col} AS tiktok_id, e.name, e.operation_status, e.secondary_status, \
         {objective} AS objective, {budget} AS budget_micros, {budget_mode} AS budget_mode, e.gone_at, \
         a.id AS account_id, a.name AS advertiser, a.currency, {parts}, CASE WHEN "
    ))
    .append(deleted())
    .push(format!(
        " THEN 1 ELSE 0 END AS is_deleted \
         FROM {table} e JOIN tiktok_ad_account a ON a.id = e.ad_account_id \
         LEFT JOIN m ON m.ad_account_id = e.ad_account_id AND m.object_id = e.{id_col} \
         WHERE "
    ))
    .append(rows.scope)
    .append(rows.parent.unwrap_or_default())
    .append(Rows::filter(query))
}

/// What the statement answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Answer {
    /// The query's page of rows, the totals per currency and the counts (Ads Manager).
    Page,
    /// Every row in the table's order and nothing else, to be read as it comes (the export).
    EveryRow,
}

/// The table's one statement: the rows (with their pictures, for ads) and, for a page, the
/// totals per currency and the counts, over the CTEs `m` (sums) and `r` (filtered rows).
pub(super) fn statement(
    backend: DatabaseBackend,
    workspace_id: i32,
    query: &AdsQuery,
    from: NaiveDate,
    to: NaiveDate,
    answer: Answer,
) -> Fragment {
    let rows = Rows::of(workspace_id, query);
    let m = summed(backend, &rows, query, from, to);
    let r = filtered(rows, query);

    // Ads have no budget of their own: sorting them by it keeps the name order.
    let sort = if query.level == Level::Ad && query.sort == SortKey::Budget { SortKey::Name } else { query.sort };
    let order = order(sort, query.desc, from == to);
    let limit = match answer {
        Answer::EveryRow => String::new(),
        Answer::Page => format!(
            " LIMIT {} OFFSET {}",
            AdsQuery::PAGE_SIZE,
            u64::from(query.page.max(1) - 1) * u64::from(AdsQuery::PAGE_SIZE)
        ),
    };
    let shown = if query.show_deleted { "SELECT * FROM r" } else { "SELECT * FROM r WHERE is_deleted = 0" };
    // The page's pictures are looked up for its rows only, after the sort.
    let creative = match query.level {
        Level::Ad => format!(
            "ad.ad_text, ad.landing_page_url, ad.ad_format, \
             COALESCE((SELECT v.cover_url FROM tiktok_video v WHERE v.ad_account_id = ad.ad_account_id AND v.video_id = ad.video_id), \
                      (SELECT im.image_url FROM tiktok_image im WHERE im.ad_account_id = ad.ad_account_id AND im.image_id = {})) AS thumbnail",
            sql::first_of_json_array(backend, "ad.image_ids")
        ),
        _ => "NULL AS ad_text, NULL AS landing_page_url, NULL AS ad_format, NULL AS thumbnail".to_owned(),
    };
    let creative_join = if query.level == Level::Ad { " JOIN tiktok_ad ad ON ad.id = p.row_id" } else { "" };
    let none =
        "NULL AS tiktok_id, NULL AS name, NULL AS operation_status, NULL AS secondary_status, NULL AS objective, \
                NULL AS budget_micros, NULL AS budget_mode, NULL AS gone_at, NULL AS account_id, NULL AS advertiser";
    let no_creative = "NULL AS ad_text, NULL AS landing_page_url, NULL AS ad_format, NULL AS thumbnail";
    let rows = format!(
        "), shown AS ({shown}) \
         SELECT '{row}' AS part, p.pos, p.tiktok_id, p.name, p.operation_status, p.secondary_status, p.objective, \
                p.budget_micros, p.budget_mode, p.gone_at, p.account_id, p.advertiser, p.currency, \
                {parts}, {creative}, CAST(NULL AS BIGINT) AS n, \
                CAST(NULL AS BIGINT) AS deleted \
         FROM (SELECT shown.*, ROW_NUMBER() OVER (ORDER BY {order}) AS pos FROM shown ORDER BY {order}{limit}) p{creative_join}",
        row = Kind::Row.tag(),
        parts = sql::part_columns("p."),
    );
    if answer == Answer::EveryRow {
        return Fragment::sql("WITH m AS (").append(m).push("), r AS (").append(r).push(rows).push(" ORDER BY p.pos");
    }
    // Postgres types a UNION pairwise: NULLs that meet numbers later are cast up front.
    let rest = format!(
        "{rows} \
         UNION ALL \
         SELECT '{total}', NULL, {none}, currency, {totals}, {no_creative}, COUNT(*), CAST(NULL AS BIGINT) \
         FROM shown GROUP BY currency \
         UNION ALL \
         SELECT '{count}', NULL, {none}, NULL, {nothing}, {no_creative}, COUNT(*), {deleted} FROM r",
        total = Kind::Total.tag(),
        count = Kind::Count.tag(),
        totals = Part::VARIANTS.iter().map(|p| wide_sum::resum("", p.alias())).collect::<Vec<_>>().join(", "),
        nothing = Part::VARIANTS.iter().map(|p| wide_sum::none(p.alias())).collect::<Vec<_>>().join(", "),
        deleted = "CAST(SUM(is_deleted) AS BIGINT)",
    );
    Fragment::sql("WITH m AS (").append(m).push("), r AS (").append(r).push(rest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ids::AccountId, reports::StatusFilter};
    use sea_orm::Value;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn every_placeholder_has_its_value_whatever_the_query_adds() {
        let query = AdsQuery {
            level: Level::Ad,
            campaign: Some("c1".into()),
            adgroup: Some("g1".into()),
            account: Some(AccountId(3)),
            status: Some(StatusFilter::Paused),
            search: "sale".into(),
            ..AdsQuery::default()
        };
        for backend in [DatabaseBackend::Sqlite, DatabaseBackend::Postgres] {
            for q in [query.clone(), AdsQuery::default()] {
                let stmt =
                    statement(backend, 7, &q, day("2026-01-01"), day("2026-01-07"), Answer::Page).statement(backend);
                let values = stmt.values.map(|v| v.0).unwrap_or_default();
                match backend {
                    // Exactly $1..=$n, each once: no gap, no stray number past the values.
                    DatabaseBackend::Postgres => {
                        let mut numbers: Vec<usize> = stmt
                            .sql
                            .split('$')
                            .skip(1)
                            .map(|rest| rest.chars().take_while(char::is_ascii_digit).collect::<String>())
                            .map(|n| n.parse().expect("a number after $"))
                            .collect();
                        numbers.sort_unstable();
                        assert_eq!(numbers, (1..=values.len()).collect::<Vec<_>>(), "{q:?}");
                    }
                    _ => assert_eq!(stmt.sql.matches('?').count(), values.len(), "{backend:?} {q:?}"),
                }
            }
        }
    }

    #[test]
    fn levels_and_statuses_are_bound_never_written_into_the_sql() {
        let query = AdsQuery {
            level: Level::AdGroup,
            campaign: Some("c1".into()),
            status: Some(StatusFilter::Active),
            ..AdsQuery::default()
        };
        let backend = DatabaseBackend::Postgres;
        let stmt = statement(backend, 7, &query, day("2026-01-01"), day("2026-01-07"), Answer::Page).statement(backend);
        for literal in ["'adgroup'", "'ENABLE'", "'DELETE'"] {
            assert!(!stmt.sql.contains(literal), "{literal} in {}", stmt.sql);
        }
        let values = stmt.values.unwrap().0;
        // The drill-down parent and the scope are bound in each CTE that reads them, beside their own SQL.
        assert_eq!(values[0], Value::from(7), "the workspace first, in m");
        assert_eq!(values[1], Value::from("c1"), "then the parent campaign, in m");
        assert!(values.contains(&Value::from("adgroup")) && values.contains(&Value::from("ENABLE")));
    }
}
