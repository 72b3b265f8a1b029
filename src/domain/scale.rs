//! The answer scales. The enum itself lives with the analysis (which needs nothing else); the
//! survey flow adds what it needs to show and check scores.
use std::fmt;
use std::str::FromStr;

pub use crate::analysis::Scale;

impl Scale {
    pub fn contains(self, score: i32) -> bool {
        let (lo, hi) = self.range();
        (lo..=hi).contains(&score)
    }

    pub fn scores(self) -> impl Iterator<Item = i32> {
        let (lo, hi) = self.range();
        lo..=hi
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
