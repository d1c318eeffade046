//! The data check after the daily results: stored daily spend and conversions per campaign
//! against TikTok's own totals for the same days, what differs kept on the run for the card.

use super::{
    ctx::{Page, RunCtx, Stop},
    split_check::{self, Split},
    store::{count, micros},
    SyncEngine,
};
use crate::{
    db::{
        entities::{sync_run::Step, tiktok_ad_account, tiktok_campaign, tiktok_insight_daily},
        run_queue::cursor::{DataCheck, Mismatch},
        wide_sum,
    },
    model::reports::{Breakdown, Level},
    tiktok::{
        client::MAX_TOTALS_REPORT_DAYS,
        wire::{DataLevel, WireMetric},
    },
};
use chrono::{Duration, NaiveDate};
use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, FromQueryResult, QueryFilter, QuerySelect};
use std::collections::HashMap;
use strum::VariantArray;

impl SyncEngine {
    /// The days the data check compares: those this run read and the whole attribution window
    /// (as far back as the history goes), so conversions TikTok attributed since a day was last
    /// read show on the card until the window is read again.
    fn check_days(&self, read_from: NaiveDate, to: NaiveDate) -> NaiveDate {
        let days = |n: u32| to - Duration::days(i64::from(n.max(1)) - 1);
        let window = days(self.settings.attribution.window_days).max(days(self.settings.history_days));
        // A totals report spans a year at most: a longer history is checked over its last year.
        read_from.min(window).max(to - Duration::days(MAX_TOTALS_REPORT_DAYS - 1))
    }

