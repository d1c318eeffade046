//! The sync engine's tables: one per TikTok entity (unique on ad account and TikTok id, with
//! the fields people use plus the raw object), daily insights (unique on account, level, object
//! and date; money and ratios in millionths, exact on both databases), pixel events and their
//! counts; the run's lease, cursor and evidence; per-path health; a connection's newly
//! available advertisers.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TiktokAdAccount {
    Table,
    Id,
    DisplayTimezone,
    InsightsThrough,
    LastRunId,
}

#[derive(DeriveIden)]
enum TiktokAccessPath {
    Table,
    LastSuccessAt,
    LastError,
    LastErrorAt,
}

#[derive(DeriveIden)]
enum TiktokConnection {
    Table,
    KnownAdvertisers,
    AvailableAdvertisers,
    AdvertisersCheckedAt,
}

#[derive(DeriveIden)]
enum SyncRun {
    Table,
    Holder,
    LeaseExpiresAt,
    HeartbeatAt,
    Attempt,
    Cursor,
    StepErrors,
    DataCheck,
    WaitingUntil,
}

#[derive(DeriveIden)]
enum Common {
    Id,
    AdAccountId,
    Raw,
    SeenRunId,
    GoneAt,
    SyncedAt,
}

/// The columns every synced entity table has, around its own.
fn entity_table(table: impl IntoIden, id_column: impl IntoIden, own: Vec<ColumnDef>) -> TableCreateStatement {
    let table = table.into_iden();
    let mut t = Table::create();
    t.table(table.clone()).col(pk_auto(Common::Id)).col(integer(Common::AdAccountId)).col(string(id_column));
    for mut c in own {
        t.col(&mut c);
    }
    t.col(text(Common::Raw))
        .col(integer_null(Common::SeenRunId))
        .col(timestamp_with_time_zone_null(Common::GoneAt))
        .col(timestamp_with_time_zone(Common::SyncedAt))
        .foreign_key(
            ForeignKey::create()
                .from(table, Common::AdAccountId)
                .to(TiktokAdAccount::Table, TiktokAdAccount::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

fn unique(name: &str, table: impl IntoIden, cols: Vec<DynIden>) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(table).unique();
    for c in cols {
        i.col(c);
    }
    i.to_owned()
}

#[derive(DeriveIden)]
enum TiktokCampaign {
    Table,
    CampaignId,
    Name,
    ObjectiveType,
    BudgetMicros,
    BudgetMode,
    OperationStatus,
    SecondaryStatus,
    CreatedAtTiktok,
    ModifiedAtTiktok,
}

#[derive(DeriveIden)]
enum TiktokAdgroup {
    Table,
    AdgroupId,
    CampaignId,
    Name,
    BudgetMicros,
    BudgetMode,
    OperationStatus,
    SecondaryStatus,
    OptimizationGoal,
    BillingEvent,
    BidPriceMicros,
    PlacementType,
    ScheduleStart,
    ScheduleEnd,
    ModifiedAtTiktok,
}

#[derive(DeriveIden)]
enum TiktokAd {
    Table,
    AdId,
    AdgroupId,
    CampaignId,
    Name,
    AdFormat,
    AdText,
    CallToAction,
    LandingPageUrl,
    VideoId,
    ImageIds,
    OperationStatus,
    SecondaryStatus,
    ModifiedAtTiktok,
}

#[derive(DeriveIden)]
enum TiktokImage {
    Table,
    ImageId,
    MaterialId,
    Width,
    Height,
    Format,
    ImageUrl,
    SizeBytes,
    FileName,
}

#[derive(DeriveIden)]
enum TiktokVideo {
    Table,
    VideoId,
    MaterialId,
    Width,
    Height,
    DurationMs,
    Format,
    CoverUrl,
    PreviewUrl,
    FileName,
}

#[derive(DeriveIden)]
enum TiktokAudience {
    Table,
    AudienceId,
    Name,
    AudienceType,
    Size,
    IsValid,
    IsExpiring,
    Shared,
    ExpiresAtTiktok,
}

#[derive(DeriveIden)]
enum TiktokPixel {
    Table,
    PixelId,
    PixelCode,
    Name,
    Category,
}

#[derive(DeriveIden)]
enum TiktokPixelEvent {
    Table,
    PixelId,
    EventKey,
    EventCode,
    Name,
    OptimizationEvent,
    StatisticType,
    Currency,
    ValueMicros,
    Deprecated,
}

#[derive(DeriveIden)]
enum TiktokPixelEventStat {
    Table,
    Id,
    AdAccountId,
    PixelId,
    EventType,
    TotalCount,
    AttributedCount,
    BrowserCount,
    ServerCount,
    RangeStart,
    RangeEnd,
    SyncedAt,
}

#[derive(DeriveIden)]
enum TiktokInsightDaily {
    Table,
    Id,
    AdAccountId,
    Level,
    ObjectId,
    Date,
    SpendMicros,
    Impressions,
    Clicks,
    Conversions,
    Reach,
    CtrMicros,
    CpcMicros,
    CpmMicros,
    CostPerConversionMicros,
    SyncedAt,
}

fn iden(i: impl IntoIden) -> DynIden {
    i.into_iden()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let add = |table: TableAlterStatement| async move { m.alter_table(table).await };
        // `timezone` keeps TikTok's `timezone`; its `display_timezone` gets a column of its own.
        add(Table::alter()
            .table(TiktokAdAccount::Table)
            .add_column(string_null(TiktokAdAccount::DisplayTimezone))
            .to_owned())
        .await?;
        add(Table::alter()
            .table(TiktokAdAccount::Table)
            .add_column(date_null(TiktokAdAccount::InsightsThrough))
            .to_owned())
        .await?;
        add(Table::alter()
            .table(TiktokAdAccount::Table)
            .add_column(integer_null(TiktokAdAccount::LastRunId))
            .to_owned())
        .await?;
        add(Table::alter()
            .table(TiktokAccessPath::Table)
            .add_column(timestamp_with_time_zone_null(TiktokAccessPath::LastSuccessAt))
            .to_owned())
        .await?;
        add(Table::alter()
            .table(TiktokAccessPath::Table)
            .add_column(text_null(TiktokAccessPath::LastError))
            .to_owned())
        .await?;
        add(Table::alter()
            .table(TiktokAccessPath::Table)
            .add_column(timestamp_with_time_zone_null(TiktokAccessPath::LastErrorAt))
            .to_owned())
        .await?;
        // The advertiser ids the connection reached at its last look, and the new ones since,
        // waiting for a one-click import (JSON).
        add(Table::alter()
            .table(TiktokConnection::Table)
            .add_column(text_null(TiktokConnection::KnownAdvertisers))
            .to_owned())
        .await?;
        add(Table::alter()
            .table(TiktokConnection::Table)
            .add_column(text_null(TiktokConnection::AvailableAdvertisers))
            .to_owned())
        .await?;
        add(Table::alter()
            .table(TiktokConnection::Table)
            .add_column(timestamp_with_time_zone_null(TiktokConnection::AdvertisersCheckedAt))
            .to_owned())
        .await?;
        add(Table::alter().table(SyncRun::Table).add_column(string_null(SyncRun::Holder)).to_owned()).await?;
        add(Table::alter()
            .table(SyncRun::Table)
            .add_column(timestamp_with_time_zone_null(SyncRun::LeaseExpiresAt))
            .to_owned())
        .await?;
        add(Table::alter()
            .table(SyncRun::Table)
            .add_column(timestamp_with_time_zone_null(SyncRun::HeartbeatAt))
            .to_owned())
        .await?;
        add(Table::alter().table(SyncRun::Table).add_column(integer(SyncRun::Attempt).default(0)).to_owned()).await?;
        add(Table::alter().table(SyncRun::Table).add_column(text_null(SyncRun::Cursor)).to_owned()).await?;
        add(Table::alter().table(SyncRun::Table).add_column(text_null(SyncRun::StepErrors)).to_owned()).await?;
        add(Table::alter().table(SyncRun::Table).add_column(text_null(SyncRun::DataCheck)).to_owned()).await?;
        add(Table::alter()
            .table(SyncRun::Table)
            .add_column(timestamp_with_time_zone_null(SyncRun::WaitingUntil))
            .to_owned())
        .await?;

        m.create_table(entity_table(
            TiktokCampaign::Table,
            TiktokCampaign::CampaignId,
            vec![
                string_null(TiktokCampaign::Name),
                string_null(TiktokCampaign::ObjectiveType),
                big_integer_null(TiktokCampaign::BudgetMicros),
                string_null(TiktokCampaign::BudgetMode),
                string_null(TiktokCampaign::OperationStatus),
                string_null(TiktokCampaign::SecondaryStatus),
                string_null(TiktokCampaign::CreatedAtTiktok),
                string_null(TiktokCampaign::ModifiedAtTiktok),
            ],
        ))
        .await?;
        m.create_index(unique(
            "tiktok_campaign_key",
            TiktokCampaign::Table,
            vec![iden(Common::AdAccountId), iden(TiktokCampaign::CampaignId)],
        ))
        .await?;

        m.create_table(entity_table(
            TiktokAdgroup::Table,
            TiktokAdgroup::AdgroupId,
            vec![
                string_null(TiktokAdgroup::CampaignId),
                string_null(TiktokAdgroup::Name),
                big_integer_null(TiktokAdgroup::BudgetMicros),
                string_null(TiktokAdgroup::BudgetMode),
                string_null(TiktokAdgroup::OperationStatus),
                string_null(TiktokAdgroup::SecondaryStatus),
                string_null(TiktokAdgroup::OptimizationGoal),
                string_null(TiktokAdgroup::BillingEvent),
                big_integer_null(TiktokAdgroup::BidPriceMicros),
                string_null(TiktokAdgroup::PlacementType),
                string_null(TiktokAdgroup::ScheduleStart),
                string_null(TiktokAdgroup::ScheduleEnd),
                string_null(TiktokAdgroup::ModifiedAtTiktok),
            ],
        ))
        .await?;
        m.create_index(unique(
            "tiktok_adgroup_key",
            TiktokAdgroup::Table,
            vec![iden(Common::AdAccountId), iden(TiktokAdgroup::AdgroupId)],
        ))
        .await?;

        m.create_table(entity_table(
            TiktokAd::Table,
            TiktokAd::AdId,
            vec![
                string_null(TiktokAd::AdgroupId),
                string_null(TiktokAd::CampaignId),
                string_null(TiktokAd::Name),
                string_null(TiktokAd::AdFormat),
                text_null(TiktokAd::AdText),
                string_null(TiktokAd::CallToAction),
                text_null(TiktokAd::LandingPageUrl),
                string_null(TiktokAd::VideoId),
                text(TiktokAd::ImageIds),
                string_null(TiktokAd::OperationStatus),
                string_null(TiktokAd::SecondaryStatus),
                string_null(TiktokAd::ModifiedAtTiktok),
            ],
        ))
        .await?;
        m.create_index(unique("tiktok_ad_key", TiktokAd::Table, vec![iden(Common::AdAccountId), iden(TiktokAd::AdId)]))
            .await?;

        m.create_table(entity_table(
            TiktokImage::Table,
            TiktokImage::ImageId,
            vec![
                string_null(TiktokImage::MaterialId),
                integer_null(TiktokImage::Width),
                integer_null(TiktokImage::Height),
                string_null(TiktokImage::Format),
                text_null(TiktokImage::ImageUrl),
                big_integer_null(TiktokImage::SizeBytes),
                string_null(TiktokImage::FileName),
            ],
        ))
        .await?;
        m.create_index(unique(
            "tiktok_image_key",
            TiktokImage::Table,
            vec![iden(Common::AdAccountId), iden(TiktokImage::ImageId)],
        ))
        .await?;

        m.create_table(entity_table(
            TiktokVideo::Table,
            TiktokVideo::VideoId,
            vec![
                string_null(TiktokVideo::MaterialId),
                integer_null(TiktokVideo::Width),
                integer_null(TiktokVideo::Height),
                big_integer_null(TiktokVideo::DurationMs),
                string_null(TiktokVideo::Format),
                text_null(TiktokVideo::CoverUrl),
                text_null(TiktokVideo::PreviewUrl),
                string_null(TiktokVideo::FileName),
            ],
        ))
        .await?;
        m.create_index(unique(
            "tiktok_video_key",
            TiktokVideo::Table,
            vec![iden(Common::AdAccountId), iden(TiktokVideo::VideoId)],
        ))
        .await?;

        m.create_table(entity_table(
            TiktokAudience::Table,
            TiktokAudience::AudienceId,
            vec![
                string_null(TiktokAudience::Name),
                string_null(TiktokAudience::AudienceType),
                big_integer_null(TiktokAudience::Size),
                boolean_null(TiktokAudience::IsValid),
                boolean_null(TiktokAudience::IsExpiring),
                boolean_null(TiktokAudience::Shared),
                string_null(TiktokAudience::ExpiresAtTiktok),
            ],
        ))
        .await?;
        m.create_index(unique(
            "tiktok_audience_key",
            TiktokAudience::Table,
            vec![iden(Common::AdAccountId), iden(TiktokAudience::AudienceId)],
        ))
        .await?;

        m.create_table(entity_table(
            TiktokPixel::Table,
            TiktokPixel::PixelId,
            vec![
                string_null(TiktokPixel::PixelCode),
                string_null(TiktokPixel::Name),
                string_null(TiktokPixel::Category),
            ],
        ))
        .await?;
        m.create_index(unique(
            "tiktok_pixel_key",
            TiktokPixel::Table,
            vec![iden(Common::AdAccountId), iden(TiktokPixel::PixelId)],
        ))
        .await?;

        // A pixel's conversion events: keyed by pixel and event (its id, else its code).
        m.create_table(entity_table(
            TiktokPixelEvent::Table,
            TiktokPixelEvent::EventKey,
            vec![
                string(TiktokPixelEvent::PixelId),
                string_null(TiktokPixelEvent::EventCode),
                string_null(TiktokPixelEvent::Name),
                string_null(TiktokPixelEvent::OptimizationEvent),
                string_null(TiktokPixelEvent::StatisticType),
                string_null(TiktokPixelEvent::Currency),
                big_integer_null(TiktokPixelEvent::ValueMicros),
                boolean_null(TiktokPixelEvent::Deprecated),
            ],
        ))
        .await?;
        m.create_index(unique(
            "tiktok_pixel_event_key",
            TiktokPixelEvent::Table,
            vec![iden(Common::AdAccountId), iden(TiktokPixelEvent::PixelId), iden(TiktokPixelEvent::EventKey)],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(TiktokPixelEventStat::Table)
                .col(pk_auto(TiktokPixelEventStat::Id))
                .col(integer(TiktokPixelEventStat::AdAccountId))
                .col(string(TiktokPixelEventStat::PixelId))
                .col(string(TiktokPixelEventStat::EventType))
                .col(big_integer_null(TiktokPixelEventStat::TotalCount))
                .col(big_integer_null(TiktokPixelEventStat::AttributedCount))
                .col(big_integer_null(TiktokPixelEventStat::BrowserCount))
                .col(big_integer_null(TiktokPixelEventStat::ServerCount))
                .col(date(TiktokPixelEventStat::RangeStart))
                .col(date(TiktokPixelEventStat::RangeEnd))
                .col(timestamp_with_time_zone(TiktokPixelEventStat::SyncedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(TiktokPixelEventStat::Table, TiktokPixelEventStat::AdAccountId)
                        .to(TiktokAdAccount::Table, TiktokAdAccount::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(unique(
            "tiktok_pixel_event_stat_key",
            TiktokPixelEventStat::Table,
            vec![
                iden(TiktokPixelEventStat::AdAccountId),
                iden(TiktokPixelEventStat::PixelId),
                iden(TiktokPixelEventStat::EventType),
            ],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(TiktokInsightDaily::Table)
                .col(pk_auto(TiktokInsightDaily::Id))
                .col(integer(TiktokInsightDaily::AdAccountId))
                // advertiser | campaign | adgroup | ad
                .col(string(TiktokInsightDaily::Level))
                .col(string(TiktokInsightDaily::ObjectId))
                // The advertiser's day (TikTok reports in the advertiser's timezone).
                .col(date(TiktokInsightDaily::Date))
                .col(big_integer_null(TiktokInsightDaily::SpendMicros))
                .col(big_integer_null(TiktokInsightDaily::Impressions))
                .col(big_integer_null(TiktokInsightDaily::Clicks))
                .col(big_integer_null(TiktokInsightDaily::Conversions))
                .col(big_integer_null(TiktokInsightDaily::Reach))
                .col(big_integer_null(TiktokInsightDaily::CtrMicros))
                .col(big_integer_null(TiktokInsightDaily::CpcMicros))
                .col(big_integer_null(TiktokInsightDaily::CpmMicros))
                .col(big_integer_null(TiktokInsightDaily::CostPerConversionMicros))
                .col(timestamp_with_time_zone(TiktokInsightDaily::SyncedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(TiktokInsightDaily::Table, TiktokInsightDaily::AdAccountId)
                        .to(TiktokAdAccount::Table, TiktokAdAccount::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        // Also the index range reports read: account, level, object, date.
        m.create_index(unique(
            "tiktok_insight_daily_key",
            TiktokInsightDaily::Table,
            vec![
                iden(TiktokInsightDaily::AdAccountId),
                iden(TiktokInsightDaily::Level),
                iden(TiktokInsightDaily::ObjectId),
                iden(TiktokInsightDaily::Date),
            ],
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            iden(TiktokInsightDaily::Table),
            iden(TiktokPixelEventStat::Table),
            iden(TiktokPixelEvent::Table),
            iden(TiktokPixel::Table),
            iden(TiktokAudience::Table),
            iden(TiktokVideo::Table),
            iden(TiktokImage::Table),
            iden(TiktokAd::Table),
            iden(TiktokAdgroup::Table),
            iden(TiktokCampaign::Table),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        let drop = |table: DynIden, column: DynIden| async move {
            m.alter_table(Table::alter().table(table).drop_column(column).to_owned()).await
        };
        for c in [
            SyncRun::WaitingUntil,
            SyncRun::DataCheck,
            SyncRun::StepErrors,
            SyncRun::Cursor,
            SyncRun::Attempt,
            SyncRun::HeartbeatAt,
            SyncRun::LeaseExpiresAt,
            SyncRun::Holder,
        ] {
            drop(iden(SyncRun::Table), iden(c)).await?;
        }
        for c in [
            TiktokConnection::AdvertisersCheckedAt,
            TiktokConnection::AvailableAdvertisers,
            TiktokConnection::KnownAdvertisers,
        ] {
            drop(iden(TiktokConnection::Table), iden(c)).await?;
        }
        for c in [TiktokAccessPath::LastErrorAt, TiktokAccessPath::LastError, TiktokAccessPath::LastSuccessAt] {
            drop(iden(TiktokAccessPath::Table), iden(c)).await?;
        }
        for c in [TiktokAdAccount::LastRunId, TiktokAdAccount::InsightsThrough, TiktokAdAccount::DisplayTimezone] {
            drop(iden(TiktokAdAccount::Table), iden(c)).await?;
        }
        Ok(())
    }
}
