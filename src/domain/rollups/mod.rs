//! Rollups: counted answers by score and invitations per survey, UTC day, touchpoint, channel
//! and customer segment. Trend pages, the overview and reports read these few thousand rows
//! instead of the answers, so a page costs the same with a thousand answers or ten million.
//!
//! The transaction that changes a count (an answer, a batch of invitations, an erasure) appends
//! its changes as delta rows; it updates no shared row, so answers to one survey on one day never
//! wait for each other (on PostgreSQL, a counter row per day made every answer wait for the one
//! before to commit). [`fold`] moves the deltas into the rollups in batches, one instance at a
//! time; readers add the deltas not yet folded, in the same statement, so figures stay exact and
//! current. A survey's data version counts its answer deltas, folded or not.
//!
//! An answer is in the rollups with the score in `responses.rolled_score`. It enters once it
//! counts (at once for a touch or form, after the quiet window for a dwell: the sweep settles
//! those), moves when its score changes and leaves if it turns out to be a scanner's.
mod rebuild;
mod stored;

pub use rebuild::{check, rebuild};
use stored::DeltaRow;
pub use stored::{answer_days, day_counts, fold, fold_all, has_deltas, DayCounts, Sums, FOLD_BATCH};

use super::{db, DomainError, DAY_MS};
use crate::db::models::{Attributes, Response};
use crate::db::schema::{customers, data_versions, interactions, invitations, responses, rollup_keys};
use crate::db::{on_backend, write_tx, DbConn};
use crate::types::{AnswerState, Json};
use diesel::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// Scores 0..=10 have a column each (every scale fits).
pub const SCORES: usize = 11;
/// Customer attributes rolled up per customer, at most: segments are for slicing, not storage.
const MAX_SEGMENTS: usize = 8;
const MAX_SEGMENT_VALUE: usize = 64;

/// The UTC day (days since 1970-01-01) of a moment in ms.
pub fn day_of(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS)
}

/// Where an answer or invitation is counted: its survey, touchpoint and channel, and the
/// customer's segments (`key=value` for each short scalar attribute; '' is everyone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dims {
    pub survey_id: i64,
    pub touchpoint: String,
    pub channel: String,
    pub segments: Vec<String>,
}

impl Dims {
    pub fn new(survey_id: i64, touchpoint: Option<&str>, channel: Option<&str>, attributes: &Attributes) -> Dims {
        Dims {
            survey_id,
            touchpoint: touchpoint.unwrap_or_default().to_string(),
            channel: channel.unwrap_or_default().to_string(),
            segments: segments_of(attributes),
        }
    }
}

