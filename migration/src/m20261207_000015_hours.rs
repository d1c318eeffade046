//! Today by hour: each campaign's delivery per hour of the advertiser's day (TikTok's BASIC
//! report by `stat_time_hour`), with the daily rows' metric columns; and the last finished day
//! each account holds every hour of.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TiktokAdAccount {
    Table,
    Id,
    HoursThrough,
}

#[derive(DeriveIden)]
enum TiktokInsightHourly {
    Table,
    Id,
    AdAccountId,
    Level,
    ObjectId,
    Date,
    Hour,
    SyncedAt,
}

/// The metric columns, as on `tiktok_insight_daily`.
const METRICS: [&str; 31] = [
    "spend_micros",
    "impressions",
    "clicks",
    "conversions",
    "reach",
    "ctr_micros",
    "cpc_micros",
    "cpm_micros",
    "cost_per_conversion_micros",
    "frequency_micros",
    "cost_per_1000_reached_micros",
    "conversion_rate_micros",
    "results",
    "cost_per_result_micros",
    "result_rate_micros",
    "purchases",
    "value_per_purchase_micros",
    "purchase_value_micros",
    "video_plays",
    "video_watched_2s",
    "video_watched_6s",
    "video_views_p25",
    "video_views_p50",
    "video_views_p75",
    "video_views_p100",
    "average_video_play_micros",
    "profile_visits",
    "likes",
    "comments",
    "shares",
    "follows",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut table = Table::create();
        table
            .table(TiktokInsightHourly::Table)
            .col(pk_auto(TiktokInsightHourly::Id))
            .col(integer(TiktokInsightHourly::AdAccountId))
            .col(string(TiktokInsightHourly::Level))
            .col(string(TiktokInsightHourly::ObjectId))
            // The advertiser's day and hour (0–23), as TikTok reports them.
            .col(date(TiktokInsightHourly::Date))
            .col(small_integer(TiktokInsightHourly::Hour));
        for metric in METRICS {
            table.col(big_integer_null(Alias::new(metric)));
        }
        table.col(timestamp_with_time_zone(TiktokInsightHourly::SyncedAt)).foreign_key(
            ForeignKey::create()
                .from(TiktokInsightHourly::Table, TiktokInsightHourly::AdAccountId)
                .to(TiktokAdAccount::Table, TiktokAdAccount::Id)
                .on_delete(ForeignKeyAction::Cascade),
        );
        m.create_table(table.to_owned()).await?;
        m.create_index(
            Index::create()
                .name("tiktok_insight_hourly_hour")
                .table(TiktokInsightHourly::Table)
                .col(TiktokInsightHourly::AdAccountId)
                .col(TiktokInsightHourly::Level)
                .col(TiktokInsightHourly::ObjectId)
                .col(TiktokInsightHourly::Date)
                .col(TiktokInsightHourly::Hour)
                .unique()
                .to_owned(),
        )
        .await?;
        // Housekeeping prunes old hours by day.
        m.create_index(
            Index::create()
                .name("tiktok_insight_hourly_date")
                .table(TiktokInsightHourly::Table)
                .col(TiktokInsightHourly::Date)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(TiktokAdAccount::Table)
                .add_column(date_null(TiktokAdAccount::HoursThrough))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter().table(TiktokAdAccount::Table).drop_column(TiktokAdAccount::HoursThrough).to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(TiktokInsightHourly::Table).to_owned()).await
    }
}
