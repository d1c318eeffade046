//! A currency code as people and TikTok write it: three letters, ISO 4217 ("USD", "EUR").

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency(String);

impl Currency {
    /// The code, upper-cased, when `text` is three ASCII letters (surrounding blanks ignored).
    pub fn parse(text: &str) -> Option<Self> {
        let code = text.trim();
        (code.len() == 3 && code.bytes().all(|b| b.is_ascii_alphabetic())).then(|| Self(code.to_ascii_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Currency {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text).ok_or_else(|| format!("'{text}' is not a currency code (three letters, as USD)"))
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.0
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Currency;

    #[test]
    fn a_currency_is_three_letters_written_upper_case() {
        assert_eq!(Currency::parse(" eur ").map(|c| c.to_string()), Some("EUR".into()));
        for bad in ["", "EU", "EURO", "E1R", "€€€", "US D"] {
            assert_eq!(Currency::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_currency_read_from_json_is_checked() {
        assert!(serde_json::from_str::<Currency>("\"usd\"").is_ok_and(|c| c.as_str() == "USD"));
        assert!(serde_json::from_str::<Currency>("\"dollars\"").is_err());
    }
}
