//! Numbers, percentages, intervals, p-values and dates as each language writes them: digits,
//! separators and signs from CLDR through ICU4X's decimal formatter ("7,35", "44.740" in Dutch;
//! "7.35", "44,740" in English), the words around them from the catalogue. Every page and email
//! formats through here, so one interval notation holds everywhere.
use super::Locale;
use chrono::{Datelike, TimeZone, Timelike};
use fixed_decimal::FloatPrecision;
use icu_decimal::input::{Decimal, SignDisplay};
use icu_decimal::DecimalFormatter;
use std::collections::HashMap;

thread_local! {
    /// The decimal formatter of each catalogue language, made once per thread (a formatter is
    /// not `Sync`).
    static FORMATTERS: HashMap<&'static str, DecimalFormatter> = Locale::all()
        .iter()
        .map(|l| {
            let id: icu_locale_core::Locale = l.tag().parse().unwrap_or(icu_locale_core::Locale::UNKNOWN);
            let f = DecimalFormatter::try_new((&id).into(), Default::default())
                .or_else(|_| DecimalFormatter::try_new(Default::default(), Default::default()))
                .expect("ICU4X's compiled data has a root decimal formatter");
            (l.tag(), f)
        })
        .collect();
}

fn format(l: &Locale, d: &Decimal) -> String {
    FORMATTERS.with(|all| all[l.tag()].format_to_string(d))
}

/// A count to format, however a template holds it (`u64`, `&u64`, `&&usize`, …).
pub trait Count {
    fn count(&self) -> u64;
}
impl Count for u64 {
    fn count(&self) -> u64 {
        *self
    }
}
impl Count for usize {
    fn count(&self) -> u64 {
        *self as u64
    }
}
impl<T: Count + ?Sized> Count for &T {
    fn count(&self) -> u64 {
        (**self).count()
    }
}

impl Locale {
    /// A number with exactly `digits` decimals ("7,35"), with a sign when `signed` ("+3,8",
    /// "−1,2"; zero unsigned). Not-a-number and infinities print as "–".
    pub fn decimal(&self, x: f64, digits: u8, signed: bool) -> String {
        let Ok(mut d) = Decimal::try_from_f64(x, FloatPrecision::RoundTrip) else { return "–".into() };
        let position = -i16::from(digits);
        // Half away from zero, as people round (and as `format!` does not).
        d.round_with_mode(
            position,
            fixed_decimal::SignedRoundingMode::Unsigned(fixed_decimal::UnsignedRoundingMode::HalfExpand),
        );
        d.absolute.pad_end(position);
        if d.absolute.is_zero() {
            d.sign = fixed_decimal::Sign::None;
        }
        d.apply_sign_display(if signed { SignDisplay::ExceptZero } else { SignDisplay::Auto });
        // CLDR's minus for both languages is the hyphen-minus; a typeset minus reads better.
        format(self, &d).replace('-', "−")
    }

    /// A whole number with the language's grouping ("44.740"; "44,740").
    pub fn whole(&self, n: impl Count) -> String {
        format(self, &Decimal::from(n.count()))
    }

    /// A share (0–1) as a percentage with `digits` decimals ("88,4%"; "88.4%").
    pub fn percent(&self, share: f64, digits: u8) -> String {
        self.t_args("percent", &[("value", self.decimal(share * 100.0, digits, false).into())])
    }

    /// A 95% interval between two formatted ends, in the one notation of every page and email
    /// ("7,32 tot 7,39"; "7.32 to 7.39"): words, since a dash between negative numbers misleads.
    pub fn interval(&self, low: &str, high: &str) -> String {
        self.t_args("interval", &[("low", low.to_string().into()), ("high", high.to_string().into())])
    }

    /// A p-value: "p < 0,001" below a thousandth, else with three decimals ("p = 0,034").
    pub fn p_value(&self, p: f64) -> String {
        if p < 0.001 {
            format!("p < {}", self.decimal(0.001, 3, false))
        } else {
            format!("p = {}", self.decimal(p, 3, false))
        }
    }

    /// A calendar date ("6 dec. 2026"; "6 Dec 2026").
    pub fn date(&self, d: chrono::NaiveDate) -> String {
        let month = self.t(&format!("month-{}", d.month()));
        self.t_args(
            "date",
            &[("day", d.day().to_string().into()), ("month", month.into()), ("year", d.year().to_string().into())],
        )
    }

    /// A moment in the viewer's time zone, which the text names ("6 dec. 2026 08:42 CET").
    pub fn datetime(&self, ms: i64, tz: chrono_tz::Tz) -> String {
        let Some(t) = tz.timestamp_millis_opt(ms).single() else { return String::new() };
        format!("{} {:02}:{:02} {}", self.date(t.date_naive()), t.hour(), t.minute(), t.format("%Z"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nl() -> Locale {
        Locale::exact("nl").unwrap()
    }
    fn en() -> Locale {
        Locale::exact("en").unwrap()
    }

    #[test]
    fn dutch_and_english_numbers_follow_cldr() {
        assert_eq!(nl().decimal(7.3456, 2, false), "7,35");
        assert_eq!(en().decimal(7.3456, 2, false), "7.35");
        assert_eq!(nl().whole(44_740u64), "44.740");
        assert_eq!(en().whole(44_740u64), "44,740");
        assert_eq!(nl().whole(999u64), "999");
        assert_eq!(nl().decimal(12_345.678, 1, false), "12.345,7");
        assert_eq!(nl().percent(0.884, 1), "88,4%");
        assert_eq!(en().percent(0.884, 0), "88%");
        assert_eq!(nl().decimal(3.8, 1, true), "+3,8");
        assert_eq!(nl().decimal(-1.25, 1, true), "−1,3", "half away from zero");
        assert_eq!(nl().decimal(-0.04, 1, true), "0,0", "a zero has no sign");
        assert_eq!(en().decimal(2.5, 0, false), "3");
        assert_eq!(en().decimal(f64::NAN, 2, false), "–");
    }

    #[test]
    fn intervals_p_values_and_dates_read_as_the_language_writes_them() {
        assert_eq!(nl().interval("7,32", "7,39"), "7,32 tot 7,39");
        assert_eq!(en().interval("7.32", "7.39"), "7.32 to 7.39");
        assert_eq!(nl().p_value(0.0001), "p < 0,001");
        assert_eq!(en().p_value(0.0342), "p = 0.034");
        let d = chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        assert_eq!(nl().date(d), "6 dec. 2026");
        assert_eq!(en().date(d), "6 Dec 2026");
        let ms = d.and_hms_opt(7, 42, 0).unwrap().and_utc().timestamp_millis();
        assert_eq!(nl().datetime(ms, chrono_tz::Europe::Amsterdam), "6 dec. 2026 08:42 CET");
        assert_eq!(en().datetime(ms, chrono_tz::UTC), "6 Dec 2026 07:42 UTC");
    }
}
