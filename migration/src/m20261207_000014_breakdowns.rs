//! Who saw the ads: each campaign's day by age and gender, by platform (TikTok's AUDIENCE
//! report) and by country (its BASIC report, with reach), one row per (object, day, bucket) with
//! the daily rows' metric columns; and each account's own schedule for reading them.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TiktokAdAccount {
    Table,
    Id,
    BreakdownsThrough,
    BreakdownsReadAt,
    BreakdownsWeekAt,
    BreakdownsWindowAt,
}

#[derive(DeriveIden)]
enum TiktokInsightBreakdown {
    Table,
    Id,
    AdAccountId,
    Level,
    ObjectId,
    Date,
    Breakdown,
    Age,
    Gender,
    Platform,
    CountryCode,
    SyncedAt,
}

/// The metric columns, as on `tiktok_insight_daily` (money, ratios and seconds in millionths;
/// NULL where TikTok sent `"-"` or does not break the metric down).
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

const SCHEDULE: [TiktokAdAccount; 4] = [
    TiktokAdAccount::BreakdownsThrough,
    TiktokAdAccount::BreakdownsReadAt,
    TiktokAdAccount::BreakdownsWeekAt,
    TiktokAdAccount::BreakdownsWindowAt,
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut table = Table::create();
        table
            .table(TiktokInsightBreakdown::Table)
            .col(pk_auto(TiktokInsightBreakdown::Id))
            .col(integer(TiktokInsightBreakdown::AdAccountId))
            .col(string(TiktokInsightBreakdown::Level))
            .col(string(TiktokInsightBreakdown::ObjectId))
            .col(date(TiktokInsightBreakdown::Date))
            // age_gender | platform | country
            .col(string(TiktokInsightBreakdown::Breakdown))
            // The bucket: TikTok's values, '' for the dimensions the breakdown has not.
            .col(string(TiktokInsightBreakdown::Age).default(""))
            .col(string(TiktokInsightBreakdown::Gender).default(""))
            .col(string(TiktokInsightBreakdown::Platform).default(""))
            .col(string(TiktokInsightBreakdown::CountryCode).default(""));
        for metric in METRICS {
            table.col(big_integer_null(Alias::new(metric)));
        }
        table.col(timestamp_with_time_zone(TiktokInsightBreakdown::SyncedAt)).foreign_key(
            ForeignKey::create()
                .from(TiktokInsightBreakdown::Table, TiktokInsightBreakdown::AdAccountId)
                .to(TiktokAdAccount::Table, TiktokAdAccount::Id)
                .on_delete(ForeignKeyAction::Cascade),
        );
        m.create_table(table.to_owned()).await?;
        // One row per bucket; also the index a range of an object's buckets is read by.
        m.create_index(
            Index::create()
                .name("tiktok_insight_breakdown_bucket")
                .table(TiktokInsightBreakdown::Table)
                .col(TiktokInsightBreakdown::AdAccountId)
                .col(TiktokInsightBreakdown::Breakdown)
                .col(TiktokInsightBreakdown::Level)
                .col(TiktokInsightBreakdown::ObjectId)
                .col(TiktokInsightBreakdown::Date)
                .col(TiktokInsightBreakdown::Age)
                .col(TiktokInsightBreakdown::Gender)
                .col(TiktokInsightBreakdown::Platform)
                .col(TiktokInsightBreakdown::CountryCode)
                .unique()
                .to_owned(),
        )
        .await?;
        // One column per statement: SQLite adds one at a time.
        for column in SCHEDULE {
            let def = match column {
                TiktokAdAccount::BreakdownsThrough => date_null(column),
                _ => timestamp_with_time_zone_null(column),
            };
            m.alter_table(Table::alter().table(TiktokAdAccount::Table).add_column(def).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in SCHEDULE {
            m.alter_table(Table::alter().table(TiktokAdAccount::Table).drop_column(column).to_owned()).await?;
        }
        m.drop_table(Table::drop().table(TiktokInsightBreakdown::Table).to_owned()).await
    }
}
