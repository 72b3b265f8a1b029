//! Scheduled reports: subscriptions, the period each one is due for, the claim that makes each
//! (subscription, period) go out once across instances, and the figures a report tells.
//!
//! Every instance's scheduler looks for due reports every few seconds. A report is claimed by
//! inserting its run under a unique key (`scheduled:{subscription}:{first day}`): whoever
//! inserts first queues its email in the same transaction; everyone else finds the key taken.
//! A late firing (the instance was down at the time) still sends the latest period's report,
//! once; older missed periods are not sent after the fact.
use super::figures::{self, Bucket, Filter, Grain, PeriodComparison};
use super::{db, queue, retention, surveys, validate, DomainError, DAY_MS};
use crate::db::models::Survey;
use crate::db::schema::{
    interactions, invitations, report_runs, report_subscriptions, responses, surveys as surveys_t,
};
use crate::db::{new_id, DbConn};
use crate::i18n::Locale;
use crate::types::{AnswerState, Frequency};
use chrono::{Datelike, Duration, NaiveDate, NaiveTime, TimeZone};
use chrono_tz::Tz;
use diesel::prelude::*;

/// The time zone of a subscription that names none.
pub const DEFAULT_TIME_ZONE: &str = "Europe/Amsterdam";
/// Lowest-scored answers with a comment that a report quotes, per survey.
pub const LOWEST_QUOTED: i64 = 5;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = report_subscriptions, treat_none_as_default_value = false)]
pub struct Subscription {
    pub id: i64,
    pub email: String,
    pub frequency: Frequency,
    /// Local minutes after midnight.
    pub send_minute: i32,
    pub time_zone: String,
    pub survey_id: Option<i64>,
    pub locale: String,
    pub created_at: i64,
    /// Ended: by its recipient's stop link or `acht report unsubscribe`; not undone by an admin.
    pub disabled_at: Option<i64>,
    /// Paused by an admin in the app, who may resume it.
    pub paused_at: Option<i64>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = report_runs, treat_none_as_default_value = false)]
pub struct Run {
    pub id: i64,
    pub subscription_id: i64,
    pub run_key: String,
    pub first_day: i64,
    pub end_day: i64,
    pub created_at: i64,
}

/// What a new subscription asks for.
#[derive(Debug, Clone)]
pub struct NewSubscription {
    pub email: String,
    pub frequency: Frequency,
    /// `HH:MM`, local.
    pub at: String,
    pub time_zone: Option<String>,
    /// A survey's slug; None = every survey.
    pub survey: Option<String>,
    pub locale: Option<String>,
}

pub fn time_zone(name: &str) -> Result<Tz, DomainError> {
    name.parse::<Tz>().map_err(|_| {
        DomainError::invalid(
            "invalid_time_zone",
            format!("'{name}' is not a time zone; use an IANA name such as Europe/Amsterdam"),
        )
    })
}

fn parse_at(at: &str) -> Result<i32, DomainError> {
    use chrono::Timelike;
    let t = NaiveTime::parse_from_str(at.trim(), "%H:%M").map_err(|_| {
        DomainError::invalid("invalid_time", format!("'{at}' is not a time of day; use HH:MM, e.g. 08:00"))
    })?;
    Ok((t.hour() * 60 + t.minute()) as i32)
}

pub fn subscribe(
    conn: &mut DbConn,
    input: &NewSubscription,
    now: i64,
) -> Result<(Subscription, Option<Survey>), DomainError> {
    let email = input.email.trim().to_lowercase();
    validate::email(&email)?;
    let tz_name = input.time_zone.clone().unwrap_or_else(|| DEFAULT_TIME_ZONE.into());
    time_zone(&tz_name)?;
    let survey = match &input.survey {
        Some(slug) => Some(surveys::get(conn, slug)?),
        None => None,
    };
    let locale = match &input.locale {
        Some(tag) => Locale::exact(tag)
            .ok_or_else(|| DomainError::invalid("invalid_locale", format!("no language '{tag}'; use nl or en")))?,
        None => Locale::default_locale(),
    };
    let sub = Subscription {
        id: new_id(),
        email,
        frequency: input.frequency,
        send_minute: parse_at(&input.at)?,
        time_zone: tz_name,
        survey_id: survey.as_ref().map(|s| s.id),
        locale: locale.tag().to_string(),
        created_at: now,
        disabled_at: None,
        paused_at: None,
    };
    diesel::insert_into(report_subscriptions::table).values(&sub).execute(conn).map_err(db)?;
    Ok((sub, survey))
}

