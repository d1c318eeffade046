//! A `tower-sessions` store over sea-orm, so sessions live in the app's own database
//! (SQLite or Postgres) and survive restarts.

use crate::db::entities::session;
use async_trait::async_trait;
use sea_orm::{sea_query::OnConflict, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use time::OffsetDateTime;
use tower_sessions::{
    session::{Id, Record},
    session_store::{self, SessionStore},
};

#[derive(Clone, Debug)]
pub struct SeaOrmStore {
    db: DatabaseConnection,
}

impl SeaOrmStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// Removes expired sessions; run at start-up.
    pub async fn delete_expired(&self) -> Result<u64, sea_orm::DbErr> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let result = session::Entity::delete_many().filter(session::Column::ExpiresAt.lt(now)).exec(&self.db).await?;
        Ok(result.rows_affected)
    }

    fn active_model(record: &Record) -> session_store::Result<session::ActiveModel> {
        let data = serde_json::to_string(&record.data).map_err(|e| session_store::Error::Encode(e.to_string()))?;
        Ok(session::ActiveModel {
            id: Set(record.id.to_string()),
            data: Set(data),
            expires_at: Set(record.expiry_date.unix_timestamp()),
        })
    }
}

/// How a store error says the database could not be reached (a 503, not a bug).
pub const UNREACHABLE: &str = "database unreachable: ";

fn backend(err: sea_orm::DbErr) -> session_store::Error {
    let unreachable = if crate::error::is_connection_error(&err) { UNREACHABLE } else { "" };
    session_store::Error::Backend(format!("{unreachable}{err}"))
}

/// A session that could not be read or written, for the person: 503 while the database is
/// away, otherwise an internal error (logged).
pub fn session_error(err: tower_sessions::session::Error) -> crate::error::AppError {
    let unreachable = matches!(&err, tower_sessions::session::Error::Store(session_store::Error::Backend(m)) if m.starts_with(UNREACHABLE));
    if unreachable {
        tracing::warn!(error = %err, "database unavailable");
        crate::error::AppError::unavailable()
    } else {
        crate::error::AppError::internal(err)
    }
}

#[async_trait]
impl SessionStore for SeaOrmStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // Ids are 128 random bits; a clash is astronomically unlikely, but never overwrite one.
        while session::Entity::find_by_id(record.id.to_string()).one(&self.db).await.map_err(backend)?.is_some() {
            record.id = Id::default();
        }
        session::Entity::insert(Self::active_model(record)?).exec(&self.db).await.map_err(backend)?;
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        session::Entity::insert(Self::active_model(record)?)
            .on_conflict(
                OnConflict::column(session::Column::Id)
                    .update_columns([session::Column::Data, session::Column::ExpiresAt])
                    .to_owned(),
            )
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, session_id: &Id) -> session_store::Result<Option<Record>> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let Some(row) = session::Entity::find_by_id(session_id.to_string())
            .filter(session::Column::ExpiresAt.gt(now))
            .one(&self.db)
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let data = serde_json::from_str(&row.data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let expiry_date = OffsetDateTime::from_unix_timestamp(row.expires_at)
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record { id: *session_id, data, expiry_date }))
    }

    async fn delete(&self, session_id: &Id) -> session_store::Result<()> {
        session::Entity::delete_by_id(session_id.to_string()).exec(&self.db).await.map_err(backend)?;
        Ok(())
    }
}
