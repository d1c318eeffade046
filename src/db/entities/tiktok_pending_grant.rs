//! A token TikTok granted whose advertisers have not been picked yet. Import claims it
//! (`imported_at`) and moves its secrets to the connection; a periodic cleanup revokes and
//! deletes the ones nobody picked in time.

use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tiktok_pending_grant")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub workspace_id: i32,
    pub user_id: i32,
    pub tiktok_user_key: String,
    pub tiktok_display_name: Option<String>,
    pub tiktok_email: Option<String>,
    pub key_id: String,
    pub token_format: i16,
    pub access_token_enc: Option<Vec<u8>>,
    pub refresh_token_enc: Option<Vec<u8>>,
    pub access_expires_at: Option<ChronoDateTimeUtc>,
    pub refresh_expires_at: Option<ChronoDateTimeUtc>,
    pub scope: String,
    pub imported_at: Option<ChronoDateTimeUtc>,
    pub imported_connection_id: Option<i32>,
    pub expires_at: ChronoDateTimeUtc,
    pub created_at: ChronoDateTimeUtc,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TiktokPendingGrant")
            .field("id", &self.id)
            .field("workspace_id", &self.workspace_id)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