/// Every subscription, active ones first, with its survey's slug.
pub fn list(conn: &mut DbConn) -> Result<Vec<(Subscription, Option<String>)>, DomainError> {
    report_subscriptions::table
        .left_join(surveys_t::table)
        .order((report_subscriptions::disabled_at.is_not_null(), report_subscriptions::created_at))
        .select((Subscription::as_select(), surveys_t::slug.nullable()))
        .load(conn)
        .map_err(db)
}

pub fn get(conn: &mut DbConn, id: i64) -> Result<Subscription, DomainError> {
    report_subscriptions::table
        .find(id)
        .select(Subscription::as_select())
        .first(conn)
        .optional()
        .map_err(db)?
        .ok_or_else(|| DomainError::NotFound(format!("report subscription {id}")))
}

/// The subscription a run belongs to.
pub fn subscription_of_run(conn: &mut DbConn, run_id: i64) -> Result<Subscription, DomainError> {
    report_runs::table
        .inner_join(report_subscriptions::table)
        .filter(report_runs::id.eq(run_id))
        .select(Subscription::as_select())
        .first(conn)
        .map_err(db)
}

/// Ends a subscription: no more reports (its past runs stay on record).
pub fn unsubscribe(conn: &mut DbConn, id: i64, now: i64) -> Result<Subscription, DomainError> {
    let sub = get(conn, id)?;
    if sub.disabled_at.is_none() {
        diesel::update(report_subscriptions::table.find(id))
            .set(report_subscriptions::disabled_at.eq(Some(now)))
            .execute(conn)
            .map_err(db)?;
    }
    get(conn, id)
}

/// Pauses a subscription (no reports while paused) or resumes it: from then on its next
/// period's report goes out as scheduled. One its recipient ended stays ended.
pub fn set_paused(conn: &mut DbConn, id: i64, paused: bool, now: i64) -> Result<Subscription, DomainError> {
    if get(conn, id)?.disabled_at.is_some() {
        return Err(DomainError::invalid(
            "subscription_ended",
            "its recipient stopped it; only they can start it again",
        ));
    }
    diesel::update(report_subscriptions::table.find(id))
        .set(report_subscriptions::paused_at.eq(paused.then_some(now)))
        .execute(conn)
        .map_err(db)?;
    get(conn, id)
}

/// Changes a subscription's address, rhythm, time, zone, survey and language. Reports already
/// claimed stay as they were; the next one follows the new settings.
pub fn update(conn: &mut DbConn, id: i64, input: &NewSubscription) -> Result<Subscription, DomainError> {
    get(conn, id)?;
    let email = input.email.trim().to_lowercase();
    validate::email(&email)?;
    let tz_name = input.time_zone.clone().unwrap_or_else(|| DEFAULT_TIME_ZONE.into());
    time_zone(&tz_name)?;
    let survey_id = match &input.survey {
        Some(slug) => Some(surveys::get(conn, slug)?.id),
        None => None,
    };
    let locale = match &input.locale {
        Some(tag) => Locale::exact(tag)
            .ok_or_else(|| DomainError::invalid("invalid_locale", format!("no language '{tag}'; use nl or en")))?,
        None => Locale::default_locale(),
    };
    diesel::update(report_subscriptions::table.find(id))
        .set((
            report_subscriptions::email.eq(email),
            report_subscriptions::frequency.eq(input.frequency),
            report_subscriptions::send_minute.eq(parse_at(&input.at)?),
            report_subscriptions::time_zone.eq(tz_name),
            report_subscriptions::survey_id.eq(survey_id),
            report_subscriptions::locale.eq(locale.tag()),
        ))
        .execute(conn)
        .map_err(db)?;
    get(conn, id)
}

