//! What every table an entity step keeps shares: the account, TikTok's object as sent, the run
//! that last saw the row and when, and whether it is gone.

use crate::sync::store;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, DatabaseTransaction, DbErr, EntityTrait};
use std::future::Future;

/// The ids and time every row of a page shares.
pub(crate) struct Stamp {
    pub account_id: i32,
    pub run_id: i32,
    pub now: DateTime<Utc>,
}

type Columns<T> = &'static [<T as EntityTrait>::Column];

/// A table of records TikTok lists per account; implemented by [`synced_table!`].
pub(crate) trait SyncedTable: EntityTrait + Default {
    type Row: ActiveModelTrait<Entity = Self> + Send;
    /// Unique per record: the account and TikTok's id.
    const KEY: Columns<Self>;
    /// Refreshed when the record comes again: its own columns and the shared ones.
    const UPDATES: Columns<Self>;
    /// Sets the shared columns of a row: seen now by this run, not gone.
    fn stamp(row: Self::Row, stamp: &Stamp, raw: String) -> Self::Row;
}

impl Stamp {
    /// `row` with the shared columns set; `raw` is TikTok's object as sent.
    pub fn row<T: SyncedTable>(&self, row: T::Row, raw: String) -> T::Row {
        T::stamp(row, self, raw)
    }

    /// Marks the account's rows of `T` this run did not see as gone.
    pub fn mark_gone<'a, T: SyncedTable>(
        &self,
        txn: &'a DatabaseTransaction,
    ) -> impl Future<Output = Result<u64, DbErr>> + Send + 'a {
        store::mark_gone::<T>(txn, self.account_id, self.run_id, self.now)
    }

    /// How many of the account's rows of `T` this run saw.
    pub fn seen<'a, T: SyncedTable>(
        &self,
        txn: &'a DatabaseTransaction,
    ) -> impl Future<Output = Result<u64, DbErr>> + Send + 'a {
        store::count_seen::<T>(txn, self.account_id, self.run_id)
    }
}

/// Makes a table module's `Entity` a [`SyncedTable`]: unique on the account and `key`, and
/// refreshing `own` and the shared columns when a record comes again.
macro_rules! synced_table {
    ($table:ident, key: [$($key:ident),+], own: [$($own:ident),+ $(,)?]) => {
        impl $crate::sync::entities::table::SyncedTable for $table::Entity {
            type Row = $table::ActiveModel;
            const KEY: &'static [$table::Column] = &[$table::Column::AdAccountId, $($table::Column::$key),+];
            const UPDATES: &'static [$table::Column] = &[
                $($table::Column::$own,)+
                $table::Column::Raw,
                $table::Column::SeenRunId,
                $table::Column::GoneAt,
                $table::Column::SyncedAt,
            ];
            fn stamp(
                mut row: $table::ActiveModel,
                stamp: &$crate::sync::entities::table::Stamp,
                raw: String,
            ) -> $table::ActiveModel {
                use sea_orm::ActiveValue::Set;
                row.ad_account_id = Set(stamp.account_id);
                row.raw = Set(raw);
                row.seen_run_id = Set(Some(stamp.run_id));
                row.gone_at = Set(None);
                row.synced_at = Set(stamp.now);
                row
            }
        }
    };
}
pub(super) use synced_table;
