//! Values with a fixed set of cases, and the one codec that stores them as text on both
//! backends. An unknown stored value is a decoding error, never a silent default; each column
//! also has a CHECK constraint in both migrations, so the database refuses one in the first place.
mod json;
mod scale;

pub use json::Json;
pub use scale::Scale;

use serde::{Deserialize, Serialize};

/// A closed set of cases stored as text. `ALL` and `as_str` are all a type writes; parsing
/// and the diesel codec follow from them (see [`text_codec!`]).
pub trait TextEnum: Sized + Copy + 'static {
    const ALL: &'static [Self];
    fn as_str(self) -> &'static str;

    fn parse(s: &str) -> Result<Self, UnknownValue> {
        Self::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| UnknownValue {
            value: s.chars().take(64).collect(),
            expected: Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", "),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown value '{value}' (expected one of: {expected})")]
pub struct UnknownValue {
    pub value: String,
    pub expected: String,
}

/// `ToSql`/`FromSql` for `Text` on every backend (SQLite, PostgreSQL and diesel's
/// `MultiBackend`), through `as_str` and `parse`.
macro_rules! text_codec {
    ($($t:ty),+ $(,)?) => {$(
        impl<DB: diesel::backend::Backend> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $t
        where
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut diesel::serialize::Output<'b, '_, DB>) -> diesel::serialize::Result {
                <$t as TextEnum>::as_str(*self).to_sql(out)
            }
        }
        impl<DB: diesel::backend::Backend> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $t
        where
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let s = String::from_sql(bytes)?;
                Ok(<$t as TextEnum>::parse(&s)?)
            }
        }
        impl std::str::FromStr for $t {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, UnknownValue> {
                <$t as TextEnum>::parse(s)
            }
        }
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(<$t as TextEnum>::as_str(*self))
            }
        }
    )+};
}

/// Why an interaction did or did not lead to an invitation.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Invited,
    Throttled,
    SampledOut,
    NoEmail,
    Unsubscribed,
    Erased,
    NoMatchingSurvey,
}

impl TextEnum for Decision {
    const ALL: &'static [Self] = &[
        Decision::Invited,
        Decision::Throttled,
        Decision::SampledOut,
        Decision::NoEmail,
        Decision::Unsubscribed,
        Decision::Erased,
        Decision::NoMatchingSurvey,
    ];
    fn as_str(self) -> &'static str {
        match self {
            Decision::Invited => "invited",
            Decision::Throttled => "throttled",
            Decision::SampledOut => "sampled_out",
            Decision::NoEmail => "no_email",
            Decision::Unsubscribed => "unsubscribed",
            Decision::Erased => "erased",
            Decision::NoMatchingSurvey => "no_matching_survey",
        }
    }
}

/// Where an invitation stands: `pending` until anything reaches its link, `opened` once a visit
/// or page signal did without a score, `answered` once a score arrived; `expired` is written by
/// the expiry sweep (`domain::answers::expire_due`) once `expires_at` passes unanswered.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum InvitationStatus {
    Pending,
    Opened,
    Answered,
    Expired,
}

impl TextEnum for InvitationStatus {
    const ALL: &'static [Self] =
        &[InvitationStatus::Pending, InvitationStatus::Opened, InvitationStatus::Answered, InvitationStatus::Expired];
    fn as_str(self) -> &'static str {
        match self {
            InvitationStatus::Pending => "pending",
            InvitationStatus::Opened => "opened",
            InvitationStatus::Answered => "answered",
            InvitationStatus::Expired => "expired",
        }
    }
}

/// What reached acht about an invitation: a visit or a signal from its page. Every one is stored
/// as an answer event with its evidence (src/domain/evidence.rs judges them).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    /// The survey page opened (`/s/{token}`), no score yet.
    View,
    /// A score link opened (an email button): a person or a scanner.
    Link,
    /// A form posted from the page (a score button, a changed score, a comment): a person.
    Form,
    /// The page's script saw a touch, click or key: a person.
    Gesture,
    /// The page's script ran.
    Loaded,
    /// The page was visible and focused for the dwell time.
    Dwell,
    /// The page was hidden or closed, with how long it had been visible.
    Hidden,
    /// The page's invisible link was followed: nobody can see or reach it, so a scanner.
    Trap,
}