/// A report's period: local calendar days `first_day..end_day` (as days since 1970), and the
/// moment its report is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub first_day: i64,
    pub end_day: i64,
    pub due_at: i64,
}

/// The latest complete period of a rhythm whose report is due at or before `now`: a day,
/// a Monday-to-Sunday week or a calendar month, due on the day after it at the local time.
pub fn latest_period(frequency: Frequency, send_minute: i32, tz: Tz, now: i64) -> Period {
    let today = tz.timestamp_millis_opt(now).single().map(|t| t.date_naive()).unwrap_or_default();
    let period_ending = |end: NaiveDate| -> Period {
        let first = match frequency {
            Frequency::Daily => end - Duration::days(1),
            Frequency::Weekly => end - Duration::days(7),
            Frequency::Monthly => {
                let prev = end - Duration::days(1);
                NaiveDate::from_ymd_opt(prev.year(), prev.month(), 1).expect("first of a month")
            }
        };
        let (first_day, end_day) = (figures::day_number(first), figures::day_number(end));
        // The figures count UTC days (as the trend pages do): a report never goes before the
        // last of them is over, which east of UTC at an early hour is later than the set time.
        Period { first_day, end_day, due_at: local_ms(tz, end, send_minute).max(end_day * DAY_MS) }
    };
    // The most recent period end at or before today, for this rhythm.
    let end = match frequency {
        Frequency::Daily => today,
        Frequency::Weekly => today - Duration::days(today.weekday().num_days_from_monday() as i64),
        Frequency::Monthly => NaiveDate::from_ymd_opt(today.year(), today.month(), 1).expect("first of a month"),
    };
    let p = period_ending(end);
    if p.due_at <= now {
        return p;
    }
    // Not yet time today: the period before.
    period_ending(figures::date(p.first_day))
}

/// A local date and minute as milliseconds since 1970. A minute in a spring-forward gap does
/// not exist: the same wall time an hour later stands in for it (02:30 → 03:30).
fn local_ms(tz: Tz, date: NaiveDate, minute: i32) -> i64 {
    let naive = date.and_hms_opt(0, 0, 0).expect("midnight") + Duration::minutes(minute as i64);
    match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => t.timestamp_millis(),
        chrono::LocalResult::Ambiguous(first, _) => first.timestamp_millis(),
        chrono::LocalResult::None => tz
            .from_local_datetime(&(naive + Duration::hours(1)))
            .earliest()
            .map(|t| t.timestamp_millis())
            .unwrap_or_else(|| naive.and_utc().timestamp_millis()),
    }
}

/// The reports due now that no instance has claimed yet: each active subscription whose latest
/// period's moment passed and has no run. A subscription made after a period's moment waits for
/// the next period. A read: the claim is [`claim`].
pub fn due(conn: &mut DbConn, now: i64) -> Result<Vec<(Subscription, Period)>, DomainError> {
    let subs: Vec<Subscription> = report_subscriptions::table
        .filter(report_subscriptions::disabled_at.is_null())
        .filter(report_subscriptions::paused_at.is_null())
        .select(Subscription::as_select())
        .load(conn)
        .map_err(db)?;
    let candidates: Vec<(Subscription, Period)> = subs
        .into_iter()
        .filter_map(|sub| {
            let tz = time_zone(&sub.time_zone).ok()?;
            let p = latest_period(sub.frequency, sub.send_minute, tz, now);
            (p.due_at >= sub.created_at).then_some((sub, p))
        })
        .collect();
    let keys: Vec<String> = candidates.iter().map(|(s, p)| scheduled_key(s, p)).collect();
    let taken: std::collections::HashSet<String> = report_runs::table
        .filter(report_runs::run_key.eq_any(&keys))
        .select(report_runs::run_key)
        .load::<String>(conn)
        .map_err(db)?
        .into_iter()
        .collect();
    Ok(candidates.into_iter().filter(|(s, p)| !taken.contains(&scheduled_key(s, p))).collect())
}