    /// Compares the stored daily spend and conversions per campaign with TikTok's totals for
    /// the same days and keeps what differs on the run, for the card to show.
    pub(super) async fn data_check_step(&self, ctx: &mut RunCtx) -> Result<Page, Stop> {
        // Long: read TikTok's totals, read ours, compare, keep the finding; one pass in order.
        let (Some(read_from), Some(to)) = (ctx.cursor.insights_from, ctx.cursor.insights_to) else {
            return Ok(Page::StepDone);
        };
        let from = self.check_days(read_from, to);
        let adv = ctx.account.advertiser_id.clone();
        let client = ctx.client.clone();
        let mut theirs: HashMap<String, Totals> = HashMap::new();
        let mut page = 1;
        loop {
            let fetched = self
                .call(ctx, |token| {
                    let (client, adv) = (client.clone(), adv.clone());
                    async move {
                        client
                            .report_totals(&token, &adv, DataLevel::Campaign, from, to)?
                            .starting_at(page)
                            .next_page()
                            .await
                    }
                })
                .await
                .map_err(|f| self.stop_for(Step::DataCheck, f))?;
            let Some(fetched) = fetched else { break };
            for row in &fetched.items {
                // By id: a row repeated on a page (or shifted onto the next) counts once.
                let (spend, conversions) =
                    (row.metrics.get(WireMetric::Spend), row.metrics.get(WireMetric::Conversion));
                theirs.insert(
                    row.id.clone(),
                    Totals { spend: micros(spend).unwrap_or(0), conversions: count(conversions) },
                );
            }
            if page >= fetched.page_info.total_page || fetched.sent == 0 {
                break;
            }
            page += 1;
        }

        struct Sum {
            object_id: String,
            spend: Option<i64>,
            conversions: Option<i64>,
        }
        impl FromQueryResult for Sum {
            fn from_query_result(res: &sea_orm::QueryResult, pre: &str) -> Result<Self, sea_orm::DbErr> {
                Ok(Sum {
                    object_id: res.try_get(pre, "object_id")?,
                    spend: wide_sum::read(res, pre, "spend")?,
                    conversions: wide_sum::read(res, pre, "conversions")?,
                })
            }
        }
        let ours: HashMap<String, Totals> = tiktok_insight_daily::Entity::find()
            .select_only()
            .column(tiktok_insight_daily::Column::ObjectId)
            .expr(Expr::cust(wide_sum::sum("spend_micros", "spend")))
            .expr(Expr::cust(wide_sum::sum("conversions", "conversions")))
            .filter(tiktok_insight_daily::Column::AdAccountId.eq(ctx.account.id))
            .filter(tiktok_insight_daily::Column::Level.eq(Level::Campaign))
            .filter(tiktok_insight_daily::Column::Date.between(from, to))
            .group_by(tiktok_insight_daily::Column::ObjectId)
            .into_model::<Sum>()
            .all(&self.db)
            .await?
            .into_iter()
            .map(|s| (s.object_id, Totals { spend: s.spend.unwrap_or(0), conversions: s.conversions }))
            .collect();

        let mut mismatches: Vec<Mismatch> = theirs
            .keys()
            .chain(ours.keys())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .filter_map(|id| {
                let (t, o) = (theirs.get(id).copied().unwrap_or_default(), ours.get(id).copied().unwrap_or_default());
                let m = Mismatch {
                    campaign_id: id.clone(),
                    campaign_name: None,
                    tiktok_spend_micros: t.spend,
                    stored_spend_micros: o.spend,
                    tiktok_conversions: t.conversions,
                    stored_conversions: o.conversions,
                };
                // Conversions are counts: any difference is one.
                (m.spend_differs() || m.conversions_difference() > 0).then_some(m)
            })
            .collect();
        let mismatched = mismatches.len();
        mismatches.sort_by_key(|m| std::cmp::Reverse((m.spend_difference(), m.conversions_difference())));
        mismatches.truncate(5);
        let ids: Vec<String> = mismatches.iter().map(|m| m.campaign_id.clone()).collect();
        let names: HashMap<String, Option<String>> = tiktok_campaign::Entity::find()
            .filter(tiktok_campaign::Column::AdAccountId.eq(ctx.account.id))
            .filter(tiktok_campaign::Column::CampaignId.is_in(ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|c| (c.campaign_id, c.name))
            .collect();
        for m in &mut mismatches {
            m.campaign_name = names.get(&m.campaign_id).cloned().flatten();
        }
        if mismatched > 0 {
            tracing::warn!(from = %from, to = %to, mismatched, "stored daily spend or conversions differ from TikTok's totals");
        }
        let mut check = DataCheck {
            from,
            to,
            campaigns_checked: theirs.len().max(ours.len()),
            mismatches,
            mismatched_campaigns: mismatched,
            splits: Vec::new(),
            split_mismatches: 0,
            split_days_checked: 0,
        };
        self.check_splits(&ctx.account, to, &mut check).await?;
        ctx.data_check = Some(check);
        Ok(Page::StepDone)
    }
}

impl SyncEngine {
    /// The breakdowns of the last settled week read (TikTok's audience figures lag the daily
    /// ones by up to a day) and the hours of the last finished day held, against the daily rows.
    async fn check_splits(
        &self,
        account: &tiktok_ad_account::Model,
        today: NaiveDate,
        check: &mut DataCheck,
    ) -> Result<(), sea_orm::DbErr> {
        if let Some(through) = account.breakdowns_through {
            let settled = through.min(today) - Duration::days(2);
            let from = settled - Duration::days(6);
            for &by in Breakdown::VARIANTS {
                split_check::check(&self.db, account.id, Split::Breakdown(by), from, settled, check).await?;
            }
        }
        if let Some(day) = account.hours_through {
            split_check::check(&self.db, account.id, Split::Hours, day, day, check).await?;
        }
        if check.split_mismatches > 0 {
            tracing::warn!(
                mismatched = check.split_mismatches,
                "stored breakdowns or hours do not add up to their days"
            );
        }
        Ok(())
    }
}

/// A campaign's spend (millionths) and conversions over the checked days.
#[derive(Debug, Clone, Copy, Default)]
struct Totals {
    spend: i64,
    conversions: Option<i64>,
}
