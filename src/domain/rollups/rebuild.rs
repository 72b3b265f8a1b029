//! Counting the rollups afresh from the invitations and answers: a rebuild (after a bulk load,
//! or to repair) and the check that every stored figure equals one (`acht rollups check`).
use super::stored::{delta_scores, fold_all, StoredCounts, SCORE_COLUMNS, ZERO_SCORES};
use super::{mark_built, segments_of, wanted_score, Changes, Counts, Dims, Key};
use crate::db::models::{Attributes, Response};
use crate::db::schema::{
    customers, interactions, invitations, responses, rollup_answers, rollup_invitations, rollup_keys,
};
use crate::db::{write_tx, DbConn};
use crate::domain::{db, DomainError};
use crate::types::Json;
use diesel::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// Rebuilds every rollup from the invitations and answers (after a bulk load, or to repair),
/// in one transaction. Both are read in id order, a chunk at a time, with their interaction
/// joined; only the customers' segments (interned: few distinct sets) are held in memory.
pub fn rebuild(conn: &mut DbConn, now: i64, progress: &dyn Fn(u64)) -> Result<(), DomainError> {
    write_tx(conn, |conn| {
        // Folded first, so the answer deltas' counts stay in the data versions.
        fold_all(conn)?;
        diesel::delete(rollup_answers::table).execute(conn).map_err(db)?;
        diesel::delete(rollup_invitations::table).execute(conn).map_err(db)?;
        diesel::delete(rollup_keys::table).execute(conn).map_err(db)?;
        let (changes, n) = recount(conn, &|r| wanted_score(r, now), progress)?;
        // Every answer's rolled score at once, with the same rule as `wanted_score`.
        diesel::sql_query(
            "UPDATE responses SET rolled_score = CASE WHEN state = 'counted' \
             OR (state = 'provisional' AND counts_from <= $1) THEN score END",
        )
        .bind::<diesel::sql_types::BigInt, _>(now)
        .execute(conn)
        .map_err(db)?;
        changes.write(conn)?;
        fold_all(conn)?;
        mark_built(conn)?;
        tracing::info!(answers = n, "rollups rebuilt");
        Ok(())
    })
}

/// Where the stored rollups (with their unfolded deltas) differ from a count of the stored
/// invitations and answers, each answer counted with the score it is rolled up with: empty when
/// every figure equals a rebuild. Meant for a database nothing writes to meanwhile (after a
/// benchmark run, in tests); `acht rollups check` runs it.
pub fn check(conn: &mut DbConn) -> Result<Vec<String>, DomainError> {
    let (counted, _) = recount(conn, &|r| r.rolled_score, &|_| {})?;
    let mut stored: BTreeMap<Key, Counts> = BTreeMap::new();
    for (key, row) in all_stored_counts(conn)? {
        let c = stored.entry(key).or_default();
        c.invited += row.sums.invited();
        c.responded += row.sums.responded();
        for (a, b) in c.scores.iter_mut().zip(row.sums.scores()) {
            *a += b;
        }
    }
    let keys: BTreeSet<&Key> = counted.rows.keys().chain(stored.keys()).collect();
    let zero = Counts::default();
    let strip = |c: &Counts| (c.invited, c.responded, c.scores);
    Ok(keys
        .into_iter()
        .filter_map(|k| {
            let (want, have) = (counted.rows.get(k).unwrap_or(&zero), stored.get(k).unwrap_or(&zero));
            (strip(want) != strip(have)).then(|| {
                format!(
                    "survey {} segment '{}' day {} touchpoint '{}' channel '{}': counted (invited, responded, scores) {:?}, stored {:?}",
                    k.0, k.1, k.2, k.3, k.4, strip(want), strip(have)
                )
            })
        })
        .collect())
}

/// Every stored rollup row and delta with its key, in one statement.
fn all_stored_counts(conn: &mut DbConn) -> Result<Vec<(Key, StoredCounts)>, DomainError> {
    #[derive(diesel::QueryableByName)]
    struct Keyed {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        survey_id: i64,
        #[diesel(sql_type = diesel::sql_types::Text)]
        segment: String,
        #[diesel(embed)]
        counts: StoredCounts,
    }
    let sql = format!(
        "SELECT survey_id, segment, day, touchpoint, channel, CAST(0 AS BIGINT) AS invited, \
         CAST(0 AS BIGINT) AS responded, {SCORE_COLUMNS} FROM rollup_answers \
         UNION ALL SELECT survey_id, segment, day, touchpoint, channel, invited, responded, {ZERO_SCORES} \
         FROM rollup_invitations \
         UNION ALL SELECT survey_id, segment, day, touchpoint, channel, invited, responded, {} FROM rollup_deltas",
        delta_scores()
    );
    let rows: Vec<Keyed> = diesel::sql_query(sql).load(conn).map_err(db)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let c = r.counts;
            ((r.survey_id, r.segment, c.day, c.touchpoint.clone(), c.channel.clone()), c)
        })
        .collect())
}