fn scheduled_key(sub: &Subscription, p: &Period) -> String {
    format!("scheduled:{}:{}", sub.id, p.first_day)
}

/// Claims a due report: its run under the unique key of (subscription, period), with its email
/// queued in the same transaction. Whoever inserts first gets `Some`; any number of instances
/// may try at once, and every other one gets `None`.
pub fn claim(conn: &mut DbConn, sub: &Subscription, p: Period, now: i64) -> Result<Option<Run>, DomainError> {
    Ok(insert_run(conn, sub, scheduled_key(sub, &p), p, now)?.map(|(run, _)| run))
}

/// Queues a subscription's report of its latest complete period now, whether or not it went
/// out already (the `send-now` command).
pub fn send_now(conn: &mut DbConn, id: i64, now: i64) -> Result<(Run, queue::JobRow), DomainError> {
    let sub = get(conn, id)?;
    if sub.disabled_at.is_some() {
        return Err(DomainError::invalid("subscription_ended", format!("report subscription {id} has ended")));
    }
    let tz = time_zone(&sub.time_zone)?;
    let p = latest_period(sub.frequency, sub.send_minute, tz, now);
    // The key is new each time, so the insert cannot meet a taken one.
    insert_run(conn, &sub, format!("now:{}:{}", sub.id, new_id()), p, now)?
        .ok_or_else(|| DomainError::Conflict("report run key taken".into()))
}

fn insert_run(
    conn: &mut DbConn,
    sub: &Subscription,
    key: String,
    p: Period,
    now: i64,
) -> Result<Option<(Run, queue::JobRow)>, DomainError> {
    let run = Run {
        id: new_id(),
        subscription_id: sub.id,
        run_key: key,
        first_day: p.first_day,
        end_day: p.end_day,
        created_at: now,
    };
    // The claim: a second instance's insert of the same key finds it taken and does nothing.
    let inserted = crate::db::on_backend!(conn, c => diesel::insert_into(report_runs::table)
        .values(&run)
        .on_conflict(report_runs::run_key)
        .do_nothing()
        .execute(c))
    .map_err(db)?;
    if inserted == 0 {
        return Ok(None);
    }
    let email = queue::enqueue_report(conn, run.id, now)?;
    Ok(Some((run, email)))
}

/// One answer quoted in a report.
#[derive(Debug, Clone)]
pub struct Quote {
    pub score: i32,
    pub comment: String,
    pub touchpoint: Option<String>,
    pub answered_at: i64,
}

/// One survey's part of a report.
#[derive(Debug, Clone)]
pub struct SurveySection {
    pub survey: Survey,
    pub good_enough: i32,
    pub good_enough_found: bool,
    /// The stored analysis's finding in one sentence, when there is one.
    pub finding: Option<String>,
    pub overall: PeriodComparison,
    pub touchpoints: Vec<(String, PeriodComparison)>,
    /// The recent trend for the charts, ending with the period.
    pub trend: Vec<Bucket>,
    pub lowest: Vec<Quote>,
}

/// What one report tells.
#[derive(Debug, Clone)]
pub struct ReportData {
    pub subscription: Subscription,
    pub run: Run,
    pub sections: Vec<SurveySection>,
}

/// Where the period before a run's period starts: the day, week or calendar month before.
pub fn previous_first_day(f: Frequency, run: &Run) -> i64 {
    match f {
        Frequency::Monthly => {
            let prev = figures::date(run.first_day - 1);
            figures::day_number(NaiveDate::from_ymd_opt(prev.year(), prev.month(), 1).expect("first of a month"))
        }
        _ => run.first_day - (run.end_day - run.first_day),
    }
}

/// The grain and number of buckets of a rhythm's trend chart.
fn chart_span(f: Frequency) -> (Grain, i64) {
    match f {
        Frequency::Daily => (Grain::Day, 14),
        Frequency::Weekly => (Grain::Week, 8),
        Frequency::Monthly => (Grain::Month, 6),
    }
}