impl TextEnum for Signal {
    const ALL: &'static [Self] = &[
        Signal::View,
        Signal::Link,
        Signal::Form,
        Signal::Gesture,
        Signal::Loaded,
        Signal::Dwell,
        Signal::Hidden,
        Signal::Trap,
    ];
    fn as_str(self) -> &'static str {
        match self {
            Signal::View => "view",
            Signal::Link => "link",
            Signal::Form => "form",
            Signal::Gesture => "gesture",
            Signal::Loaded => "loaded",
            Signal::Dwell => "dwell",
            Signal::Hidden => "hidden",
            Signal::Trap => "trap",
        }
    }
}

/// What carried a stored answer's score: a link, the page's form, or a CSV import.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum Provenance {
    Link,
    Form,
    Import,
}

impl TextEnum for Provenance {
    const ALL: &'static [Self] = &[Provenance::Link, Provenance::Form, Provenance::Import];
    fn as_str(self) -> &'static str {
        match self {
            Provenance::Link => "link",
            Provenance::Form => "form",
            Provenance::Import => "import",
        }
    }
}

/// Whether an answer counts, judged from its evidence (src/domain/evidence.rs).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum AnswerState {
    /// A person answered: a gesture, a form post, or a dwell whose quiet window passed.
    Counted,
    /// A dwell on the page, not contradicted so far: counts once the quiet window passes.
    Provisional,
    /// Requests only, no sign of a person: shown apart, never in the figures.
    Unverified,
    /// Contradicted: the invisible link was followed, or several scores came at once.
    Scanner,
}

impl TextEnum for AnswerState {
    const ALL: &'static [Self] =
        &[AnswerState::Counted, AnswerState::Provisional, AnswerState::Unverified, AnswerState::Scanner];
    fn as_str(self) -> &'static str {
        match self {
            AnswerState::Counted => "counted",
            AnswerState::Provisional => "provisional",
            AnswerState::Unverified => "unverified",
            AnswerState::Scanner => "scanner",
        }
    }
}

/// Something that happened to a customer, reported by the company's systems.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum CustomerEventKind {
    /// The customer left; the retention analysis counts it.
    Churn,
    /// The customer stayed after all: clears the churn date.
    Renewal,
    /// No more survey emails (decision `unsubscribed` from now on).
    Unsubscribe,
    /// Survey emails again after an unsubscribe.
    Resubscribe,
}

impl TextEnum for CustomerEventKind {
    const ALL: &'static [Self] = &[
        CustomerEventKind::Churn,
        CustomerEventKind::Renewal,
        CustomerEventKind::Unsubscribe,
        CustomerEventKind::Resubscribe,
    ];
    fn as_str(self) -> &'static str {
        match self {
            CustomerEventKind::Churn => "churn",
            CustomerEventKind::Renewal => "renewal",
            CustomerEventKind::Unsubscribe => "unsubscribe",
            CustomerEventKind::Resubscribe => "resubscribe",
        }
    }
}

/// Reads a JSON integer the way JSON Schema counts one: `388` and `388.0` are both the whole
/// number 388 (serde alone would refuse the second, which the API's schema allows).
pub fn whole_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    use serde::de::Error;
    let n = serde_json::Number::deserialize(d)?;
    if let Some(i) = n.as_i64() {
        return Ok(i);
    }
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0 => Ok(f as i64),
        _ => Err(D::Error::custom(format!("expected a whole number, found {n}"))),
    }
}

/// An optional [`whole_number`] that fits an i32 (null or absent: None).
pub fn whole_number_opt<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i32>, D::Error> {
    use serde::de::Error;
    let Some(n) = Option::<serde_json::Number>::deserialize(d)? else { return Ok(None) };
    let whole = whole_number(n.clone()).map_err(|e: serde_json::Error| D::Error::custom(e.to_string()))?;
    i32::try_from(whole).map(Some).map_err(|_| D::Error::custom(format!("{n} is out of range")))
}

/// A survey's own words in one language: the question, and the follow-up asked after a score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveyText {
    /// The one question, e.g. "What grade would you give us for the help you got?"
    #[schema(min_length = 1, max_length = 500, pattern = r"^[^\u0000]*[^\u0000 \t\n\r][^\u0000]*$")]
    pub question: String,
    /// Asked on the thank-you page, above the comment box; a sensible default when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_length = 1, max_length = 500, pattern = r"^[^\u0000]*[^\u0000 \t\n\r][^\u0000]*$")]
    pub followup: Option<String>,
}

