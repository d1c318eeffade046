//! `report/integrated/get/`: BASIC and AUDIENCE auction reports at any data level, lifetime or
//! over a date span, by entity, day or hour, and by age, gender, platform or country, with
//! TikTok's metric formatting. The parameters are checked in `report_request`.

use super::{
    super::{
        data::{Breakdown, Delivery, Generator, Key, Level},
        wire::*,
        world::SandboxAdvertiser,
        Sandbox,
    },
    accounts::reachable,
    report_request::{is_attribute, ReportRequest, Time},
};
use axum::{http::HeaderMap, response::Response};
use chrono::{Duration, NaiveDate, Timelike};
use serde_json::{json, Map, Value};

use crate::sandbox::data::EPOCH;

impl Sandbox {
    /// `report/integrated/get/`: one page of report rows.
    pub(super) fn report(&self, q: &Query, headers: &HeaderMap) -> Answer<Response> {
        let request = ReportRequest::parse(q)?;
        let (world, grant) = self.authorized(headers)?;
        let adv = reachable(&world, &grant, &request.advertiser_id)?;
        self.check_path_qps(&request.advertiser_id, "report/integrated/get/")?;
        let g = world.generator(adv);

        // Delivery runs for the configured number of days up to today in the advertiser's timezone.
        let tz: chrono_tz::Tz = adv.timezone.parse().unwrap_or(chrono_tz::UTC);
        let local_now = self.now().with_timezone(&tz);
        let today = local_now.date_naive();
        let days = delivery_days(&g, request.span, today);
        let per_day = match (request.time, request.breakdown) {
            // Today's hours go up to the one under way.
            (Time::Hour, _) if days.first() == Some(&today) => local_now.hour() as u64 + 1,
            (Time::Hour, _) => Breakdown::Hour.len() as u64,
            (_, Some(by)) => by.len() as u64,
            (_, None) => 1,
        };
        let per_entity = match request.time {
            Time::Day | Time::Hour => days.len() as u64 * per_day,
            Time::Span => u64::from(!days.is_empty()) * per_day,
        };
        let rows = Rows {
            request: &request,
            keys: g.keys(request.level, request.include_deleted).collect(),
            g,
            adv,
            days,
            per_day,
            per_entity,
            drift: world.daily_spend_drift.get(&adv.id).copied().unwrap_or(0.0),
            today,
        };
        let total = rows.keys.len() as u64 * per_entity;
        let first = (request.page as u64 - 1) * request.size as u64;
        let last = total.min(first + request.size as u64);
        let mut bucket_cache = None;
        let list: Vec<Value> = (first..last).map(|i| rows.row(i, &mut bucket_cache)).collect();
        Ok(ok(json!({ "list": list, "page_info": page_info(request.page, request.size, total) })))
    }
}

/// The days in the asked span (all of them for a lifetime report) on which the advertiser delivered.
fn delivery_days(g: &Generator, span: Option<(NaiveDate, NaiveDate)>, today: NaiveDate) -> Vec<NaiveDate> {
    let first_delivery = today - Duration::days(g.sizes.days as i64 - 1);
    let from = span.map_or(first_delivery, |(s, _)| s.max(first_delivery));
    let to = span.map_or(today, |(_, e)| e.min(today));
    if from <= to {
        from.iter_days().take_while(|d| *d <= to).collect()
    } else {
        Vec::new()
    }
}

/// The rows of one report: each entity once, or once per delivery day or hour, and per bucket.
struct Rows<'a> {
    request: &'a ReportRequest,
    g: Generator,
    adv: &'a SandboxAdvertiser,
    keys: Vec<Key>,
    days: Vec<NaiveDate>,
    /// Rows per entity and day: its buckets or hours, else one.
    per_day: u64,
    /// Rows per entity (none without delivery days).
    per_entity: u64,
    /// The world's daily spend drift for this advertiser (0: none).
    drift: f64,
    today: NaiveDate,
}

/// One entity's (or day's) buckets, kept while a page walks through them.
type Buckets = Option<(u64, Vec<Delivery>)>;