/// Gathers a run's report: per survey (or the one subscribed to), the period against the one
/// before, overall and per touchpoint, with the same figures and clear-change rule as the
/// trend pages.
pub fn data(conn: &mut DbConn, run_id: i64, locale: &Locale) -> Result<ReportData, DomainError> {
    let run: Run = report_runs::table.find(run_id).select(Run::as_select()).first(conn).map_err(db)?;
    let subscription = get(conn, run.subscription_id)?;
    let all = surveys::list(conn)?;
    let chosen: Vec<Survey> = all.into_iter().filter(|s| subscription.survey_id.is_none_or(|id| id == s.id)).collect();
    let mut sections = Vec::new();
    for survey in chosen {
        let (good_enough, found) = retention::good_enough(conn, &survey)?;
        let finding = retention::stored(conn, survey.id)?.map(|a| retention::headline(&a.report, locale));
        let f = Filter { from_day: run.first_day, to_day: run.end_day, ..Filter::default() };
        let before = previous_first_day(subscription.frequency, &run);
        let overall = figures::compare_with(conn, survey.id, survey.scale, &f, before, good_enough)?;
        let mut touchpoints = Vec::new();
        for tp in figures::filter_values(conn, survey.id)?.touchpoints {
            let tf = Filter { touchpoint: Some(tp.clone()), ..f.clone() };
            let cmp = figures::compare_with(conn, survey.id, survey.scale, &tf, before, good_enough)?;
            if cmp.current.counts.answers() + cmp.previous.counts.answers() + cmp.current.counts.invited > 0 {
                touchpoints.push((tp, cmp));
            }
        }
        // One touchpoint that holds every answer says nothing the overall line does not.
        if let [(_, only)] = touchpoints.as_slice() {
            if only.current.counts == overall.current.counts && only.previous.counts == overall.previous.counts {
                touchpoints.clear();
            }
        }
        let (grain, buckets) = chart_span(subscription.frequency);
        let mut from = run.end_day - 1;
        for _ in 0..buckets {
            from = grain.start_of(from) - 1;
        }
        let from = grain.start_of(from + 1);
        let days =
            figures::days(conn, survey.id, &Filter { from_day: from, to_day: run.end_day, ..Filter::default() })?;
        let trend = figures::trend(&days, survey.scale, grain, from, run.end_day, good_enough);
        let lowest = lowest(conn, survey.id, run.first_day * DAY_MS, run.end_day * DAY_MS)?;
        sections.push(SurveySection {
            survey,
            good_enough,
            good_enough_found: found,
            finding,
            overall,
            touchpoints,
            trend,
            lowest,
        });
    }
    Ok(ReportData { subscription, run, sections })
}

