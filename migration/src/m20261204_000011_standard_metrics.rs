//! TikTok's standard metric set on each daily row: results, purchases and their value, video
//! views, engagement and reach ratios. Every new column is nullable: TikTok's `"-"` (and a row
//! synced before this) is no value, never 0.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveIden)]
enum TiktokInsightDaily {
    Table,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The columns added, by name (money, ratios and seconds in millionths).
const COLUMNS: [&str; 22] = [
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
        // One column per statement: SQLite adds one at a time.
        for column in COLUMNS {
            m.alter_table(
                Table::alter()
                    .table(TiktokInsightDaily::Table)
                    .add_column(big_integer_null(Alias::new(column)))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in COLUMNS {
            m.alter_table(Table::alter().table(TiktokInsightDaily::Table).drop_column(Alias::new(column)).to_owned())
                .await?;
        }
        Ok(())
    }
}
