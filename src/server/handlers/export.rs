//! `GET /ads/export.csv?<the table's query>`: the whole table (every page) as CSV, for what
//! people do next with it. Written out as the rows are read, so memory stays bounded.

use crate::{
    auth::{AuthService, CurrentUser},
    error::AppError,
    model::reports::{AdsQuery, AdsRow, ColumnSet, Dimension, Figures, Level},
    reports::ReportsService,
    roles::Capability,
};
use axum::{
    body::{Body, Bytes},
    extract::{FromRef, RawQuery, State},
    http::header,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use futures::StreamExt;

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
    let export = reports.ads_export(user.workspace_id, query).await?;
    let what = match export.query.level {
        Level::Advertiser | Level::Campaign => "campaign",
        Level::AdGroup => "ad group",
        Level::Ad => "ad",
    };
    let name = match (export.from, export.to) {
        (Some(from), Some(to)) => format!("wevion-{what}s-{from}-to-{to}.csv").replace(' ', "-"),
        _ => format!("wevion-{what}s.csv").replace(' ', "-"),
    };
    // The first line is awaited before the answer starts: a query that fails at once is an
    // error page, not a 200 with a cut-off file.
    let mut lines = export.lines.peekable();
    if let Some(Err(_)) = std::pin::Pin::new(&mut lines).peek().await {
        if let Some(Err(e)) = lines.next().await {
            return Err(e);
        }
    }
    let (set, split) = (export.query.columns, export.query.breakdown);
    let header = Csv::default().record(&header_cells(what, split, set));
    // The lines go out in chunks as they are read; a failure midway ends the download with an
    // error (the browser says it failed) rather than a file that looks whole.
    let chunks = lines.chunks(CHUNK_ROWS).map(move |lines| {
        let mut csv = Csv::default();
        for line in lines {
            match line {
                Ok(row) => csv.lines(&row, split, set),
                Err(e) => {
                    tracing::warn!(error = %e, "the CSV export stopped midway");
                    return Err(std::io::Error::other("the export could not be read to its end"));
                }
            }
        }
        Ok(csv.bytes())
    });
    let body = futures::stream::once(async move { Ok::<_, std::io::Error>(header) }).chain(chunks);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        Body::from_stream(body),
    )
        .into_response())
}

/// Lines written out together.
const CHUNK_ROWS: usize = 200;

/// The columns: the row's own (with the value it is split by, when it is), then the figures of
/// the column set the table shows.
fn header_cells(what: &str, split: Option<Dimension>, set: ColumnSet) -> Vec<&str> {
    let mut cells = vec![what, "TikTok ID"];
    cells.extend(split.map(Dimension::label));
    cells.extend(["Advertiser", "Currency", "Status", "Objective", "Budget"]);
    cells.extend(set.metrics().iter().map(|m| m.label()));
    cells
}

/// CSV text being written (in memory: writing to a Vec cannot fail).
struct Csv(csv::Writer<Vec<u8>>);

impl Default for Csv {
    fn default() -> Self {
        Self(csv::Writer::from_writer(Vec::new()))
    }
}

impl Csv {
    fn record(mut self, cells: &[&str]) -> Bytes {
        self.write(cells);
        self.bytes()
    }

    fn write(&mut self, cells: &[&str]) {
        if let Err(e) = self.0.write_record(cells) {
            tracing::error!(error = %e, "a CSV line could not be written to memory");
        }
    }

    /// A row of the table: one line, or one per value it is split by (a campaign without split
    /// rows in the days keeps its own line, the value empty, so no spend goes missing).
    fn lines(&mut self, r: &AdsRow, split: Option<Dimension>, set: ColumnSet) {
        match (split, r.split.as_slice()) {
            (None, _) => self.line(r, None, &r.figures, set),
            (Some(_), []) => self.line(r, Some(""), &r.figures, set),
            (Some(_), lines) => {
                for l in lines {
                    self.line(r, Some(&l.value), &l.figures, set);
                }
            }
        }
    }

    /// One line: numbers as a spreadsheet reads them (no thousands separators), an empty cell
    /// for a figure with no value (TikTok's "-", a ratio without its denominator).
    fn line(&mut self, r: &AdsRow, value: Option<&str>, figures: &Figures, set: ColumnSet) {
        let mut cells: Vec<std::borrow::Cow<'_, str>> = vec![text_cell(&r.name), text_cell(&r.id)];
        cells.extend(value.map(text_cell));
        cells.extend([
            text_cell(&r.advertiser),
            r.currency.as_str().into(),
            text_cell(&r.status.label),
            text_cell(r.objective.as_deref().unwrap_or("")),
            r.budget.as_deref().unwrap_or("").into(),
        ]);
        cells.extend(set.metrics().iter().map(|m| figures.get(*m).unwrap_or("").replace(',', "").into()));
        let cells: Vec<&str> = cells.iter().map(|c| c.as_ref()).collect();
        self.write(&cells);
    }

    fn bytes(self) -> Bytes {
        self.0.into_inner().map(Bytes::from).unwrap_or_else(|e| {
            tracing::error!(error = %e.error(), "CSV lines could not be flushed to memory");
            Bytes::new()
        })
    }
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
