//! The schema's only source. The app runs these at start; `wevion migrate` runs them by hand.

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_create_accounts;
mod m20261125_000002_create_tiktok_connections;
mod m20261126_000003_connections_named_once;
mod m20261126_000004_create_synced_data;
mod m20261126_000005_report_indexes;
mod m20261126_000006_sync_instances;
mod m20261127_000007_shared_rate_limit_pause;
mod m20261203_000008_typed_run_progress;
mod m20261204_000009_bounded_edges;
mod m20261204_000010_attribution_rereads;
mod m20261204_000011_standard_metrics;
mod m20261204_000012_history_from;
mod m20261207_000013_tiktok_timeouts;
mod m20261207_000014_breakdowns;
mod m20261207_000015_hours;
mod m20261207_000016_exchange_rates;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_create_accounts::Migration),
            Box::new(m20261125_000002_create_tiktok_connections::Migration),
            Box::new(m20261126_000003_connections_named_once::Migration),
            Box::new(m20261126_000004_create_synced_data::Migration),
            Box::new(m20261126_000005_report_indexes::Migration),
            Box::new(m20261126_000006_sync_instances::Migration),
            Box::new(m20261127_000007_shared_rate_limit_pause::Migration),
            Box::new(m20261203_000008_typed_run_progress::Migration),
            Box::new(m20261204_000009_bounded_edges::Migration),
            Box::new(m20261204_000010_attribution_rereads::Migration),
            Box::new(m20261204_000011_standard_metrics::Migration),
            Box::new(m20261204_000012_history_from::Migration),
            Box::new(m20261207_000013_tiktok_timeouts::Migration),
            Box::new(m20261207_000014_breakdowns::Migration),
            Box::new(m20261207_000015_hours::Migration),
            Box::new(m20261207_000016_exchange_rates::Migration),
        ]
    }
}
