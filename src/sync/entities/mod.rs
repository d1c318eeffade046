//! The entity steps: advertiser info, then campaigns, ad groups, ads, images, videos, audiences
//! and pixels (with their events) page by page, then the pixels' event counts. Each page is
//! upserted as it arrives (so campaigns show while ads are still coming); once a whole pass of a
//! step has read every page, what it did not see is marked gone.
//!
//! The paged steps share one driver ([`SyncEngine::page_of`]); what differs between them is
//! an [`EntityStep`] on the wire record, next to its table's [`table::SyncedTable`].

mod advertiser;
mod audiences;
mod campaigns;
mod creatives;
mod pixel_stats;
mod pixels;
mod table;

use super::{
    ctx::{Page, RunCtx, Stop},
    store::upsert,
    SyncEngine,
};
use crate::tiktok::{client::Pager, wire::WithRaw, TikTokClient};
use sea_orm::{DatabaseTransaction, DbErr, TransactionTrait};
use secrecy::SecretString;
use serde::de::DeserializeOwned;
use std::{collections::HashMap, future::Future};
use table::{Stamp, SyncedTable};

/// A record a paged entity step reads, and how it lands in its table.
pub(in crate::sync) trait EntityStep: DeserializeOwned + Send + Sync + 'static {
    type Table: SyncedTable;

    /// The step's pages, from the first.
    fn list<'a>(client: &'a TikTokClient, token: &'a SecretString, advertiser_id: &str) -> Pager<'a, Self>;

    /// TikTok's id of the record: a page may repeat one.
    fn id(&self) -> &str;

    /// The record's own columns; the ones every synced row shares are stamped on after.
    fn row(self) -> <Self::Table as SyncedTable>::Row;

    /// Upserts a page of records (unique by id). Pixels override it to write their events too.
    fn write(
        txn: &DatabaseTransaction,
        stamp: &Stamp,
        page: Vec<WithRaw<Self>>,
    ) -> impl Future<Output = Result<(), DbErr>> + Send {
        let rows = page
            .into_iter()
            .map(|WithRaw { item, raw }| stamp.row::<Self::Table>(item.row(), raw.to_string()))
            .collect();
        upsert(txn, rows, Self::Table::KEY, Self::Table::UPDATES)
    }

    /// Marks the rows the run did not see as gone. Pixels override it to mark their events too.
    fn mark_gone(txn: &DatabaseTransaction, stamp: &Stamp) -> impl Future<Output = Result<u64, DbErr>> + Send {
        stamp.mark_gone::<Self::Table>(txn)
    }
}

impl SyncEngine {
    /// Reads the cursor's page of `E`, writes it with the cursor's move to the next page.
    pub(in crate::sync) async fn page_of<E: EntityStep>(&self, ctx: &mut RunCtx) -> Result<Page, Stop> {
        let step = ctx.cursor.step;
        let page = ctx.cursor.page;
        let adv = ctx.account.advertiser_id.clone();
        let client = ctx.client.clone();
        let fetched = self
            .call(ctx, |token| {
                let (client, adv) = (client.clone(), adv.clone());
                async move { E::list(&client, &token, &adv).with_raw().starting_at(page).next_page().await }
            })
            .await
            .map_err(|f| self.stop_for(step, f))?;
        let Some(fetched) = fetched else { return self.step_complete::<E>(ctx).await };
        let info = fetched.page_info;
        // What was not seen is gone only after a whole pass: one whose count held from the first
        // page to the last (rows removed meanwhile shift others onto pages already read), and
        // that saw as many rows as that count (see `step_complete`).
        if page == 1 {
            ctx.cursor.list_total = Some(info.total_number);
        } else if ctx.cursor.list_total != Some(info.total_number) {
            ctx.cursor.partial_pass = true;
        }
        let more = page < info.total_page;
        let n = fetched.items.len();
        let stamp = Stamp { account_id: ctx.account.id, run_id: ctx.run_id(), now: self.clock.now() };
        let txn = self.db.begin().await?;
        E::write(&txn, &stamp, unique_by(fetched.items, |r| r.item.id().to_owned())).await?;
        ctx.add_count(step, n);
        ctx.cursor.page = page + 1;
        ctx.cursor.pages = info.total_page;
        self.commit_page(txn, ctx).await?;
        if more {
            Ok(Page::More)
        } else {
            self.step_complete::<E>(ctx).await
        }
    }

    /// Every page of the step is read: what the run did not see is gone. Written with the
    /// cursor's move to the next step, and only while the run is still this claim's.
    async fn step_complete<E: EntityStep>(&self, ctx: &mut RunCtx) -> Result<Page, Stop> {
        let stamp = Stamp { account_id: ctx.account.id, run_id: ctx.run_id(), now: self.clock.now() };
        let step = ctx.cursor.step;
        // It reads (the rows seen), then writes: on SQLite it takes the write lock up front, as
        // a read-then-write transaction would fail at once when another writer got in between.
        let txn = crate::db::begin_write(&self.db).await?;
        // A page that came back short or empty (the last one too) leaves rows unseen that
        // TikTok still counts: they are not gone.
        let whole = !ctx.cursor.partial_pass
            && match ctx.cursor.list_total {
                Some(total) => stamp.seen::<E::Table>(&txn).await? >= u64::from(total),
                None => false,
            };
        let gone = if whole { E::mark_gone(&txn, &stamp).await? } else { 0 };
        ctx.next_step();
        self.commit_page(txn, ctx).await?;
        if gone > 0 {
            tracing::info!(step = step.key(), gone, "marked records TikTok no longer returns as gone");
        } else if !whole {
            tracing::info!(
                step = step.key(),
                "this pass over the list was not whole; nothing is marked gone until one is"
            );
        }
        Ok(Page::Advanced)
    }
}

/// Keeps the last of several records with the same id (a page may repeat one): an upsert
/// statement may touch each row once.
fn unique_by<T>(items: Vec<T>, id: impl Fn(&T) -> String) -> Vec<T> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    for item in items {
        match seen.get(&id(&item)) {
            Some(&i) => out[i] = item,
            None => {
                seen.insert(id(&item), out.len());
                out.push(item);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::unique_by;

    #[test]
    fn a_record_repeated_in_a_page_is_kept_once_as_last_seen() {
        let kept = unique_by(vec![("a", 1), ("b", 2), ("a", 3)], |(id, _)| id.to_string());
        assert_eq!(kept, vec![("a", 3), ("b", 2)]);
    }
}