impl Rows<'_> {
    /// The `i`-th row of the whole report, in entity, day and bucket order.
    fn row(&self, i: u64, buckets: &mut Buckets) -> Value {
        let key = self.keys[(i / self.per_entity) as usize];
        let id = self.g.id(key, &self.adv.id);
        let (day_index, bucket) = ((i % self.per_entity) / self.per_day, (i % self.per_day) as usize);
        let day = self.days[day_index as usize];
        let mut dims = Map::new();
        dims.insert(self.request.id_dim.into(), json!(id));
        let stamp = |hour: usize| json!(format!("{} {hour:02}:00:00", day.format("%Y-%m-%d")));
        let delivery = match (self.request.time, self.request.breakdown) {
            (Time::Hour, _) => {
                dims.insert("stat_time_hour".into(), stamp(bucket));
                self.bucket(i / self.per_day, key, day, Breakdown::Hour, bucket, buckets)
            }
            (time, Some(by)) => {
                if time == Time::Day {
                    dims.insert("stat_time_day".into(), stamp(0));
                }
                for (name, value) in by.dimensions(bucket) {
                    dims.insert(name.into(), json!(value));
                }
                self.bucket(i / self.per_day, key, day, by, bucket, buckets)
            }
            (Time::Day, None) => {
                dims.insert("stat_time_day".into(), stamp(0));
                self.day(key, day)
            }
            (Time::Span, None) => self.span(key),
        };
        json!({"dimensions": dims, "metrics": self.metrics(key, delivery)})
    }

    /// One day's delivery of an entity, with the world's drift applied.
    fn day(&self, key: Key, day: NaiveDate) -> Delivery {
        let mut d = self.g.delivery(key, (day - EPOCH).num_days());
        if self.drift != 0.0 && self.request.level == Level::Campaign && key.c == 0 && day == self.today {
            d.spend_cents -= (self.drift * 100.0).round() as i64;
        }
        d
    }

    /// The span's delivery of an entity: the sum of its days.
    fn span(&self, key: Key) -> Delivery {
        let mut sum = Delivery::default();
        for day in &self.days {
            sum += self.g.delivery(key, (*day - EPOCH).num_days());
        }
        sum
    }

    /// Bucket `at` of row group `group` (an entity's `day`, or its span): split once per group.
    fn bucket(&self, group: u64, key: Key, day: NaiveDate, by: Breakdown, at: usize, cache: &mut Buckets) -> Delivery {
        if cache.as_ref().is_none_or(|(g, _)| *g != group) {
            let split = match self.request.time {
                Time::Span => {
                    let mut sums = vec![Delivery::default(); by.len()];
                    for day in &self.days {
                        let parts = self.g.split(key, (*day - EPOCH).num_days(), by);
                        sums.iter_mut().zip(parts).for_each(|(s, p)| *s += p);
                    }
                    sums
                }
                Time::Day | Time::Hour => self.g.split(key, (day - EPOCH).num_days(), by),
            };
            *cache = Some((group, split));
        }
        cache.as_ref().map(|(_, split)| split[at]).unwrap_or_default()
    }

    /// The asked metrics of one row; attributes above the level are `"-"`, as at TikTok.
    fn metrics(&self, key: Key, delivery: Delivery) -> Map<String, Value> {
        let (g, adv, level) = (&self.g, self.adv, self.request.level);
        let mut m = Map::new();
        for name in &self.request.metrics {
            let value = match name.as_str() {
                "campaign_name" if level >= Level::Campaign => g.campaign(&adv.id, key.c)["campaign_name"].clone(),
                "adgroup_name" if level >= Level::AdGroup => g.adgroup(&adv.id, key.c, key.g)["adgroup_name"].clone(),
                "ad_name" if level == Level::Ad => g.ad(&adv.id, key.c, key.g, key.a)["ad_name"].clone(),
                "campaign_id" if level >= Level::Campaign => json!(g.campaign_id(key.c)),
                "adgroup_id" if level >= Level::AdGroup => json!(g.adgroup_id(key.c, key.g)),
                "currency" => json!(adv.currency),
                n if is_attribute(n) || self.adv.not_applicable.contains(n) => json!("-"),
                n => json!(delivery.metric(n).unwrap_or_else(|| "-".into())),
            };
            m.insert(name.clone(), value);
        }
        m
    }
}
