//! The first step: the advertiser's own details, and whether the connection still reaches it.

use crate::{
    db::entities::tiktok_ad_account,
    sync::{
        ctx::{Page, RunCtx, Stop},
        FailureKind, Step, SyncEngine,
    },
};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, TransactionTrait};

impl SyncEngine {
    /// The advertiser's own details: name, status, currency, both timezones.
    pub(in crate::sync) async fn advertiser_step(&self, ctx: &mut RunCtx) -> Result<Page, Stop> {
        let adv = ctx.account.advertiser_id.clone();
        let client = ctx.client.clone();
        let found = self
            .call(ctx, |token| {
                let (client, ids) = (client.clone(), vec![adv.clone()]);
                async move { client.advertiser_info(&token, &ids).await }
            })
            .await
            .map_err(|f| self.stop_for(Step::Advertiser, f))?;
        let Some(info) = found.into_iter().find(|i| i.advertiser_id == adv) else {
            return Err(Stop::Fail {
                kind: FailureKind::Permission,
                evidence: format!(
                    "TikTok no longer gives this connection access to advertiser {adv} (removed from the Business Center?) at {}",
                    self.clock.now().format("%Y-%m-%d %H:%M UTC")
                ),
            });
        };
        let now = self.clock.now();
        let mut account: tiktok_ad_account::ActiveModel = ctx.account.clone().into();
        if let Some(name) = info.name.clone() {
            account.name = Set(name);
        }
        account.tiktok_status = Set(info.status.clone().or(ctx.account.tiktok_status.clone()));
        account.currency = Set(info.currency.clone().or(ctx.account.currency.clone()));
        account.timezone = Set(info.timezone.clone().or(ctx.account.timezone.clone()));
        account.display_timezone = Set(info.display_timezone.clone().or(ctx.account.display_timezone.clone()));
        account.company = Set(info.company.clone());
        account.country = Set(info.country.clone());
        account.updated_at = Set(now);
        let txn = self.db.begin().await?;
        let updated = account.update(&txn).await?;
        ctx.account = updated;
        ctx.add_count(Step::Advertiser, 1);
        self.commit_page(txn, ctx).await?;
        Ok(Page::StepDone)
    }
}
