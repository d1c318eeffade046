//! Daily exchange rates to a workspace's reporting currency, kept so totals across advertisers
//! in several currencies can be added up: imported from a file (`wevion rates import`), each
//! day converted at its own rate by the reports.

pub mod file;

pub use file::{FileError, Rate, RateLine};

use crate::{
    clock::Clock,
    db::{self, entities::exchange_rate},
    error::AppError,
    model::currency::Currency,
};
use chrono::NaiveDate;
use sea_orm::{ActiveValue::Set, DatabaseConnection, DbErr};
use std::{collections::BTreeSet, sync::Arc};

#[derive(Clone)]
pub struct RatesService {
    db: DatabaseConnection,
    clock: Arc<dyn Clock>,
}

/// What an import stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub rates: u64,
    /// Days that had a rate already and took the file's.
    pub replaced: u64,
    pub currencies: BTreeSet<Currency>,
    pub first: NaiveDate,
    pub last: NaiveDate,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl From<ImportError> for AppError {
    fn from(e: ImportError) -> Self {
        match e {
            ImportError::File(e) => AppError::validation(e.to_string()),
            ImportError::Db(e) => AppError::database(e),
        }
    }
}

impl RatesService {
    pub fn new(db: DatabaseConnection, clock: Arc<dyn Clock>) -> Self {
        Self { db, clock }
    }

    /// The workspace's reporting currency; none keeps totals per currency.
    pub async fn reporting_currency(&self, workspace_id: i32) -> Result<Option<Currency>, DbErr> {
        Ok(db::rates::reporting_currency(&self.db, workspace_id).await?.as_deref().and_then(Currency::parse))
    }

    /// Sets (or, with none, clears) the workspace's reporting currency. The caller checked the
    /// member may.
    pub async fn set_reporting_currency(&self, workspace_id: i32, currency: Option<&Currency>) -> Result<(), DbErr> {
        db::rates::set_reporting_currency(&self.db, workspace_id, currency.map(Currency::as_str)).await?;
        tracing::info!(workspace.id = workspace_id, currency = ?currency.map(Currency::as_str), "reporting currency set");
        Ok(())
    }

    /// Stores every rate of the file in `bytes` for `workspace_id` to `to`, or none when a line
    /// is wrong; a day already held takes the file's rate.
    pub async fn import(&self, workspace_id: i32, to: &Currency, bytes: &[u8]) -> Result<Imported, ImportError> {
        let lines = file::parse(bytes, to)?;
        let currencies = lines.iter().map(|l| l.currency.clone()).collect();
        let first = lines.iter().map(|l| l.day).min().unwrap_or_default();
        let last = lines.iter().map(|l| l.day).max().unwrap_or_default();
        let now = self.clock.now();
        let rows = lines
            .into_iter()
            .map(|l| exchange_rate::ActiveModel {
                workspace_id: Set(workspace_id),
                day: Set(l.day),
                currency: Set(l.currency.to_string()),
                to_currency: Set(to.to_string()),
                rate: Set(l.rate.to_string()),
                updated_at: Set(now),
                ..Default::default()
            })
            .collect::<Vec<_>>();
        let rates = rows.len() as u64;
        let stored = db::rates::store(&self.db, workspace_id, to.as_str(), rows).await?;
        tracing::info!(workspace.id = workspace_id, rates.count = rates, rates.to = %to, "exchange rates imported");
        Ok(Imported { rates, replaced: stored.replaced, currencies, first, last })
    }
}
