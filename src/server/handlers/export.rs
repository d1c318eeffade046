//! `GET /ads/export.csv?<the table's query>`: the whole table (every page) as CSV, for what
//! people do next with it.

use crate::{
    auth::{AuthService, CurrentUser},
    error::AppError,
    model::reports::{AdsQuery, Level},
    reports::ReportsService,
    roles::Capability,
};
use axum::{
    extract::{FromRef, RawQuery, State},
    http::header,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    ReportsService: FromRef<S>,
    AuthService: FromRef<S>,
{
    Router::new().route("/ads/export.csv", get(export))
}

async fn export(
    State(reports): State<ReportsService>,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let user = user.require(Capability::View)?;
    let pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()).into_owned().collect();
    let query = AdsQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let data = reports.ads_view(user.workspace_id, query.clone(), true).await?;
    let mut csv = csv::Writer::from_writer(Vec::new());
    let what = match query.level {
        Level::Advertiser | Level::Campaign => "campaign",
        Level::AdGroup => "ad group",
        Level::Ad => "ad",
    };
    let write = |csv: &mut csv::Writer<Vec<u8>>, record: &[&str]| csv.write_record(record).map_err(AppError::internal);
    write(
        &mut csv,
        &[
            what,
            "TikTok ID",
            "Advertiser",
            "Currency",
            "Status",
            "Objective",
            "Budget",
            "Spend",
            "Impressions",
            "Clicks",
            "Conversions",
            "CTR",
            "CPC",
            "CPM",
            "Cost per conversion",
        ],
    )?;
    // Numbers as a spreadsheet reads them: no thousands separators, an empty cell for a ratio
    // without its denominator.
    let number = |v: Option<&str>| v.unwrap_or("").replace(',', "");
    for r in &data.rows {
        let f = &r.figures;
        let (impressions, clicks, conversions) =
            (f.impressions.to_string(), f.clicks.to_string(), f.conversions.to_string());
        write(
            &mut csv,
            &[
                &text_cell(&r.name),
                &text_cell(&r.id),
                &text_cell(&r.advertiser),
                &r.currency,
                &text_cell(&r.status.label),
                &text_cell(r.objective.as_deref().unwrap_or("")),
                r.budget.as_deref().unwrap_or(""),
                &number(Some(&f.spend)),
                &impressions,
                &clicks,
                &conversions,
                f.ctr.as_deref().unwrap_or(""),
                &number(f.cpc.as_deref()),
                &number(f.cpm.as_deref()),
                &number(f.cost_per_conversion.as_deref()),
            ],
        )?;
    }
    let body = csv.into_inner().map_err(AppError::internal)?;
    let name = match (data.from, data.to) {
        (Some(from), Some(to)) => format!("wevion-{what}s-{from}-to-{to}.csv").replace(' ', "-"),
        _ => format!("wevion-{what}s.csv").replace(' ', "-"),
    };
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        body,
    )
        .into_response())
}

/// Text from TikTok as a spreadsheet cell: a leading `=`, `+`, `-`, `@`, tab or carriage return
/// would make Excel or Sheets run it as a formula, so such a cell starts with `'` instead.
fn text_cell(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

#[cfg(test)]
mod tests {
    use super::text_cell;

    #[test]
    fn text_that_a_spreadsheet_would_run_as_a_formula_is_kept_as_text() {
        assert_eq!(text_cell("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
        assert_eq!(text_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(text_cell("+1"), "'+1");
        assert_eq!(text_cell("-2"), "'-2");
        assert_eq!(text_cell("Spring sale = 20% off"), "Spring sale = 20% off");
    }
}
