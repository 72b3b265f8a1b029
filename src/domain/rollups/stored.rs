//! What the rollups store and how it is read: the delta rows answers and batches append, the
//! fold that moves them into the rollup rows (one instance at a time), and the readers that add
//! the deltas not yet folded, in one statement.
use super::{add_to_version, answers_version, Changes, Counts, Key, SCORES};
use crate::db::schema::{rollup_answers, rollup_deltas, rollup_invitations};
use crate::db::{new_id, on_backend, unnest_insert, write_tx, DbConn};
use crate::domain::{db, DomainError};
use diesel::prelude::*;
use diesel::upsert::excluded;
use std::collections::BTreeMap;

#[derive(Insertable)]
#[diesel(table_name = rollup_answers)]
struct AnswerRow<'a> {
    survey_id: i64,
    segment: &'a str,
    day: i64,
    touchpoint: &'a str,
    channel: &'a str,
    s0: i64,
    s1: i64,
    s2: i64,
    s3: i64,
    s4: i64,
    s5: i64,
    s6: i64,
    s7: i64,
    s8: i64,
    s9: i64,
    s10: i64,
}

#[derive(Insertable)]
#[diesel(table_name = rollup_invitations)]
struct InvitationRow<'a> {
    survey_id: i64,
    segment: &'a str,
    day: i64,
    touchpoint: &'a str,
    channel: &'a str,
    invited: i64,
    responded: i64,
}

#[derive(Insertable, Queryable, Selectable)]
#[diesel(table_name = rollup_deltas, treat_none_as_default_value = false)]
pub(super) struct DeltaRow {
    id: i64,
    survey_id: i64,
    segment: String,
    day: i64,
    touchpoint: String,
    channel: String,
    invited: i64,
    responded: i64,
    /// With `n`: the count of answers with this score moves by `n`.
    score: Option<i32>,
    n: i64,
}

unnest_insert!(pub(super) fn insert_deltas(DeltaRow => rollup_deltas {
    id: i64, survey_id: i64, segment: String, day: i64, touchpoint: String, channel: String, invited: i64,
    responded: i64, score: Option<i32>, n: i64,
}));

impl DeltaRow {
    /// The delta rows of one rollup row's change: invitations (if they moved) and one per score
    /// that moved.
    pub(super) fn of<'a>(key: &'a Key, c: &'a Counts) -> impl Iterator<Item = DeltaRow> + 'a {
        let row = move |invited, responded, score, n| {
            let (survey_id, segment, day, touchpoint, channel) = key.clone();
            DeltaRow { id: new_id(), survey_id, segment, day, touchpoint, channel, invited, responded, score, n }
        };
        let invitations = (c.invited != 0 || c.responded != 0).then(|| row(c.invited, c.responded, None, 0));
        let scores =
            c.scores.iter().enumerate().filter(|(_, &n)| n != 0).map(move |(s, &n)| row(0, 0, Some(s as i32), n));
        invitations.into_iter().chain(scores)
    }

    fn key(&self) -> Key {
        (self.survey_id, self.segment.clone(), self.day, self.touchpoint.clone(), self.channel.clone())
    }
}

/// A survey's counts for one day, touchpoint and channel in one segment, as stored: a rollup
/// row or a delta not yet folded, several per key (summed by the caller).
#[derive(Debug, diesel::QueryableByName)]
pub(super) struct StoredCounts {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub day: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub touchpoint: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub channel: String,
    #[diesel(embed)]
    pub sums: Sums,
}

pub(super) const ZERO_SCORES: &str = "0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0";
pub(super) const SCORE_COLUMNS: &str = "s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10";

/// A delta's (score, n) spread over the score columns s0..s10, for a query's select list.
pub(super) fn delta_scores() -> String {
    (0..SCORES).map(|k| format!("CASE WHEN score = {k} THEN n ELSE 0 END AS s{k}")).collect::<Vec<_>>().join(", ")
}

/// A day's counts, summed over the stored rows (rollups and unfolded deltas).
#[derive(Debug, diesel::QueryableByName)]
pub struct DayCounts {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub day: i64,
    #[diesel(embed)]
    pub sums: Sums,
}

/// The count columns, as stored or summed (a delta may be negative, and so may a sum be for a
/// moment during a repair; the figures never show that).
#[derive(Debug, diesel::QueryableByName)]
pub struct Sums {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    invited: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    responded: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    s0: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    s1: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    s2: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    s3: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    s4: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    s5: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    s6: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    s7: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    s8: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    s9: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    s10: i64,
}

