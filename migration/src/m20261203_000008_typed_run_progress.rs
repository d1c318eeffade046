//! A run's cursor, counts, step errors and data check are typed JSON: on Postgres the columns
//! become `jsonb` so the driver decodes them as JSON; SQLite keeps JSON in TEXT as it is.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const COLUMNS: [&str; 4] = ["cursor", "counts", "step_errors", "data_check"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
            return Ok(());
        }
        // An empty text (never JSON) becomes no value rather than stopping the migration.
        for column in COLUMNS {
            m.get_connection()
                .execute_unprepared(&format!(
                    "ALTER TABLE sync_run ALTER COLUMN {column} TYPE jsonb USING NULLIF(btrim({column}), '')::jsonb"
                ))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
            return Ok(());
        }
        for column in COLUMNS {
            m.get_connection()
                .execute_unprepared(&format!(
                    "ALTER TABLE sync_run ALTER COLUMN {column} TYPE text USING {column}::text"
                ))
                .await?;
        }
        Ok(())
    }
}