/// A survey's words per language tag (`nl`, `en`, …): as many languages as the company writes.
pub type SurveyTexts = std::collections::BTreeMap<String, SurveyText>;

/// What a signed-in user may do: analysts read every page; admins also manage users.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Analyst,
}

impl TextEnum for Role {
    const ALL: &'static [Self] = &[Role::Admin, Role::Analyst];
    fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Analyst => "analyst",
        }
    }
}

/// Declares a stored enum: the derives every stored enum has, its cases and their stored words.
macro_rules! stored_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $case:ident => $word:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize,
            diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $case),+ }
        impl TextEnum for $name {
            const ALL: &'static [Self] = &[$($name::$case),+];
            fn as_str(self) -> &'static str {
                match self { $($name::$case => $word),+ }
            }
        }
    };
}

stored_enum!(
    /// What a job delivers (src/jobs/ has one file per kind).
    JobKind {
        /// A survey email.
        Invitation => "invitation",
        /// A scheduled (or sent-now) report email.
        Report => "report",
        /// An event posted to a webhook endpoint.
        Webhook => "webhook",
        /// The daily email of an assignee's open follow-ups.
        Digest => "digest",
    }
);

stored_enum!(
    /// Where a job stands. (Every job delivers something: "sent" is done.)
    JobState {
        /// Waiting for its time (or for the next attempt after a failure).
        Queued => "queued",
        /// Claimed by a sender, whose lease says until when.
        Sending => "sending",
        /// The mail server accepted it.
        Sent => "sent",
        /// Given up after the last allowed attempt.
        Failed => "failed",
        /// Its invitation lapsed before it could go.
        Expired => "expired",
        /// Not to be sent any more: the customer unsubscribed, was erased, lost their address or answered.
        Suppressed => "suppressed",
        /// No mail server is configured on the instance that found it due: the company sends the link.
        NotSent => "not_sent",
    }
);

stored_enum!(
    /// How one attempt to hand a message to the mail server went.
    AttemptOutcome {
        Sent => "sent",
        /// A failure worth retrying soon: 4xx, refused or dropped connection, timeout.
        Transient => "transient",
        /// The server refused with 5xx; retried a few times, since a misconfiguration is often fixed.
        Permanent => "permanent",
        /// The sender's lease ran out without a result: it may or may not have been accepted.
        Unconfirmed => "unconfirmed",
    }
);

stored_enum!(
    /// How often a report goes out.
    Frequency { Daily => "daily", Weekly => "weekly", Monthly => "monthly" }
);

text_codec!(Decision, InvitationStatus, Signal, Provenance, CustomerEventKind, Scale, AnswerState, Role);
stored_enum!(
    /// What was done with a customer's data (the audit log).
    AuditAction { CustomerExported => "customer_exported", CustomerErased => "customer_erased" }
);

stored_enum!(
    /// What happened, as the domain tells its subscribers (follow-ups, webhooks).
    EventKind {
        /// An answer now counts (its quiet window passed, or a form post).
        AnswerCounted => "answer_counted",
        /// A counted answer's score changed.
        AnswerMoved => "answer_moved",
        /// A counted answer stopped counting (it turned out to be a mail scanner's click).
        AnswerUncounted => "answer_uncounted",
        CustomerUnsubscribed => "customer_unsubscribed",
        CustomerErased => "customer_erased",
        FollowupOpened => "followup_opened",
        FollowupClosed => "followup_closed",
    }
);

stored_enum!(
    /// Why a follow-up was opened.
    #[derive(utoipa::ToSchema)]
    FollowupReason {
        /// The answer was at or below the survey's follow-up score.
        LowScore => "low_score",
        /// The answer was two points or more below the customer's previous one.
        Drop => "drop",
    }
);

stored_enum!(
    #[derive(utoipa::ToSchema)]
    FollowupState { Open => "open", Closed => "closed" }
);

