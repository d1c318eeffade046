//! A TikTok user's connection to a workspace: the encrypted token and its auth health.

use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tiktok_token")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub workspace_id: i32,
    pub connected_by_user_id: i32,
    pub tiktok_user_key: String,
    pub tiktok_display_name: Option<String>,
    pub tiktok_email: Option<String>,
    pub key_id: String,
    pub access_token_enc: Option<Vec<u8>>,
    pub refresh_token_enc: Option<Vec<u8>>,
    pub access_expires_at: Option<ChronoDateTimeUtc>,
    pub refresh_expires_at: Option<ChronoDateTimeUtc>,
    pub scope: String,
    pub auth_status: String,
    pub auth_error: Option<String>,
    pub auth_error_at: Option<ChronoDateTimeUtc>,
    pub refresh_locked_until: Option<ChronoDateTimeUtc>,
    pub connected_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
    pub disconnected_at: Option<ChronoDateTimeUtc>,
}

// Ciphertexts stay out of Debug output too.
impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TiktokToken")
            .field("id", &self.id)
            .field("workspace_id", &self.workspace_id)
            .field("tiktok_user_key", &self.tiktok_user_key)
            .field("auth_status", &self.auth_status)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::tiktok_token_account::Entity")]
    Links,
}

impl Related<super::tiktok_token_account::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Links.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