/// The period's lowest-scored counted answers that carry a comment, lowest first.
fn lowest(conn: &mut DbConn, survey_id: i64, from_ms: i64, to_ms: i64) -> Result<Vec<Quote>, DomainError> {
    let rows: Vec<(i32, Option<String>, Option<String>, i64)> = responses::table
        .left_join(invitations::table.on(invitations::id.nullable().eq(responses::invitation_id)))
        .left_join(interactions::table.on(interactions::id.nullable().eq(invitations::interaction_id)))
        .filter(responses::survey_id.eq(survey_id))
        .filter(responses::state.eq(AnswerState::Counted))
        .filter(responses::answered_at.ge(from_ms).and(responses::answered_at.lt(to_ms)))
        .filter(responses::comment.is_not_null())
        .order((responses::score.asc(), responses::answered_at.desc()))
        .limit(LOWEST_QUOTED)
        .select((responses::score, responses::comment, interactions::touchpoint.nullable(), responses::answered_at))
        .load(conn)
        .map_err(db)?;
    Ok(rows
        .into_iter()
        .filter_map(|(score, comment, touchpoint, answered_at)| {
            let comment = comment.filter(|c| !c.trim().is_empty())?;
            Some(Quote { score, comment, touchpoint, answered_at })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(tz: Tz, y: i32, m: u32, d: u32, h: u32, min: u32) -> i64 {
        tz.with_ymd_and_hms(y, m, d, h, min, 0).single().unwrap().timestamp_millis()
    }
    fn day(y: i32, m: u32, d: u32) -> i64 {
        figures::day_number(NaiveDate::from_ymd_opt(y, m, d).unwrap())
    }

    #[test]
    fn a_daily_report_covers_yesterday_from_its_local_time_on() {
        let tz: Tz = "Europe/Amsterdam".parse().unwrap();
        // 2026-12-04 07:59 local: today's 08:00 report is not due, so yesterday's moment holds.
        let p = latest_period(Frequency::Daily, 8 * 60, tz, ms(tz, 2026, 12, 4, 7, 59));
        assert_eq!((p.first_day, p.end_day), (day(2026, 12, 2), day(2026, 12, 3)));
        let p = latest_period(Frequency::Daily, 8 * 60, tz, ms(tz, 2026, 12, 4, 8, 0));
        assert_eq!((p.first_day, p.end_day), (day(2026, 12, 3), day(2026, 12, 4)));
        // 08:00 in Amsterdam in winter is 07:00 UTC.
        assert_eq!(p.due_at, chrono::Utc.with_ymd_and_hms(2026, 12, 4, 7, 0, 0).unwrap().timestamp_millis());
    }

    #[test]
    fn weeks_run_monday_to_sunday_and_months_by_the_calendar() {
        let tz: Tz = "Europe/Amsterdam".parse().unwrap();
        // Friday 2026-12-04: the last full week is Mon 23 Nov – Sun 29 Nov.
        let p = latest_period(Frequency::Weekly, 9 * 60, tz, ms(tz, 2026, 12, 4, 12, 0));
        assert_eq!((p.first_day, p.end_day), (day(2026, 11, 23), day(2026, 11, 30)));
        let p = latest_period(Frequency::Monthly, 9 * 60, tz, ms(tz, 2026, 12, 4, 12, 0));
        assert_eq!((p.first_day, p.end_day), (day(2026, 11, 1), day(2026, 12, 1)));
        // On the 1st before the time: still October's report.
        let p = latest_period(Frequency::Monthly, 9 * 60, tz, ms(tz, 2026, 12, 1, 8, 0));
        assert_eq!((p.first_day, p.end_day), (day(2026, 10, 1), day(2026, 11, 1)));
        // New Year: December's report in January, once December is over in UTC too.
        let p = latest_period(Frequency::Monthly, 0, tz, ms(tz, 2027, 1, 1, 1, 0));
        assert_eq!((p.first_day, p.end_day), (day(2026, 12, 1), day(2027, 1, 1)));
    }

    #[test]
    fn a_report_waits_for_the_end_of_its_last_utc_day() {
        let tz: Tz = "Europe/Amsterdam".parse().unwrap();
        // 00:30 in Amsterdam is 23:30 UTC the day before: the UTC day is not over yet.
        let p = latest_period(Frequency::Daily, 30, tz, ms(tz, 2026, 12, 4, 1, 0));
        assert_eq!((p.first_day, p.end_day), (day(2026, 12, 3), day(2026, 12, 4)));
        assert_eq!(p.due_at, day(2026, 12, 4) * DAY_MS);
        let p = latest_period(Frequency::Daily, 30, tz, ms(tz, 2026, 12, 4, 0, 45));
        assert_eq!((p.first_day, p.end_day), (day(2026, 12, 2), day(2026, 12, 3)), "not yet: the day before's");
    }

    #[test]
    fn west_of_utc_a_report_goes_at_its_local_time_and_covers_the_local_yesterday() {
        let tz: Tz = "America/Los_Angeles".parse().unwrap();
        // 18:00 in Los Angeles (UTC−8 in December) is 02:00 UTC the next day.
        let p = latest_period(Frequency::Daily, 18 * 60, tz, ms(tz, 2026, 12, 4, 17, 59));
        assert_eq!((p.first_day, p.end_day), (day(2026, 12, 2), day(2026, 12, 3)), "not yet today's");
        let p = latest_period(Frequency::Daily, 18 * 60, tz, ms(tz, 2026, 12, 4, 18, 0));
        assert_eq!((p.first_day, p.end_day), (day(2026, 12, 3), day(2026, 12, 4)));
        assert_eq!(p.due_at, chrono::Utc.with_ymd_and_hms(2026, 12, 5, 2, 0, 0).unwrap().timestamp_millis());
        // An early hour west of UTC is already the next UTC day: due at the local time itself.
        let p = latest_period(Frequency::Daily, 30, tz, ms(tz, 2026, 12, 4, 0, 30));
        assert_eq!((p.first_day, p.end_day), (day(2026, 12, 3), day(2026, 12, 4)));
        assert_eq!(p.due_at, chrono::Utc.with_ymd_and_hms(2026, 12, 4, 8, 30, 0).unwrap().timestamp_millis());
        // Sunday evening in Los Angeles is Monday in UTC: a Monday report is not due yet.
        let p = latest_period(Frequency::Weekly, 8 * 60, tz, ms(tz, 2026, 12, 6, 20, 0));
        assert_eq!((p.first_day, p.end_day), (day(2026, 11, 23), day(2026, 11, 30)));
        let p = latest_period(Frequency::Weekly, 8 * 60, tz, ms(tz, 2026, 12, 7, 8, 0));
        assert_eq!((p.first_day, p.end_day), (day(2026, 11, 30), day(2026, 12, 7)));
        // New Year's Eve, 20:00 in Los Angeles, is 04:00 UTC on 1 January: December's report
        // waits for the local 1st.
        let p = latest_period(Frequency::Monthly, 8 * 60, tz, ms(tz, 2026, 12, 31, 20, 0));
        assert_eq!((p.first_day, p.end_day), (day(2026, 11, 1), day(2026, 12, 1)));
        let p = latest_period(Frequency::Monthly, 8 * 60, tz, ms(tz, 2027, 1, 1, 8, 0));
        assert_eq!((p.first_day, p.end_day), (day(2026, 12, 1), day(2027, 1, 1)));
    }

    #[test]
    fn the_autumn_hour_that_comes_twice_sends_the_report_once_at_its_first_coming() {
        let tz: Tz = "Europe/Amsterdam".parse().unwrap();
        // 2026-10-25 02:30 happens at 00:30 UTC (summer time) and again at 01:30 UTC (winter).
        let utc = |h, m| chrono::Utc.with_ymd_and_hms(2026, 10, 25, h, m, 0).unwrap().timestamp_millis();
        let before = latest_period(Frequency::Daily, 150, tz, utc(0, 29));
        assert_eq!((before.first_day, before.end_day), (day(2026, 10, 23), day(2026, 10, 24)));
        let first = latest_period(Frequency::Daily, 150, tz, utc(0, 30));
        assert_eq!((first.first_day, first.end_day), (day(2026, 10, 24), day(2026, 10, 25)));
        assert_eq!(first.due_at, utc(0, 30), "due at the first 02:30");
        // At the second 02:30 it is the same period (the same run key): not a second report.
        for later in [utc(1, 30), utc(1, 45), utc(23, 0)] {
            assert_eq!(latest_period(Frequency::Daily, 150, tz, later), first);
        }
        // The weekly rhythm on that Sunday: the week before is not yet over on its Sunday.
        let p = latest_period(Frequency::Weekly, 150, tz, utc(1, 30));
        assert_eq!((p.first_day, p.end_day), (day(2026, 10, 12), day(2026, 10, 19)));
    }

    #[test]
    fn a_time_in_the_spring_forward_gap_goes_an_hour_later() {
        let tz: Tz = "Europe/Amsterdam".parse().unwrap();
        // 2027-03-28 02:30 does not exist in Amsterdam; 03:30 CEST (01:30 UTC) stands in.
        let due = local_ms(tz, NaiveDate::from_ymd_opt(2027, 3, 28).unwrap(), 150);
        assert_eq!(due, chrono::Utc.with_ymd_and_hms(2027, 3, 28, 1, 30, 0).unwrap().timestamp_millis());
    }
}
