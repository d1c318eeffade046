//! Ads Manager's table in words: breadcrumbs of a drill-down, one line per campaign, ad group or
//! ad with its figures, status badge, budget and next level down, and the totals per currency.

use super::{
    attention::Shown,
    words::{budget, figures, status, web_url},
};
use crate::{
    error::AppError,
    model::{format::humanize, ids::AccountId, reports::*},
    reports::{ReportError, Row, TableData},
};
use chrono::NaiveDate;
use futures::{stream::BoxStream, StreamExt};

/// Nothing to show yet (see [`Shown::empty`]): the pickers and the lines only.
pub(super) fn empty(query: AdsQuery, shown: Shown) -> AdsTable {
    AdsTable {
        query,
        empty: shown.empty,
        from: None,
        to: None,
        crumbs: Vec::new(),
        rows: Vec::new(),
        total_rows: 0,
        hidden_deleted: 0,
        pages: 0,
        totals: Vec::new(),
        accounts: shown.accounts,
        attention: shown.attention,
        pending_review: shown.pending_review,
        breakdowns: None,
        split_notes: Vec::new(),
    }
}

/// The table for `query` over `from..=to`, from what the query returned, and a campaign page's
/// breakdowns.
pub(super) fn table(
    query: AdsQuery,
    shown: Shown,
    from: NaiveDate,
    to: NaiveDate,
    data: &TableData,
    breakdowns: Option<BreakdownSection>,
) -> AdsTable {
    let top = top_of(&query);
    let one_day = from == to;
    AdsTable {
        crumbs: crumbs(&query, &top, data),
        rows: data.rows.iter().map(|r| line(&query, &top, r, one_day)).collect(),
        total_rows: data.total_rows,
        hidden_deleted: data.hidden_deleted,
        pages: data.total_rows.div_ceil(u64::from(AdsQuery::PAGE_SIZE)).try_into().unwrap_or(u32::MAX),
        totals: data
            .totals
            .iter()
            // Reach added up across objects counts a person once per object: no total of it.
            .map(|(currency, s)| CurrencyTotals { currency: currency.clone(), figures: figures(*s, false) })
            .collect(),
        from: Some(from),
        to: Some(to),
        breakdowns,
        ..empty(query, shown)
    }
}

/// The table's lines as its rows come, for the export.
pub(super) fn lines(
    query: &AdsQuery,
    one_day: bool,
    rows: BoxStream<'static, Result<Row, ReportError>>,
) -> BoxStream<'static, Result<AdsRow, AppError>> {
    let query = query.clone();
    rows.map(move |row| row.map(|r| export_line(&query, &r, one_day)).map_err(AppError::from)).boxed()
}

/// One row of the table in words, as the export writes it.
pub(super) fn export_line(query: &AdsQuery, r: &Row, one_day: bool) -> AdsRow {
    line(query, &top_of(query), r, one_day)
}

/// The campaigns of the same accounts, days and deleted toggle: where drill-downs start.
fn top_of(query: &AdsQuery) -> AdsQuery {
    AdsQuery { account: query.account, range: query.range, show_deleted: query.show_deleted, ..AdsQuery::default() }
}

/// "All campaigns › Campaign › Ad group", each a link, below the campaign level.
fn crumbs(query: &AdsQuery, top: &AdsQuery, data: &TableData) -> Vec<Crumb> {
    let mut crumbs = Vec::new();
    if query.level.listed() == Level::Campaign {
        return crumbs;
    }
    crumbs.push(Crumb { label: "All campaigns".into(), href: top.href() });
    if let (Some(id), Some(name)) = (&query.campaign, &data.campaign_name) {
        let q = AdsQuery { level: Level::AdGroup, campaign: Some(id.clone()), ..top.clone() };
        crumbs.push(Crumb { label: name.clone(), href: q.href() });
    }
    if let (Some(id), Some(name)) = (&query.adgroup, &data.adgroup_name) {
        let q =
            AdsQuery { level: Level::Ad, campaign: query.campaign.clone(), adgroup: Some(id.clone()), ..top.clone() };
        crumbs.push(Crumb { label: name.clone(), href: q.href() });
    }
    crumbs
}