/// `key=value` for the customer's scalar attributes (sorted by key, at most [`MAX_SEGMENTS`]);
/// long values (ids, free text) are not segments.
pub fn segments_of(attributes: &Attributes) -> Vec<String> {
    use serde_json::Value;
    let mut keys: Vec<&String> = attributes.keys().collect();
    keys.sort();
    keys.into_iter()
        .filter_map(|k| {
            let v = match &attributes[k] {
                Value::String(s) => s.clone(),
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => n.to_string(),
                _ => return None,
            };
            (!v.is_empty() && v.chars().count() <= MAX_SEGMENT_VALUE && k.len() <= MAX_SEGMENT_VALUE)
                .then(|| format!("{k}={v}"))
        })
        .take(MAX_SEGMENTS)
        .collect()
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Counts {
    invited: i64,
    responded: i64,
    scores: [i64; SCORES],
    /// Whether this row's touchpoint, channel and segment may be new to the filters: true for
    /// invitations and imported answers. An invited answer's values arrived with its invitation,
    /// so the one-click path writes no filter keys.
    new_keys: bool,
}

impl Counts {
    fn is_zero(&self) -> bool {
        self.invited == 0 && self.responded == 0 && self.scores == [0; SCORES]
    }
}

type Key = (i64, String, i64, String, String);

/// Changes to the rollups, summed per row before they are written: a batch of a thousand
/// interactions on one day writes a handful of rows.
#[derive(Debug, Default)]
pub struct Changes {
    rows: BTreeMap<Key, Counts>,
}

impl Changes {
    fn each(&mut self, dims: &Dims, day: i64, f: impl Fn(&mut Counts)) {
        self.each_of(std::iter::once("").chain(dims.segments.iter().map(String::as_str)), dims, day, f)
    }

    fn each_of<'a>(&mut self, segments: impl Iterator<Item = &'a str>, dims: &Dims, day: i64, f: impl Fn(&mut Counts)) {
        for segment in segments {
            let key = (dims.survey_id, segment.to_string(), day, dims.touchpoint.clone(), dims.channel.clone());
            f(self.rows.entry(key).or_default());
        }
    }

    /// An invitation, and its answer counted with `score` (if any), leave their segments' rows;
    /// the rows of everyone ('') keep them.
    fn leave_segments(&mut self, dims: &Dims, send_at: Option<i64>, answer: Option<(i64, i32)>) {
        let segments = || dims.segments.iter().map(String::as_str);
        if let Some(sent) = send_at {
            let responded = i64::from(answer.is_some());
            self.each_of(segments(), dims, day_of(sent), |c| {
                c.invited -= 1;
                c.responded -= responded;
            });
        }
        if let Some((answered_at, score)) = answer {
            self.each_of(segments(), dims, day_of(answered_at), |c| c.scores[score as usize] -= 1);
        }
    }

    /// An invitation to be sent at `send_at`.
    pub fn invited(&mut self, dims: &Dims, send_at: i64) {
        self.each(dims, day_of(send_at), |c| {
            c.invited += 1;
            c.new_keys = true;
        });
    }

    /// An answer given at `answered_at` leaves the rollups with `old` and enters with `new`;
    /// `sent_at` is its invitation's send time (imported answers have none).
    pub fn answer(&mut self, dims: &Dims, answered_at: i64, sent_at: Option<i64>, old: Option<i32>, new: Option<i32>) {
        if old == new {
            return;
        }
        let day = day_of(answered_at);
        if let Some(s) = old {
            self.each(dims, day, |c| c.scores[s as usize] -= 1);
        }
        if let Some(s) = new {
            self.each(dims, day, |c| {
                c.scores[s as usize] += 1;
                c.new_keys |= sent_at.is_none();
            });
        }
        if let Some(sent) = sent_at {
            let moved = i64::from(new.is_some()) - i64::from(old.is_some());
            if moved != 0 {
                self.each(dims, day_of(sent), |c| c.responded += moved);
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.rows.values().all(Counts::is_zero)
    }

    /// Writes the changes: a delta row per rollup row (folded later by [`fold`]) and the filter
    /// values. No row another transaction also writes is updated.
    pub fn write(&self, conn: &mut DbConn) -> Result<(), DomainError> {
        let deltas: Vec<DeltaRow> = self.rows.iter().flat_map(|(k, c)| DeltaRow::of(k, c)).collect();
        // One statement for a group's rows, prepared once (a round trip per row would be most of
        // an answer's cost on PostgreSQL).
        stored::insert_deltas(conn, &deltas).map_err(db)?;
        let mut keys: BTreeSet<(i64, &'static str, &str)> = BTreeSet::new();
        for ((survey_id, segment, _, touchpoint, channel), c) in &self.rows {
            if c.is_zero() || !c.new_keys {
                continue;
            }
            if segment.is_empty() {
                keys.insert((*survey_id, "touchpoint", touchpoint));
                keys.insert((*survey_id, "channel", channel));
            } else {
                keys.insert((*survey_id, "segment", segment));
            }
        }
        // DO NOTHING on a key already there takes no lock: batches share these rows freely.
        for (survey_id, kind, value) in keys.into_iter().filter(|k| !k.2.is_empty()) {
            on_backend!(conn, c => diesel::insert_into(rollup_keys::table)
                .values((rollup_keys::survey_id.eq(survey_id), rollup_keys::kind.eq(kind), rollup_keys::value.eq(value)))
                .on_conflict_do_nothing()
                .execute(c))
            .map_err(db)?;
        }
        Ok(())
    }
}

/// Erasure takes a customer's attributes, and with them the segments their invitations and
/// answers were counted under: they leave those segments' rows (the figures for everyone keep
/// them, as a rebuild would), the invitations forget their segments, and a segment nobody else
/// is counted under disappears from the rows and the filters. Inside the caller's transaction,
/// before the customer's attributes are cleared.
pub fn forget_segments(conn: &mut DbConn, customer_id: i64) -> Result<(), DomainError> {
    // On PostgreSQL the customer's invitations are locked first, in id order, as the answer path
    // and the sweep lock them: an answer settled meanwhile cannot enter under the old segments.
    if let DbConn::Pg(c) = conn {
        invitations::table
            .filter(invitations::customer_id.eq(customer_id))
            .select(invitations::id)
            .order(invitations::id)
            .for_update()
            .load::<i64>(c)
            .map_err(db)?;
    }
    type InvitationDims = (i64, i64, i64, Json<Vec<String>>, Option<String>, Option<String>);
    let invited: Vec<InvitationDims> = on_backend!(conn, c => invitations::table
        .left_join(interactions::table.on(interactions::id.nullable().eq(invitations::interaction_id)))
        .filter(invitations::customer_id.eq(customer_id))
        .select((
            invitations::id,
            invitations::survey_id,
            invitations::send_at,
            invitations::segments,
            interactions::touchpoint.nullable(),
            interactions::channel.nullable(),
        ))
        .load(c))
    .map_err(db)?;
    let answers: Vec<(i64, Option<i64>, i64, Option<i32>)> = responses::table
        .filter(responses::customer_id.eq(customer_id))
        .select((responses::survey_id, responses::invitation_id, responses::answered_at, responses::rolled_score))
        .load(conn)
        .map_err(db)?;
    let mut changes = Changes::default();
    let mut segments: BTreeSet<(i64, String)> = BTreeSet::new();
    for (id, survey_id, send_at, kept, touchpoint, channel) in &invited {
        let dims = Dims {
            survey_id: *survey_id,
            touchpoint: touchpoint.clone().unwrap_or_default(),
            channel: channel.clone().unwrap_or_default(),
            segments: kept.get().clone(),
        };
        let answer = answers.iter().find(|a| a.1 == Some(*id)).and_then(|a| a.3.map(|s| (a.2, s)));
        changes.leave_segments(&dims, Some(*send_at), answer);
        segments.extend(dims.segments.iter().map(|s| (*survey_id, s.clone())));
    }
    // Imported answers stay where they were counted: under the segments the customer had when
    // they were imported (a CSV import brings no attributes, so usually none), which nothing
    // records; taking them out of today's segments could leave rows below zero.
    changes.write(conn)?;
    // Whether a segment's rows are all zero is a question for complete rollups.
    fold_all(conn)?;
    let empty: Json<Vec<String>> = Json::new(Vec::new());
    on_backend!(conn, c => diesel::update(invitations::table.filter(invitations::customer_id.eq(customer_id)))
        .set(invitations::segments.eq(&empty))
        .execute(c))
    .map_err(db)?;
    for (survey_id, segment) in segments {
        drop_segment_if_empty(conn, survey_id, &segment)?;
    }
    Ok(())
}

/// Removes a segment's rows when they all hold zero, and then its filter value.
fn drop_segment_if_empty(conn: &mut DbConn, survey: i64, name: &str) -> Result<(), DomainError> {
    use crate::db::schema::rollup_answers::dsl as a;
    use crate::db::schema::rollup_invitations::dsl as i;
    let answered = a::rollup_answers.filter(a::survey_id.eq(survey)).filter(a::segment.eq(name));
    let nonzero_answers = answered
        .filter(
            a::s0
                .ne(0)
                .or(a::s1.ne(0))
                .or(a::s2.ne(0))
                .or(a::s3.ne(0))
                .or(a::s4.ne(0))
                .or(a::s5.ne(0))
                .or(a::s6.ne(0))
                .or(a::s7.ne(0))
                .or(a::s8.ne(0))
                .or(a::s9.ne(0))
                .or(a::s10.ne(0)),
        )
        .count()
        .get_result::<i64>(conn)
        .map_err(db)?;
    let invited = i::rollup_invitations.filter(i::survey_id.eq(survey)).filter(i::segment.eq(name));
    let nonzero_invitations =
        invited.filter(i::invited.ne(0).or(i::responded.ne(0))).count().get_result::<i64>(conn).map_err(db)?;
    if nonzero_answers + nonzero_invitations > 0 {
        return Ok(());
    }
    on_backend!(conn, c => diesel::delete(answered).execute(c)).map_err(db)?;
    on_backend!(conn, c => diesel::delete(invited).execute(c)).map_err(db)?;
    let key = rollup_keys::table
        .filter(rollup_keys::survey_id.eq(survey))
        .filter(rollup_keys::kind.eq("segment"))
        .filter(rollup_keys::value.eq(name));
    on_backend!(conn, c => diesel::delete(key).execute(c)).map_err(db)?;
    Ok(())
}

/// The data version of a survey's counted answers.
pub fn answers_version(survey_id: i64) -> String {
    format!("answers:{survey_id}")
}
/// The data version of churn (any customer's churn date).
pub const CHURN_VERSION: &str = "churn";

pub fn bump_version(conn: &mut DbConn, name: &str) -> Result<(), DomainError> {
    add_to_version(conn, name, 1)
}

fn add_to_version(conn: &mut DbConn, name: &str, n: i64) -> Result<(), DomainError> {
    use data_versions::{table, version};
    on_backend!(conn, c => diesel::insert_into(table)
        .values((data_versions::name.eq(name), version.eq(n)))
        .on_conflict(data_versions::name)
        .do_update()
        .set(version.eq(version + n))
        .execute(c))
    .map_err(db)?;
    Ok(())
}

/// The data version of a survey's counted answers and of churn, in one statement (a fold moves
/// answer deltas into the stored version atomically, so the sum never goes back).
pub fn survey_data_version(conn: &mut DbConn, survey_id: i64) -> Result<i64, DomainError> {
    #[derive(diesel::QueryableByName)]
    struct V {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        v: i64,
    }
    let v: V = diesel::sql_query(
        "SELECT CAST((SELECT COALESCE(SUM(version), 0) FROM data_versions WHERE name IN ($1, $2)) \
         + (SELECT COUNT(*) FROM rollup_deltas WHERE survey_id = $3 AND score IS NOT NULL) AS BIGINT) AS v",
    )
    .bind::<diesel::sql_types::Text, _>(answers_version(survey_id))
    .bind::<diesel::sql_types::Text, _>(CHURN_VERSION)
    .bind::<diesel::sql_types::BigInt, _>(survey_id)
    .get_result(conn)
    .map_err(db)?;
    Ok(v.v)
}

/// The sum of the named versions (0 for a name never bumped): one number that moves whenever any
/// of them does.
pub fn versions_sum(conn: &mut DbConn, names: &[String]) -> Result<i64, DomainError> {
    let found: Vec<i64> = data_versions::table
        .filter(data_versions::name.eq_any(names))
        .select(data_versions::version)
        .load(conn)
        .map_err(db)?;
    Ok(found.into_iter().sum())
}

/// Marks that the rollups hold every answer and invitation (written by a rebuild and by the
/// demo world; a database made before the rollups existed lacks it).
const BUILT_MARK: &str = "rollups-built";

/// Rebuilds the rollups once if this database has answers or invitations from before they were
/// kept (an upgrade); otherwise only sets the mark. Run at server start.
pub fn ensure_built(conn: &mut DbConn, now: i64) -> Result<bool, DomainError> {
    if versions_sum(conn, &[BUILT_MARK.to_string()])? > 0 {
        return Ok(false);
    }
    let has_invitations =
        invitations::table.select(invitations::id).first::<i64>(conn).optional().map_err(db)?.is_some();
    let has_answers = responses::table.select(responses::id).first::<i64>(conn).optional().map_err(db)?.is_some();
    let rebuilt = has_invitations || has_answers;
    if rebuilt {
        rebuild(conn, now, &|_| {})?;
    }
    mark_built(conn)?;
    Ok(rebuilt)
}

/// Records that the rollups are complete.
pub fn mark_built(conn: &mut DbConn) -> Result<(), DomainError> {
    bump_version(conn, BUILT_MARK)
}

/// The score an answer should have in the rollups at `now`: its score once it counts.
pub fn wanted_score(r: &Response, now: i64) -> Option<i32> {
    (super::evidence::effective_state(r, now) == AnswerState::Counted).then_some(r.score)
}

/// Moves an answer's part of the rollups from `old` to `new` (scores; None is out), for a caller
/// that knows its dims and has stored its new rolled score already (the answer path).
pub fn apply_move(
    conn: &mut DbConn,
    dims: &Dims,
    answered_at: i64,
    sent_at: Option<i64>,
    old: Option<i32>,
    new: Option<i32>,
) -> Result<(), DomainError> {
    if old == new {
        return Ok(());
    }
    let mut changes = Changes::default();
    changes.answer(dims, answered_at, sent_at, old, new);
    changes.write(conn)
}

/// Brings one answer's part of the rollups in line with its state and score at `now` (inside
/// the caller's transaction). Most events (a first click, a page signal that changes nothing)
/// return at once without a query.
pub fn sync_answer(conn: &mut DbConn, r: &mut Response, now: i64) -> Result<(), DomainError> {
    let wanted = wanted_score(r, now);
    if wanted == r.rolled_score {
        return Ok(());
    }
    let (dims, sent_at) = dims_of_answer(conn, r)?;
    apply_move(conn, &dims, r.answered_at, sent_at, r.rolled_score, wanted)?;
    super::events::answer_moved(conn, r, r.rolled_score, wanted, now)?;
    on_backend!(conn, c => diesel::update(responses::table.find(r.id))
        .set(responses::rolled_score.eq(wanted))
        .execute(c))
    .map_err(db)?;
    r.rolled_score = wanted;
    Ok(())
}

/// An answer's dims: an invited answer counts under its invitation's interaction and the
/// segments the invitation was counted under; an imported one under the customer's segments.
fn dims_of_answer(conn: &mut DbConn, r: &Response) -> Result<(Dims, Option<i64>), DomainError> {
    let Some(invitation_id) = r.invitation_id else {
        let attributes: Json<Attributes> = on_backend!(conn, c => customers::table
            .find(r.customer_id)
            .select(customers::attributes)
            .first(c))
        .map_err(db)?;
        return Ok((Dims::new(r.survey_id, None, None, attributes.get()), None));
    };
    type Row = (i64, Json<Vec<String>>, Option<String>, Option<String>);
    let (send_at, segments, touchpoint, channel): Row = on_backend!(conn, c => invitations::table
        .left_join(interactions::table.on(interactions::id.nullable().eq(invitations::interaction_id)))
        .filter(invitations::id.eq(invitation_id))
        .select((invitations::send_at, invitations::segments, interactions::touchpoint.nullable(), interactions::channel.nullable()))
        .first(c))
    .map_err(db)?;
    let dims = Dims {
        survey_id: r.survey_id,
        touchpoint: touchpoint.unwrap_or_default(),
        channel: channel.unwrap_or_default(),
        segments: segments.into_inner(),
    };
    Ok((dims, Some(send_at)))
}

/// Provisional answers whose quiet window has passed enter the rollups (run by the sweep, up to
/// `limit` in the caller's transaction). Each is read again under its invitation's lock on
/// PostgreSQL (the lock an answer event takes), so a click that changed it meanwhile, or another
/// instance's sweep, is seen and nothing is counted twice. They are taken in invitation order
/// and their rollup changes are appended deltas, so the sweep never waits on an answer that
/// waits on it.
pub fn settle_due(conn: &mut DbConn, now: i64, limit: i64) -> Result<usize, DomainError> {
    // The WHERE repeats the partial index's predicate literally, so the planner uses it.
    let due: Vec<(i64, Option<i64>)> = responses::table
        .filter(diesel::dsl::sql::<diesel::sql_types::Bool>("state = 'provisional' AND rolled_score IS NULL"))
        .filter(responses::counts_from.le(now))
        .limit(limit)
        .select((responses::id, responses::invitation_id))
        .order(responses::invitation_id)
        .load(conn)
        .map_err(db)?;
    let n = due.len();
    for (id, invitation_id) in due {
        write_tx(conn, |conn| {
            if let (Some(inv), DbConn::Pg(c)) = (invitation_id, &mut *conn) {
                diesel::sql_query("SELECT id FROM invitations WHERE id = $1 FOR UPDATE")
                    .bind::<diesel::sql_types::BigInt, _>(inv)
                    .execute(c)
                    .map_err(db)?;
            }
            let fresh: Option<Response> =
                responses::table.find(id).select(Response::as_select()).first(conn).optional().map_err(db)?;
            match fresh {
                Some(mut r) => sync_answer(conn, &mut r, now),
                None => Ok(()),
            }
        })?;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_short_scalar_attributes_in_key_order() {
        let a: Attributes = serde_json::from_str(
            r#"{"plan":"pro","region":"noord","vip":true,"seats":12,"notes":{"x":1},"id":"0123456789012345678901234567890123456789012345678901234567890123456789"}"#,
        )
        .unwrap();
        assert_eq!(segments_of(&a), vec!["plan=pro", "region=noord", "seats=12", "vip=true"]);
    }

    #[test]
    fn a_changed_score_moves_and_a_lost_answer_leaves() {
        let dims = Dims::new(1, Some("support"), Some("phone"), &Attributes::new());
        let mut c = Changes::default();
        c.answer(&dims, DAY_MS * 3 + 5, Some(DAY_MS * 2), None, Some(6));
        c.answer(&dims, DAY_MS * 3 + 5, Some(DAY_MS * 2), Some(6), Some(8));
        let day3 = &c.rows[&(1, String::new(), 3, "support".into(), "phone".into())];
        assert_eq!((day3.scores[6], day3.scores[8]), (0, 1));
        let day2 = &c.rows[&(1, String::new(), 2, "support".into(), "phone".into())];
        assert_eq!(day2.responded, 1, "responded counts on the invitation's send day");
        c.answer(&dims, DAY_MS * 3 + 5, Some(DAY_MS * 2), Some(8), None);
        assert!(c.is_empty());
    }
}