impl Sums {
    pub fn invited(&self) -> i64 {
        self.invited
    }
    pub fn responded(&self) -> i64 {
        self.responded
    }
    pub fn scores(&self) -> [i64; SCORES] {
        [self.s0, self.s1, self.s2, self.s3, self.s4, self.s5, self.s6, self.s7, self.s8, self.s9, self.s10]
    }
}

/// The counts of `survey` in `segment` ('' is everyone) per day of `from_day..to_day`, for one
/// touchpoint and channel or all: the answer and invitation rollups and the deltas not yet
/// folded, summed per day in one statement, so a fold that commits meanwhile is seen wholly or
/// not at all. Each part reads its index's range (survey, segment, day); a page gets a row per
/// day, not one per day, touchpoint and channel.
pub fn day_counts(
    conn: &mut DbConn,
    survey: i64,
    segment: &str,
    (from_day, to_day): (i64, i64),
    touchpoint: Option<&str>,
    channel: Option<&str>,
) -> Result<Vec<DayCounts>, DomainError> {
    const WHERE: &str = "WHERE survey_id = $1 AND segment = $2 AND day >= $3 AND day < $4 \
         AND ($5 IS NULL OR touchpoint = $5) AND ($6 IS NULL OR channel = $6)";
    let pivot = delta_scores();
    let sums = std::iter::once("invited".to_string())
        .chain(std::iter::once("responded".to_string()))
        .chain((0..SCORES).map(|k| format!("s{k}")))
        .map(|c| format!("CAST(SUM({c}) AS BIGINT) AS {c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT day, {sums} FROM ( \
           SELECT day, CAST(0 AS BIGINT) AS invited, CAST(0 AS BIGINT) AS responded, {SCORE_COLUMNS} \
           FROM rollup_answers {WHERE} \
           UNION ALL SELECT day, invited, responded, {ZERO_SCORES} FROM rollup_invitations {WHERE} \
           UNION ALL SELECT day, invited, responded, {pivot} FROM rollup_deltas {WHERE} \
         ) AS stored GROUP BY day"
    );
    use diesel::sql_types::{BigInt, Nullable, Text};
    diesel::sql_query(sql)
        .bind::<BigInt, _>(survey)
        .bind::<Text, _>(segment)
        .bind::<BigInt, _>(from_day)
        .bind::<BigInt, _>(to_day)
        .bind::<Nullable<Text>, _>(touchpoint)
        .bind::<Nullable<Text>, _>(channel)
        .load(conn)
        .map_err(db)
}

/// The first and the last day with a counted answer of `survey`, rollups and deltas together.
pub fn answer_days(conn: &mut DbConn, survey: i64) -> Result<Option<(i64, i64)>, DomainError> {
    #[derive(diesel::QueryableByName)]
    struct Span {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
        first: Option<i64>,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
        last: Option<i64>,
    }
    // Each part is a min and a max on its index (survey, segment, day); the deltas are few.
    let span: Span = diesel::sql_query(
        "SELECT MIN(first) AS first, MAX(last) AS last FROM ( \
           SELECT MIN(day) AS first, MAX(day) AS last FROM rollup_answers WHERE survey_id = $1 AND segment = '' \
           UNION ALL SELECT MIN(day), MAX(day) FROM rollup_deltas WHERE survey_id = $1 AND segment = '' AND score IS NOT NULL \
         ) AS parts",
    )
    .bind::<diesel::sql_types::BigInt, _>(survey)
    .get_result(conn)
    .map_err(db)?;
    Ok(span.first.zip(span.last))
}

/// Only one instance folds at a time (PostgreSQL advisory lock, for the fold's transaction).
const FOLD_LOCK: i64 = 180_000_002;
/// Deltas folded per transaction.
pub const FOLD_BATCH: i64 = 5_000;

/// Folds up to `limit` deltas, oldest first, into the rollups and the surveys' data versions,
/// in one transaction; returns how many. On PostgreSQL it returns 0 at once while another
/// instance folds (`wait` false) or waits for it (`wait` true: erasure and rebuild, which need
/// the rollups complete).
pub fn fold(conn: &mut DbConn, limit: i64, wait: bool) -> Result<usize, DomainError> {
    write_tx(conn, |conn| {
        if let DbConn::Pg(c) = conn {
            #[derive(diesel::QueryableByName)]
            struct Got {
                #[diesel(sql_type = diesel::sql_types::Bool)]
                got: bool,
            }
            let sql = if wait {
                "SELECT true AS got FROM (SELECT pg_advisory_xact_lock($1)) AS l"
            } else {
                "SELECT pg_try_advisory_xact_lock($1) AS got"
            };
            let lock: Got =
                diesel::sql_query(sql).bind::<diesel::sql_types::BigInt, _>(FOLD_LOCK).get_result(c).map_err(db)?;
            if !lock.got {
                return Ok(0);
            }
        }
        let deltas: Vec<DeltaRow> = rollup_deltas::table
            .order(rollup_deltas::id)
            .limit(limit)
            .select(DeltaRow::as_select())
            .load(conn)
            .map_err(db)?;
        let mut sums = Changes::default();
        let mut versions: BTreeMap<i64, i64> = BTreeMap::new();
        for d in &deltas {
            let entry = sums.rows.entry(d.key()).or_default();
            entry.invited += d.invited;
            entry.responded += d.responded;
            if let Some(score) = d.score.filter(|s| (0..SCORES as i32).contains(s)) {
                entry.scores[score as usize] += d.n;
                *versions.entry(d.survey_id).or_default() += 1;
            }
        }
        let ids: Vec<i64> = deltas.iter().map(|d| d.id).collect();
        for chunk in ids.chunks(900) {
            diesel::delete(rollup_deltas::table.filter(rollup_deltas::id.eq_any(chunk))).execute(conn).map_err(db)?;
        }
        sums.add_to_rollups(conn)?;
        for (survey_id, n) in versions {
            add_to_version(conn, &answers_version(survey_id), n)?;
        }
        Ok(deltas.len())
    })
}

/// Folds every delta (see [`fold`]), waiting for another instance's fold to end.
pub fn fold_all(conn: &mut DbConn) -> Result<usize, DomainError> {
    let mut folded = 0;
    loop {
        let n = fold(conn, FOLD_BATCH, true)?;
        folded += n;
        if (n as i64) < FOLD_BATCH {
            return Ok(folded);
        }
    }
}

/// Whether any delta waits to be folded: a read, so an idle fold job writes nothing.
pub fn has_deltas(conn: &mut DbConn) -> Result<bool, DomainError> {
    let one: Option<i64> = rollup_deltas::table.select(rollup_deltas::id).first(conn).optional().map_err(db)?;
    Ok(one.is_some())
}

fn upsert_answers(conn: &mut DbConn, row: &AnswerRow) -> Result<(), DomainError> {
    use crate::db::schema::rollup_answers::dsl::*;
    on_backend!(conn, c => diesel::insert_into(rollup_answers)
        .values(row)
        .on_conflict((survey_id, segment, day, touchpoint, channel))
        .do_update()
        .set((
            s0.eq(s0 + excluded(s0)),
            s1.eq(s1 + excluded(s1)),
            s2.eq(s2 + excluded(s2)),
            s3.eq(s3 + excluded(s3)),
            s4.eq(s4 + excluded(s4)),
            s5.eq(s5 + excluded(s5)),
            s6.eq(s6 + excluded(s6)),
            s7.eq(s7 + excluded(s7)),
            s8.eq(s8 + excluded(s8)),
            s9.eq(s9 + excluded(s9)),
            s10.eq(s10 + excluded(s10)),
        ))
        .execute(c))
    .map_err(db)?;
    Ok(())
}

fn upsert_invitations(conn: &mut DbConn, row: &InvitationRow) -> Result<(), DomainError> {
    use crate::db::schema::rollup_invitations::dsl::*;
    on_backend!(conn, c => diesel::insert_into(rollup_invitations)
        .values(row)
        .on_conflict((survey_id, segment, day, touchpoint, channel))
        .do_update()
        .set((invited.eq(invited + excluded(invited)), responded.eq(responded + excluded(responded))))
        .execute(c))
    .map_err(db)?;
    Ok(())
}

impl Changes {
    /// Adds the summed changes to the rollup rows, in key order (the fold's one writer).
    fn add_to_rollups(&self, conn: &mut DbConn) -> Result<(), DomainError> {
        for ((survey_id, segment, day, touchpoint, channel), c) in &self.rows {
            if c.scores != [0; SCORES] {
                let s = c.scores;
                let row = AnswerRow {
                    survey_id: *survey_id,
                    segment,
                    day: *day,
                    touchpoint,
                    channel,
                    s0: s[0],
                    s1: s[1],
                    s2: s[2],
                    s3: s[3],
                    s4: s[4],
                    s5: s[5],
                    s6: s[6],
                    s7: s[7],
                    s8: s[8],
                    s9: s[9],
                    s10: s[10],
                };
                upsert_answers(conn, &row)?;
            }
            if c.invited != 0 || c.responded != 0 {
                let row = InvitationRow {
                    survey_id: *survey_id,
                    segment,
                    day: *day,
                    touchpoint,
                    channel,
                    invited: c.invited,
                    responded: c.responded,
                };
                upsert_invitations(conn, &row)?;
            }
        }
        Ok(())
    }
}