fn line(query: &AdsQuery, top: &AdsQuery, r: &Row, one_day: bool) -> AdsRow {
    let drill = match query.level.listed() {
        Level::Advertiser | Level::Campaign => Some(AdsQuery {
            level: Level::AdGroup,
            campaign: Some(r.tiktok_id.clone()),
            account: Some(AccountId(r.account_id)),
            ..top.clone()
        }),
        Level::AdGroup => Some(AdsQuery {
            level: Level::Ad,
            campaign: query.campaign.clone(),
            adgroup: Some(r.tiktok_id.clone()),
            account: Some(AccountId(r.account_id)),
            ..top.clone()
        }),
        Level::Ad => None,
    };
    AdsRow {
        figures: figures(r.sums, one_day),
        deleted: r.deleted(),
        status: status(r.operation_status.as_deref(), r.secondary_status.as_deref(), r.gone_at.is_some()),
        objective: r.objective.as_deref().map(humanize),
        budget: budget(r.budget_micros, r.budget_mode.as_deref()),
        creative: (query.level == Level::Ad).then(|| Creative {
            thumbnail: web_url(r.thumbnail.as_deref()),
            text: r.ad_text.clone(),
            landing_page: web_url(r.landing_page_url.as_deref()),
            format: r.ad_format.as_deref().map(humanize),
        }),
        drill: drill.map(|q| q.href()),
        name: r.name.clone().unwrap_or_else(|| format!("#{}", r.tiktok_id)),
        advertiser: r.advertiser.clone(),
        currency: r.currency.clone().unwrap_or_else(|| "?".into()),
        id: r.tiktok_id.clone(),
        split: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        model::tone::Tone,
        reports::{Part, Sums},
    };

    fn sums() -> Sums {
        let mut s = Sums::default();
        for (p, v) in
            [(Part::Spend, 12_500_000), (Part::Impressions, 1_000), (Part::Clicks, 10), (Part::Conversions, 2)]
        {
            s.set(p, Some(v));
        }
        s
    }

    fn row(id: &str, name: Option<&str>) -> Row {
        Row {
            tiktok_id: id.into(),
            name: name.map(Into::into),
            operation_status: Some("ENABLE".into()),
            secondary_status: None,
            objective: Some("WEB_CONVERSIONS".into()),
            budget_micros: Some(50_000_000),
            budget_mode: Some("BUDGET_MODE_DAY".into()),
            gone_at: None,
            account_id: 4,
            advertiser: "Shop".into(),
            currency: Some("USD".into()),
            sums: sums(),
            ad_text: Some("Spring sale".into()),
            landing_page_url: Some("javascript:alert(1)".into()),
            ad_format: Some("SINGLE_VIDEO".into()),
            thumbnail: Some("https://cdn.example/cover.jpg".into()),
        }
    }

    fn data(rows: Vec<Row>) -> TableData {
        TableData {
            total_rows: 51,
            hidden_deleted: 1,
            totals: vec![("USD".into(), sums())],
            campaign_name: Some("Spring".into()),
            adgroup_name: Some("Lookalikes".into()),
            rows,
        }
    }

    fn shown() -> Shown {
        Shown { empty: None, accounts: vec![], attention: vec![], pending_review: vec![] }
    }

    /// The state a link leads to, as the page would read it from the URL.
    fn parsed(href: &str) -> AdsQuery {
        let query = href.split_once('?').map_or("", |(_, q)| q);
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        AdsQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
    }

    #[test]
    fn a_campaign_drills_into_its_ad_groups_of_the_same_account_and_days() {
        let query = AdsQuery { range: Range { preset: Preset::Last7, from: None, to: None }, ..AdsQuery::default() };
        let t = table(query, shown(), day(1), day(7), &data(vec![row("c1", Some("Spring"))]), None);
        assert!(t.crumbs.is_empty(), "campaigns are the top");
        let r = &t.rows[0];
        let drill = parsed(r.drill.as_deref().unwrap());
        assert_eq!(
            (drill.level, drill.campaign.as_deref(), drill.account),
            (Level::AdGroup, Some("c1"), Some(AccountId(4)))
        );
        assert_eq!(drill.range.preset, Preset::Last7);
        assert_eq!(r.status, Badge { label: "Active".into(), tone: Tone::Ok });
        assert_eq!(r.budget.as_deref(), Some("50.00 a day"));
        assert_eq!(r.objective.as_deref(), Some("Web conversions"));
        assert!(r.creative.is_none(), "only ads show what they look like");
        assert_eq!(t.pages, 2, "51 rows, 50 a page");
        assert_eq!(t.totals[0].figures.get(Metric::Cpc), Some("1.25"));
    }

    #[test]
    fn an_ad_group_drill_down_has_breadcrumbs_back_up() {
        let query = AdsQuery {
            level: Level::Ad,
            campaign: Some("c1".into()),
            adgroup: Some("g1".into()),
            ..AdsQuery::default()
        };
        let t = table(query, shown(), day(1), day(7), &data(vec![row("a1", None)]), None);
        let labels: Vec<&str> = t.crumbs.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(labels, ["All campaigns", "Spring", "Lookalikes"]);
        let back = parsed(&t.crumbs[1].href);
        assert_eq!((back.level, back.campaign.as_deref(), back.adgroup), (Level::AdGroup, Some("c1"), None));
        let r = &t.rows[0];
        assert_eq!(r.name, "#a1", "an ad TikTok gave no name is called by its id");
        assert_eq!(r.drill, None, "ads are the bottom");
        let creative = r.creative.as_ref().expect("ads show their creative");
        assert_eq!(creative.thumbnail.as_deref(), Some("https://cdn.example/cover.jpg"));
        assert_eq!(creative.landing_page, None, "a script link from TikTok is dropped");
    }

    #[test]
    fn an_empty_table_keeps_the_pickers_and_lines() {
        let shown = Shown { empty: Some(Empty::NotConnected), ..shown() };
        let t = empty(AdsQuery::default(), shown);
        assert_eq!((t.empty, t.rows.len(), t.from), (Some(Empty::NotConnected), 0, None));
    }
}
