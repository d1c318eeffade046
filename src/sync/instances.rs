//! Instances serving one database share TikTok's app budget (`TIKTOK_QPS` is per app, not per
//! process): each beats its row every few seconds, counts the live ones and keeps to its share.
//! Every instance calls TikTok, but not alike: one that syncs takes [`SYNCING_WEIGHT`] shares, a
//! web-only one (`SYNC_CONCURRENCY=0`: pickers and callbacks only) one share.
//! A stopped instance removes its row; a dead one drops out once its beat is old, so its share
//! returns within seconds. A 40100 pause spreads the same way, at the others' next beat.

use super::SyncEngine;
use crate::{db::entities::sync_instance, telemetry::metrics};
use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::OnConflict, ActiveValue::Set, ColumnTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
};
use std::time::Duration;
use strum::VariantArray;
use tokio_util::sync::CancellationToken;

/// How often an instance beats, and how old a beat may be for the instance to count as alive.
pub const BEAT_EVERY: Duration = Duration::from_secs(5);
const ALIVE_FOR: chrono::Duration = chrono::Duration::seconds(20);
/// Budget shares of an instance that runs syncs, against one for a web-only instance.
pub const SYNCING_WEIGHT: u32 = 4;

impl SyncEngine {
    /// Beats this instance's row, then shares the budget among the live instances; returns how
    /// many there are (this one included).
    ///
    /// TikTok's 40100 is about the whole app: an instance pausing for it says until when on its
    /// row, and the others pause as long here. So are its timeouts: each instance says how many
    /// of its requests timed out in the last 10 s, and each counts the others' with its own.
    pub async fn beat(&self) -> Result<u32, DbErr> {
        let now = self.clock.now();
        let weight = if self.settings.concurrency > 0 { SYNCING_WEIGHT } else { 1 };
        let row = sync_instance::ActiveModel {
            instance_id: Set(self.settings.instance_id.clone()),
            started_at: Set(now),
            heartbeat_at: Set(now),
            tiktok_paused_until: Set(self.tiktok.paused_until()),
            budget_weight: Set(weight as i32),
            tiktok_timeouts: Set(i32::try_from(self.tiktok.recent_timeouts()).unwrap_or(i32::MAX)),
        };
        sync_instance::Entity::insert(row)
            .on_conflict(
                OnConflict::column(sync_instance::Column::InstanceId)
                    .update_columns([
                        sync_instance::Column::HeartbeatAt,
                        sync_instance::Column::TiktokPausedUntil,
                        sync_instance::Column::BudgetWeight,
                        sync_instance::Column::TiktokTimeouts,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&self.db)
            .await?;
        let live: Vec<(String, Option<DateTime<Utc>>, i32, i32)> = sync_instance::Entity::find()
            .select_only()
            .column(sync_instance::Column::InstanceId)
            .column(sync_instance::Column::TiktokPausedUntil)
            .column(sync_instance::Column::BudgetWeight)
            .column(sync_instance::Column::TiktokTimeouts)
            .filter(sync_instance::Column::HeartbeatAt.gt(now - ALIVE_FOR))
            .into_tuple()
            .all(&self.db)
            .await?;
        if let Some(until) = live.iter().filter_map(|(_, until, ..)| *until).max().filter(|until| *until > now) {
            self.tiktok.pause_until(until);
        }
        // TikTok counts the whole app's timeouts: the others' count with this instance's own.
        let others: u32 = live
            .iter()
            .filter(|(id, ..)| *id != self.settings.instance_id)
            .map(|(.., timeouts)| u32::try_from(*timeouts).unwrap_or(0))
            .sum();
        self.tiktok.others_timeouts(others);
        // This instance's own row is among them (just written), unless the clock jumped.
        let all: u32 = live.iter().map(|(_, _, w, _)| u32::try_from(*w).unwrap_or(1).max(1)).sum::<u32>().max(weight);
        self.tiktok.share_budget(weight, all);
        let live = u32::try_from(live.len()).unwrap_or(u32::MAX).max(1);
        metrics::budget(self.tiktok.budget_per_second(), live);
        Ok(live)
    }

    /// Active accounts whose next sync is more than one interval late (for operators).
    pub async fn overdue_accounts(&self) -> Result<u64, DbErr> {
        use crate::db::entities::tiktok_ad_account::{self, SyncState};
        let late = self.clock.now()
            - chrono::Duration::from_std(self.settings.interval).unwrap_or(chrono::Duration::minutes(15));
        tiktok_ad_account::Entity::find()
            .filter(tiktok_ad_account::Column::SyncState.eq(SyncState::Active))
            .filter(tiktok_ad_account::Column::NextSyncAt.lt(late))
            .count(&self.db)
            .await
    }

    /// How many ad accounts are in each state (for operators): the same decision the cards show.
    pub async fn accounts_by_state(&self) -> Result<Vec<(&'static str, u64)>, DbErr> {
        use crate::db::{entities::tiktok_ad_account, status::Headline};
        let accounts = tiktok_ad_account::Entity::find().all(&self.db).await?;
        let states = crate::db::status::load(&self.db, &accounts, self.clock.now()).await?;
        let mut counts: std::collections::BTreeMap<Headline, u64> =
            Headline::VARIANTS.iter().map(|h| (*h, 0)).collect();
        for loaded in states.values() {
            *counts.entry(loaded.state.headline()).or_default() += 1;
        }
        Ok(counts.into_iter().map(|(h, n)| (h.key(), n)).collect())
    }

    /// Beats until `stop`, then removes this instance's row so the others take its share at once.
    pub async fn keep_beating(self, stop: CancellationToken) {
        let mut known = 0;
        while !stop.is_cancelled() {
            match self.beat().await {
                Ok(live) if live != known => {
                    known = live;
                    tracing::info!(
                        instance = %self.settings.instance_id,
                        instances = live,
                        budget_per_second = self.tiktok.budget_per_second(),
                        "instances sharing the TikTok budget"
                    );
                }
                Ok(_) => {}
                // Keep the share we have: the next beat tries again.
                Err(e) => tracing::warn!(error = %e, "could not beat this instance's row"),
            }
            tokio::select! {
                () = stop.cancelled() => {},
                () = tokio::time::sleep(BEAT_EVERY) => {},
            }
        }
        let gone = sync_instance::Entity::delete_by_id(self.settings.instance_id.clone()).exec(&self.db).await;
        if let Err(e) = gone {
            tracing::warn!(error = %e, "could not remove this instance's row; it drops out when its beat is old");
        }
    }
}
