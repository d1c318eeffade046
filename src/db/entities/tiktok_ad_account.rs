//! One TikTok advertiser in one workspace, however many connections reach it.

use sea_orm::entity::prelude::*;

/// Whether an ad account is being synced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum SyncState {
    #[sea_orm(string_value = "active")]
    Active,
    /// No live connection reaches it: not synced, data kept.
    #[sea_orm(string_value = "disconnected")]
    Disconnected,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tiktok_ad_account")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub workspace_id: i32,
    pub advertiser_id: String,
    pub name: String,
    pub tiktok_status: Option<String>,
    pub currency: Option<String>,
    /// TikTok's `timezone` (may be GMT-offset style, like `Etc/GMT+5`).
    pub timezone: Option<String>,
    pub company: Option<String>,
    pub country: Option<String>,
    pub sync_state: SyncState,
    pub imported_by_user_id: i32,
    pub imported_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
    pub last_synced_at: Option<ChronoDateTimeUtc>,
    pub next_sync_at: Option<ChronoDateTimeUtc>,
    /// TikTok's `display_timezone` (an IANA name), kept apart from `timezone`.
    pub display_timezone: Option<String>,
    /// The last of the advertiser's days whose insights are synced.
    pub insights_through: Option<Date>,
    pub last_run_id: Option<i32>,
    /// When the insights of the last 7 days, and of the whole attribution window, were last
    /// read again in full (TikTok revises them as conversions come in).
    pub week_reread_at: Option<ChronoDateTimeUtc>,
    pub window_reread_at: Option<ChronoDateTimeUtc>,
    /// The first day of results held (its history reaches back to here).
    pub history_from: Option<Date>,
    /// The breakdowns' own schedule (see `sync::breakdowns`): the last day read, when the
    /// recent days, the last 7 and the whole attribution window were last read.
    pub breakdowns_through: Option<Date>,
    pub breakdowns_read_at: Option<ChronoDateTimeUtc>,
    pub breakdowns_week_at: Option<ChronoDateTimeUtc>,
    pub breakdowns_window_at: Option<ChronoDateTimeUtc>,
    /// The last finished day whose every hour is held (see `sync::hours`).
    pub hours_through: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::tiktok_access_path::Entity")]
    AccessPaths,
}

impl Related<super::tiktok_access_path::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AccessPaths.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The advertiser's today: TikTok's days are the advertiser's days (its display timezone,
    /// else its timezone; UTC when neither names a zone).
    pub fn today(&self, now: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDate {
        self.local(now).date()
    }

    /// `now` on the advertiser's clock (TikTok's days and hours are the advertiser's).
    pub fn local(&self, now: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDateTime {
        let tz: Option<chrono_tz::Tz> = [self.display_timezone.as_deref(), self.timezone.as_deref()]
            .into_iter()
            .flatten()
            .find_map(|name| name.parse().ok());
        match tz {
            Some(tz) => now.with_timezone(&tz).naive_local(),
            None => now.naive_utc(),
        }
    }

    /// An account as unit tests start from: nothing synced yet, UTC.
    #[cfg(test)]
    pub fn example() -> Self {
        let at = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
        Model {
            id: 1,
            workspace_id: 1,
            advertiser_id: "1".into(),
            name: "Example".into(),
            tiktok_status: None,
            currency: None,
            timezone: None,
            company: None,
            country: None,
            sync_state: SyncState::Active,
            imported_by_user_id: 1,
            imported_at: at,
            updated_at: at,
            last_synced_at: None,
            next_sync_at: None,
            display_timezone: None,
            insights_through: None,
            last_run_id: None,
            week_reread_at: None,
            window_reread_at: None,
            history_from: None,
            breakdowns_through: None,
            breakdowns_read_at: None,
            breakdowns_week_at: None,
            breakdowns_window_at: None,
            hours_through: None,
        }
    }
}
