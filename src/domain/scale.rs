use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The answer scales acht knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Scale {
    /// Dutch school grade, 1–10.
    Grade10,
    /// Customer Effort Score 2.0, 1–7, higher = easier.
    Ces7,
    /// Net Promoter scale, 0–10.
    Nps11,
    /// Customer satisfaction, 1–5.
    Csat5,
}

impl Scale {
    pub fn range(self) -> (i32, i32) {
        match self {
            Scale::Grade10 => (1, 10),
            Scale::Ces7 => (1, 7),
            Scale::Nps11 => (0, 10),
            Scale::Csat5 => (1, 5),
        }
    }

    pub fn contains(self, score: i32) -> bool {
        let (lo, hi) = self.range();
        (lo..=hi).contains(&score)
    }

    pub fn scores(self) -> impl Iterator<Item = i32> {
        let (lo, hi) = self.range();
        lo..=hi
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scale::Grade10 => "grade10",
            Scale::Ces7 => "ces7",
            Scale::Nps11 => "nps11",
            Scale::Csat5 => "csat5",
        }
    }

    /// Words for the lowest and highest score, shown under the buttons.
    pub fn anchors(self, dutch: bool) -> (&'static str, &'static str) {
        match (self, dutch) {
            (Scale::Ces7, true) => ("heel moeilijk", "heel makkelijk"),
            (Scale::Ces7, false) => ("very difficult", "very easy"),
            (Scale::Nps11, true) => ("zeer onwaarschijnlijk", "zeer waarschijnlijk"),
            (Scale::Nps11, false) => ("very unlikely", "very likely"),
            (_, true) => ("slecht", "uitstekend"),
            (_, false) => ("poor", "excellent"),
        }
    }
}

impl fmt::Display for Scale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scale {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "grade10" => Ok(Scale::Grade10),
            "ces7" => Ok(Scale::Ces7),
            "nps11" => Ok(Scale::Nps11),
            "csat5" => Ok(Scale::Csat5),
            other => Err(format!("unknown scale '{other}' (expected grade10, ces7, nps11 or csat5)")),
        }
    }
}
