//! acht's own words, from the message catalogue in `locales/{lang}/acht.ftl` (Fluent), compiled
//! into the binary. A [`Locale`] is one of the catalogue's languages; a third language is a new
//! folder. A survey's own questions are the company's words and live with the survey.
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

mod format;

fluent_templates::static_loader! {
    static CATALOGUE = {
        locales: "./locales",
        fallback_language: "nl",
        // No Unicode isolation marks around arguments: pages and emails are plain text in one direction.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// acht's default language, for customers whose language is unknown or not in the catalogue.
pub const DEFAULT_TAG: &str = "nl";

/// A language of the message catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Locale(&'static LanguageIdentifier);

impl Locale {
    /// Every language of the catalogue, the default first.
    pub fn all() -> &'static [Locale] {
        static ALL: OnceLock<Vec<Locale>> = OnceLock::new();
        ALL.get_or_init(|| {
            let mut all: Vec<Locale> = CATALOGUE.locales().map(Locale).collect();
            all.sort_by_key(|l| (l.tag() != DEFAULT_TAG, l.tag().to_string()));
            all
        })
    }

    pub fn default_locale() -> Locale {
        Locale::all()[0].clone()
    }

    /// The catalogue's language for a tag, exactly (`nl`, `en`); None if the catalogue lacks it.
    pub fn exact(tag: &str) -> Option<Locale> {
        Locale::all().iter().find(|l| l.tag().eq_ignore_ascii_case(tag)).cloned()
    }

    /// The best catalogue language for a tag such as `en-GB` or `NL`: the same language, else the default.
    pub fn negotiate(tag: &str) -> Locale {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or("");
        Locale::exact(primary).unwrap_or_else(Locale::default_locale)
    }

    /// The first catalogue language of an `Accept-Language` header, in the client's order of
    /// preference; the default when none matches.
    pub fn from_accept_language(header: Option<&str>) -> Locale {
        let Some(header) = header else { return Locale::default_locale() };
        let mut ranked: Vec<(f32, &str)> = header
            .split(',')
            .filter_map(|part| {
                let mut it = part.split(';');
                let tag = it.next()?.trim();
                let q = it.find_map(|p| p.trim().strip_prefix("q=")).and_then(|q| q.parse().ok()).unwrap_or(1.0);
                Some((q, tag))
            })
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
        ranked
            .iter()
            .find_map(|(_, tag)| Locale::exact(tag.split(['-', '_']).next().unwrap_or("")))
            .unwrap_or_else(Locale::default_locale)
    }

    /// The language tag, e.g. `nl`: for `lang` attributes and storage.
    pub fn tag(&self) -> &'static str {
        self.0.language.as_str()
    }

    /// A message without arguments.
    pub fn t(&self, key: &str) -> String {
        self.lookup(key, None)
    }

    /// A message without arguments, formatted once per process and kept: for words on hot
    /// paths (answer pages). Keys are literals, so what is kept is bounded by the catalogue.
    pub fn t_static(&self, key: &'static str) -> &'static str {
        use std::sync::Mutex;
        static KEPT: OnceLock<Mutex<HashMap<(&'static str, &'static str), &'static str>>> = OnceLock::new();
        let kept = KEPT.get_or_init(|| Mutex::new(HashMap::new()));
        let mut kept = kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.entry((self.tag(), key)).or_insert_with(|| Box::leak(self.t(key).into_boxed_str()))
    }

    /// The words under the lowest and the highest score of a scale ("poor" … "excellent").
    pub fn anchors(&self, scale: crate::types::Scale) -> (String, String) {
        use crate::types::Scale;
        let (low, high) = match scale {
            Scale::Ces7 => ("scale-ces7-low", "scale-ces7-high"),
            Scale::Nps11 => ("scale-nps11-low", "scale-nps11-high"),
            Scale::Grade10 | Scale::Csat5 => ("scale-low", "scale-high"),
        };
        (self.t(low), self.t(high))
    }

    /// A message with named arguments.
    pub fn t_args(&self, key: &str, args: &[(&'static str, FluentValue<'static>)]) -> String {
        let map: HashMap<Cow<'static, str>, FluentValue<'static>> =
            args.iter().map(|(k, v)| (Cow::Borrowed(*k), v.clone())).collect();
        self.lookup(key, Some(&map))
    }

    fn lookup(&self, key: &str, args: Option<&HashMap<Cow<'static, str>, FluentValue<'static>>>) -> String {
        let found = match args {
            Some(a) => CATALOGUE.try_lookup_with_args(self.0, key, a),
            None => CATALOGUE.try_lookup(self.0, key),
        };
        found.unwrap_or_else(|| {
            tracing::error!(key, locale = self.tag(), "message missing from the catalogue");
            key.to_string()
        })
    }
}

/// A string argument for [`Locale::t_args`].
pub fn arg(s: impl Into<String>) -> FluentValue<'static> {
    FluentValue::String(Cow::Owned(s.into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The messages of a language file: key and the variables its text uses, in every line of
    /// it (a message with plural variants goes on over indented lines and a closing brace).
    fn messages(lang: &str) -> Vec<(String, Vec<String>)> {
        let path = format!("{}/locales/{lang}/acht.ftl", env!("CARGO_MANIFEST_DIR"));
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for line in std::fs::read_to_string(path).unwrap().lines() {
            let starts_message = line.chars().next().is_some_and(|c| c.is_ascii_lowercase());
            let continues = line.starts_with(' ') || line.starts_with('}');
            if let (true, Some((k, text))) = (starts_message, line.split_once(" =")) {
                out.push((k.trim().to_string(), variables(text)));
            } else if let (true, Some(last)) = (continues, out.last_mut()) {
                for v in variables(line) {
                    if !last.1.contains(&v) {
                        last.1.push(v);
                    }
                }
            }
        }
        out
    }

    fn variables(text: &str) -> Vec<String> {
        text.split('$')
            .skip(1)
            .map(|rest| rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect())
            .collect()
    }

    fn keys(lang: &str) -> BTreeSet<String> {
        messages(lang).into_iter().map(|(k, _)| k).collect()
    }

    /// Every language has every message, so no page ever shows a key.
    #[test]
    fn every_language_has_every_message() {
        let reference = keys(DEFAULT_TAG);
        assert!(reference.len() > 20);
        for l in Locale::all() {
            assert_eq!(keys(l.tag()), reference, "messages of '{}'", l.tag());
            for (k, vars) in messages(l.tag()) {
                let args: HashMap<Cow<'static, str>, FluentValue<'static>> =
                    vars.into_iter().map(|v| (Cow::Owned(v), arg("x"))).collect();
                let found = CATALOGUE.try_lookup_with_args(l.0, &k, &args);
                assert!(found.is_some_and(|m| !m.is_empty()), "'{}' lacks a text for {k}", l.tag());
            }
        }
    }

    #[test]
    fn languages_are_negotiated() {
        assert_eq!(Locale::default_locale().tag(), "nl");
        assert_eq!(Locale::negotiate("en-GB").tag(), "en");
        assert_eq!(Locale::negotiate("EN").tag(), "en");
        assert_eq!(Locale::negotiate("fr").tag(), "nl");
        assert_eq!(Locale::from_accept_language(Some("fr-FR,fr;q=0.9,en;q=0.8")).tag(), "en");
        assert_eq!(Locale::from_accept_language(Some("en;q=0.5, nl;q=0.9")).tag(), "nl");
        assert_eq!(Locale::from_accept_language(None).tag(), "nl");
        assert_eq!(Locale::negotiate("en").t("survey-send"), "Send");
        assert_eq!(Locale::negotiate("nl").t("survey-send"), "Versturen");
    }

    #[test]
    fn arguments_are_filled_in() {
        let en = Locale::negotiate("en");
        let s = en.t_args("analysis-not-computed", &[("reason", arg("no churn"))]);
        assert_eq!(s, "No good-enough score can be computed: no churn.");
    }
}
