//! Sign-in attempts are limited per client address (an IPv6 client by its /64, the block one
//! host or home is handed whole) and per email *from* that address, so no attacker can try
//! passwords quickly, and none can lock a person out either: an attacker spending the budget of
//! a victim's email spends only their own address's share of it. The budgets live in the database, so every instance counts the same
//! attempts. Each key is a GCRA cell: its row holds when its budget is whole again, and one
//! conditional upsert both checks and spends an attempt, atomically on either database.

use crate::{clock::Clock, db::entities::login_limit};
use axum::http::HeaderMap;
use sea_orm::{
    sea_query::{Expr, ExprTrait, Func, OnConflict, Query},
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
};
use std::{
    net::{IpAddr, Ipv6Addr},
    sync::Arc,
};

/// Attempts allowed at once, then one every `60 / per_minute` seconds.
#[derive(Debug, Clone, Copy)]
pub struct Quota {
    pub burst: u32,
    pub per_minute: u32,
}

impl Quota {
    fn interval_ms(self) -> i64 {
        60_000 / i64::from(Ord::max(self.per_minute, 1))
    }

    /// How far ahead of now a key's budget may be and still take one more attempt.
    fn tolerance_ms(self) -> i64 {
        self.interval_ms() * i64::from(Ord::max(self.burst, 1) - 1)
    }
}

/// Longer keys name no real address; they are cut so a huge "email" cannot become a huge row.
const MAX_KEY: usize = 300;

#[derive(Clone)]
pub struct LoginLimiter {
    db: DatabaseConnection,
    clock: Arc<dyn Clock>,
    per_email: Quota,
    per_ip: Quota,
}

impl LoginLimiter {
    /// 10 attempts per email and address, then one every 6 s; 30 per address, then two a second.
    pub fn new(db: DatabaseConnection, clock: Arc<dyn Clock>) -> Self {
        Self::with_quotas(db, clock, Quota { burst: 10, per_minute: 10 }, Quota { burst: 30, per_minute: 120 })
    }

    pub fn with_quotas(db: DatabaseConnection, clock: Arc<dyn Clock>, per_email: Quota, per_ip: Quota) -> Self {
        Self { db, clock, per_email, per_ip }
    }

    /// Counts one attempt; false when either budget is spent (the address is checked first, so
    /// an address out of budget spends nothing of the email's).
    pub async fn check(&self, email: &str, ip: Option<IpAddr>) -> Result<bool, DbErr> {
        let email: String = email.chars().take(MAX_KEY).collect();
        let Some(ip) = ip else {
            return self.take(&format!("email:{email}"), self.per_email).await;
        };
        let ip = ip_key(ip);
        if !self.take(&format!("ip:{ip}"), self.per_ip).await? {
            return Ok(false);
        }
        self.take(&format!("email:{email} from:{ip}"), self.per_email).await
    }

    /// Spends one attempt of `key`'s budget, when it has one left.
    async fn take(&self, key: &str, quota: Quota) -> Result<bool, DbErr> {
        use login_limit::Column;
        let now = self.clock.now().timestamp_millis();
        let (interval, tolerance) = (quota.interval_ms(), quota.tolerance_ms());
        let stored = Expr::col((login_limit::Entity, Column::TatMs));
        let from = Func::greatest([stored.clone(), Expr::val(now)]);
        let insert = Query::insert()
            .into_table(login_limit::Entity)
            .columns([Column::Key, Column::TatMs])
            .values_panic([key.into(), (now + interval).into()])
            .on_conflict(
                OnConflict::column(Column::Key)
                    .value(Column::TatMs, Expr::expr(from.clone()).add(interval))
                    .action_and_where(Expr::expr(from).sub(now).lte(tolerance))
                    .to_owned(),
            )
            .returning_col(Column::Key)
            .to_owned();
        Ok(self.db.query_one(&insert).await?.is_some())
    }

    /// Forgets keys whose budget is whole again: they behave exactly like unseen ones.
    pub async fn forget_idle(&self) -> Result<u64, DbErr> {
        let now = self.clock.now().timestamp_millis();
        let gone =
            login_limit::Entity::delete_many().filter(login_limit::Column::TatMs.lte(now)).exec(&self.db).await?;
        Ok(gone.rows_affected)
    }
}

/// The key of a client address: an IPv4 address as it is (an IPv4-mapped IPv6 one too), an
/// IPv6 address by its /64.
pub fn ip_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => format!("{}/64", Ipv6Addr::from(u128::from(v6) & !((1u128 << 64) - 1))),
        },
    }
}

/// The client address a trusted proxy wrote into `header`: the right-most entry, the one our
/// own proxy appended (entries to its left came from the client and prove nothing).
pub fn forwarded_ip(headers: &HeaderMap, header: &str) -> Option<IpAddr> {
    let value = headers.get_all(header).iter().filter_map(|v| v.to_str().ok()).next_back()?;
    value.rsplit(',').map(str::trim).find(|s| !s.is_empty())?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_client_is_keyed_by_its_64_and_ipv4_as_it_is() {
        let key = |s: &str| ip_key(s.parse().expect("an address"));
        assert_eq!(key("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
        assert_eq!(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff::9"), "one /64, one budget");
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("203.0.113.9"), "203.0.113.9");
        assert_eq!(key("::ffff:203.0.113.9"), "203.0.113.9", "an IPv4 client seen over IPv6 is itself");
    }

    #[test]
    fn a_quota_allows_its_burst_then_one_per_interval() {
        let q = Quota { burst: 10, per_minute: 10 };
        assert_eq!((q.interval_ms(), q.tolerance_ms()), (6_000, 54_000));
        let one = Quota { burst: 1, per_minute: 0 };
        assert_eq!((one.interval_ms(), one.tolerance_ms()), (60_000, 0), "never zero: a key always waits");
    }

    #[test]
    fn the_right_most_forwarded_address_is_the_one_our_proxy_saw() {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "6.6.6.6, 203.0.113.9".parse().unwrap());
        assert_eq!(forwarded_ip(&headers, "x-forwarded-for"), Some("203.0.113.9".parse().unwrap()));
        headers.insert("x-real-ip", "garbage".parse().unwrap());
        assert_eq!(forwarded_ip(&headers, "x-real-ip"), None);
        assert_eq!(forwarded_ip(&headers, "x-missing"), None);
    }
}