stored_enum!(
    /// What came of a follow-up.
    #[derive(utoipa::ToSchema)]
    FollowupOutcome {
        Reached => "reached",
        NotReached => "not_reached",
        Resolved => "resolved",
        NoAction => "no_action",
    }
);

stored_enum!(
    /// One change to a follow-up (its log).
    FollowupAction {
        Opened => "opened",
        Assigned => "assigned",
        Noted => "noted",
        Closed => "closed",
        Reopened => "reopened",
    }
);

text_codec!(JobKind, JobState, AttemptOutcome, Frequency, AuditAction);
text_codec!(EventKind, FollowupReason, FollowupState, FollowupOutcome, FollowupAction);

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trips<T: TextEnum + PartialEq + std::fmt::Debug>() {
        for v in T::ALL {
            assert_eq!(T::parse(v.as_str()), Ok(*v));
        }
        assert!(T::parse("no-such-value").is_err());
    }

    #[test]
    fn every_case_round_trips_and_unknown_values_are_errors() {
        round_trips::<Decision>();
        round_trips::<InvitationStatus>();
        round_trips::<Signal>();
        round_trips::<Provenance>();
        round_trips::<CustomerEventKind>();
        round_trips::<Scale>();
        round_trips::<AnswerState>();
        round_trips::<Role>();
        round_trips::<JobKind>();
        round_trips::<JobState>();
        round_trips::<AttemptOutcome>();
        round_trips::<Frequency>();
        round_trips::<EventKind>();
        round_trips::<FollowupOutcome>();
        let err = Decision::parse("maybe").unwrap_err();
        assert!(err.to_string().contains("no_matching_survey"), "{err}");
    }

    /// The serde names (API) and the stored names (database) are the same words.
    #[test]
    fn json_and_storage_use_the_same_names() {
        for d in Decision::ALL {
            assert_eq!(serde_json::to_value(d).unwrap(), d.as_str());
        }
        for s in Scale::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }
}

#[cfg(test)]
mod migration_checks {
    use super::*;

    const MIGRATIONS: [&str; 2] = [
        include_str!("../../migrations/sqlite/2026-11-22-000001_init/up.sql"),
        include_str!("../../migrations/postgresql/2026-11-22-000001_init/up.sql"),
    ];

    /// The CHECK of `column` lists exactly the enum's values, in both migrations.
    fn check_matches<T: TextEnum>(column: &str) {
        for sql in MIGRATIONS {
            let line = sql
                .lines()
                .find(|l| l.trim_start().starts_with(&format!("{column} TEXT NOT NULL CHECK")))
                .unwrap_or_else(|| panic!("no CHECK for {column}"));
            let listed: Vec<&str> = line.split('\'').skip(1).step_by(2).collect();
            let expected: Vec<&str> = T::ALL.iter().map(|v| v.as_str()).collect();
            assert_eq!(listed, expected, "{column}");
        }
    }

    #[test]
    fn every_check_constraint_lists_exactly_its_enum() {
        check_matches::<Scale>("scale");
        check_matches::<Decision>("decision");
        check_matches::<InvitationStatus>("status");
        check_matches::<Provenance>("provenance");
        check_matches::<AnswerState>("state");
        for sql in [
            include_str!("../../migrations/sqlite/2026-11-25-000004_analyst_app/up.sql"),
            include_str!("../../migrations/postgresql/2026-11-25-000004_analyst_app/up.sql"),
        ] {
            let line =
                sql.lines().find(|l| l.trim_start().starts_with("role TEXT NOT NULL CHECK")).expect("role CHECK");
            let listed: Vec<&str> = line.split('\'').skip(1).step_by(2).collect();
            assert_eq!(listed, Role::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>());
        }
        // Two tables have a `kind`: answer events first, customer events second.
        for sql in MIGRATIONS {
            let kinds: Vec<Vec<&str>> = sql
                .lines()
                .filter(|l| l.trim_start().starts_with("kind TEXT NOT NULL CHECK"))
                .map(|l| l.split('\'').skip(1).step_by(2).collect())
                .collect();
            let signals: Vec<&str> = Signal::ALL.iter().map(|v| v.as_str()).collect();
            let events: Vec<&str> = CustomerEventKind::ALL.iter().map(|v| v.as_str()).collect();
            assert_eq!(kinds, vec![signals, events]);
        }
    }
}