/// Every invitation and answer counted afresh (answers with `score_of`), and how many answers.
fn recount(
    conn: &mut DbConn,
    score_of: &dyn Fn(&Response) -> Option<i32>,
    progress: &dyn Fn(u64),
) -> Result<(Changes, u64), DomainError> {
    const CHUNK: i64 = 50_000;
    let segments = Segments::load(conn)?;
    let mut changes = Changes::default();
    let mut after = 0i64;
    loop {
        type Inv = (i64, i64, i64, i64, Json<Vec<String>>, Option<String>, Option<String>);
        let chunk: Vec<Inv> = invitations::table
            .left_join(interactions::table.on(interactions::id.nullable().eq(invitations::interaction_id)))
            .filter(invitations::id.gt(after))
            .order(invitations::id)
            .limit(CHUNK)
            .select((
                invitations::id,
                invitations::survey_id,
                invitations::customer_id,
                invitations::send_at,
                invitations::segments,
                interactions::touchpoint.nullable(),
                interactions::channel.nullable(),
            ))
            .load(conn)
            .map_err(db)?;
        let Some(last) = chunk.last() else { break };
        after = last.0;
        for (_, survey_id, _, send_at, kept, touchpoint, channel) in chunk {
            let dims = Dims {
                survey_id,
                touchpoint: touchpoint.unwrap_or_default(),
                channel: channel.unwrap_or_default(),
                segments: kept.into_inner(),
            };
            changes.invited(&dims, send_at);
        }
    }
    let mut after = 0i64;
    let mut n = 0u64;
    loop {
        type Ans = (Response, Option<i64>, Option<Json<Vec<String>>>, Option<String>, Option<String>);
        let chunk: Vec<Ans> = responses::table
            .left_join(invitations::table.on(invitations::id.nullable().eq(responses::invitation_id)))
            .left_join(interactions::table.on(interactions::id.nullable().eq(invitations::interaction_id)))
            .filter(responses::id.gt(after))
            .order(responses::id)
            .limit(CHUNK)
            .select((
                Response::as_select(),
                invitations::send_at.nullable(),
                invitations::segments.nullable(),
                interactions::touchpoint.nullable(),
                interactions::channel.nullable(),
            ))
            .load(conn)
            .map_err(db)?;
        let Some(last) = chunk.last() else { break };
        after = last.0.id;
        n += chunk.len() as u64;
        progress(chunk.len() as u64);
        for (r, sent, kept, touchpoint, channel) in chunk {
            // Invited answers count under their invitation's segments; imported ones
            // under the customer's.
            let mut dims = segments.dims(r.survey_id, r.customer_id, touchpoint, channel);
            if let Some(kept) = kept {
                dims.segments = kept.into_inner();
            }
            changes.answer(&dims, r.answered_at, sent, None, score_of(&r));
        }
    }
    Ok((changes, n))
}

/// Every customer's segments, interned: a million customers share a few dozen distinct sets.
struct Segments {
    sets: Vec<Vec<String>>,
    by_customer: std::collections::HashMap<i64, u32>,
}

impl Segments {
    fn load(conn: &mut DbConn) -> Result<Segments, DomainError> {
        let mut sets: Vec<Vec<String>> = vec![vec![]];
        let mut index: std::collections::HashMap<Vec<String>, u32> = [(vec![], 0)].into_iter().collect();
        let mut by_customer = std::collections::HashMap::new();
        let mut after = 0i64;
        loop {
            let rows: Vec<(i64, Json<Attributes>)> = customers::table
                .filter(customers::id.gt(after))
                .order(customers::id)
                .limit(50_000)
                .select((customers::id, customers::attributes))
                .load(conn)
                .map_err(db)?;
            let Some(last) = rows.last() else { break };
            after = last.0;
            for (id, a) in rows {
                let s = segments_of(a.get());
                if s.is_empty() {
                    continue;
                }
                let k = *index.entry(s.clone()).or_insert_with(|| {
                    sets.push(s);
                    (sets.len() - 1) as u32
                });
                by_customer.insert(id, k);
            }
        }
        Ok(Segments { sets, by_customer })
    }

    fn dims(&self, survey_id: i64, customer_id: i64, touchpoint: Option<String>, channel: Option<String>) -> Dims {
        let k = self.by_customer.get(&customer_id).copied().unwrap_or(0);
        Dims {
            survey_id,
            touchpoint: touchpoint.unwrap_or_default(),
            channel: channel.unwrap_or_default(),
            segments: self.sets[k as usize].clone(),
        }
    }
}
