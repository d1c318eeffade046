//! Indexes the reports read by: insights by account, level and day (ranges and daily series),
//! carrying the summed metrics so a range is read from the index alone; and drill-downs from a
//! campaign to its ad groups and ads, and from an ad group to its ads.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TiktokInsightDaily {
    Table,
    AdAccountId,
    Level,
    Date,
    ObjectId,
    SpendMicros,
    Impressions,
    Clicks,
    Conversions,
}

#[derive(DeriveIden)]
enum TiktokAdgroup {
    Table,
    AdAccountId,
    CampaignId,
}

#[derive(DeriveIden)]
enum TiktokAd {
    Table,
    AdAccountId,
    CampaignId,
    AdgroupId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name("tiktok_insight_daily_by_day")
                .table(TiktokInsightDaily::Table)
                .col(TiktokInsightDaily::AdAccountId)
                .col(TiktokInsightDaily::Level)
                .col(TiktokInsightDaily::Date)
                .col(TiktokInsightDaily::ObjectId)
                .col(TiktokInsightDaily::SpendMicros)
                .col(TiktokInsightDaily::Impressions)
                .col(TiktokInsightDaily::Clicks)
                .col(TiktokInsightDaily::Conversions)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("tiktok_adgroup_by_campaign")
                .table(TiktokAdgroup::Table)
                .col(TiktokAdgroup::AdAccountId)
                .col(TiktokAdgroup::CampaignId)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("tiktok_ad_by_adgroup")
                .table(TiktokAd::Table)
                .col(TiktokAd::AdAccountId)
                .col(TiktokAd::AdgroupId)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("tiktok_ad_by_campaign")
                .table(TiktokAd::Table)
                .col(TiktokAd::AdAccountId)
                .col(TiktokAd::CampaignId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, table) in [
            ("tiktok_ad_by_campaign", TiktokAd::Table.into_iden()),
            ("tiktok_ad_by_adgroup", TiktokAd::Table.into_iden()),
            ("tiktok_adgroup_by_campaign", TiktokAdgroup::Table.into_iden()),
            ("tiktok_insight_daily_by_day", TiktokInsightDaily::Table.into_iden()),
        ] {
            m.drop_index(Index::drop().name(name).table(table).to_owned()).await?;
        }
        Ok(())
    }
}
