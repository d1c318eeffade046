//! The data check of the split rows, on what is stored (no request to TikTok): each breakdown's
//! buckets of a campaign's settled day, and a finished day's hours, must add up to that day's
//! daily row for the figures TikTok reports in both (spend, impressions, clicks). A campaign day
//! with no split rows is not compared (a breakdown TikTok did not give is a gap on the card
//! already). What differs is kept on the run's data check for the card.

use crate::{
    db::{
        entities::{
            tiktok_insight_breakdown as breakdown, tiktok_insight_daily as daily, tiktok_insight_hourly as hourly,
        },
        run_queue::cursor::{DataCheck, SplitMismatch},
        wide_sum,
    },
    model::reports::{Breakdown, Level},
};
use chrono::NaiveDate;
use sea_orm::{
    sea_query::{Alias, Expr},
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QuerySelect, Select,
};
use std::collections::BTreeMap;

/// Examples kept per run.
const KEPT: usize = 5;

/// The figures compared, by their names on the card and their columns.
const FIGURES: [(&str, &str); 3] = [("spend", "spend_micros"), ("impressions", "impressions"), ("clicks", "clicks")];

/// What was split: a breakdown, or the hours.
#[derive(Debug, Clone, Copy)]
pub enum Split {
    Breakdown(Breakdown),
    Hours,
}

impl Split {
    fn label(self) -> &'static str {
        match self {
            Split::Breakdown(by) => by.label(),
            Split::Hours => "hours",
        }
    }
}

struct Sums {
    object_id: String,
    date: NaiveDate,
    figures: [Option<i64>; 3],
}

impl FromQueryResult for Sums {
    fn from_query_result(res: &sea_orm::QueryResult, pre: &str) -> Result<Self, DbErr> {
        let mut figures = [None; 3];
        for (f, (name, _)) in figures.iter_mut().zip(FIGURES) {
            *f = wide_sum::read(res, pre, name)?;
        }
        Ok(Sums { object_id: res.try_get(pre, "object_id")?, date: res.try_get(pre, "date")?, figures })
    }
}

/// The rows of `select` summed per campaign and day (a figure whose sum no 64 bits hold is none).
async fn sums<E: EntityTrait>(
    db: &impl ConnectionTrait,
    select: Select<E>,
) -> Result<BTreeMap<(String, NaiveDate), [Option<i64>; 3]>, DbErr> {
    let mut select = select.select_only().column_as(Expr::col(Alias::new("object_id")), "object_id");
    select = select.column_as(Expr::col(Alias::new("date")), "date");
    for (name, column) in FIGURES {
        select = select.expr(Expr::cust(wide_sum::sum(column, name)));
    }
    let rows = select
        .group_by(Expr::col(Alias::new("object_id")))
        .group_by(Expr::col(Alias::new("date")))
        .into_model::<Sums>()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|s| ((s.object_id, s.date), s.figures)).collect())
}

/// Compares the split rows of `split` over `from..=to` with the daily rows and adds what differs
/// to `check`.
pub async fn check(
    db: &impl ConnectionTrait,
    account_id: i32,
    split: Split,
    from: NaiveDate,
    to: NaiveDate,
    check: &mut DataCheck,
) -> Result<(), DbErr> {
    if from > to {
        return Ok(());
    }
    let parts = match split {
        Split::Breakdown(by) => {
            let rows = breakdown::Entity::find()
                .filter(breakdown::Column::AdAccountId.eq(account_id))
                .filter(breakdown::Column::Breakdown.eq(by))
                .filter(breakdown::Column::Level.eq(Level::Campaign))
                .filter(breakdown::Column::Date.between(from, to));
            sums(db, rows).await?
        }
        Split::Hours => {
            let rows = hourly::Entity::find()
                .filter(hourly::Column::AdAccountId.eq(account_id))
                .filter(hourly::Column::Level.eq(Level::Campaign))
                .filter(hourly::Column::Date.between(from, to));
            sums(db, rows).await?
        }
    };
    let days = daily::Entity::find()
        .filter(daily::Column::AdAccountId.eq(account_id))
        .filter(daily::Column::Level.eq(Level::Campaign))
        .filter(daily::Column::Date.between(from, to));
    let wholes = sums(db, days).await?;
    for (key, part) in &parts {
        let whole = wholes.get(key).copied().unwrap_or_default();
        check.split_days_checked += 1;
        // A figure without a value on either side (a sum past 64 bits, say) is not compared.
        let differs = |i: usize| matches!((part[i], whole[i]), (Some(p), Some(w)) if p != w);
        let Some(i) = (0..FIGURES.len()).find(|&i| differs(i)) else { continue };
        check.split_mismatches += 1;
        if check.splits.len() < KEPT {
            check.splits.push(SplitMismatch {
                split: split.label().to_owned(),
                campaign_id: key.0.clone(),
                date: key.1,
                figure: FIGURES[i].0.to_owned(),
                whole: whole[i].unwrap_or_default(),
                parts: part[i].unwrap_or_default(),
            });
        }
    }
    Ok(())
}
