//! Statistics that keep up with young tables on PostgreSQL. A connection keeps a prepared
//! statement's plan until the next ANALYZE of a table it reads; a plan made while a table was
//! empty scans it whole, and one made for an empty `customers` compared every customer with every
//! external id of a batch (measured: over a second per batch of 1,000 at 100,000 customers).
//! Autovacuum analyzes a table once a tenth of it changed, within a minute; where it is off (it
//! is on this project's test machines) or has not come round yet, acht analyzes a table once at least
//! half of its rows are new or changed since its last ANALYZE. Tables grow by doubling between
//! two such runs, so a table of n rows is analyzed about log₂ n times in its life.
use super::{DbConn, DbError};
use diesel::sql_types::{BigInt, Bool, Text};
use diesel::{Connection, QueryableByName, RunQueryDsl};

/// Changed rows below which a table is left alone, however young.
const MIN_CHANGED: i64 = 1_000;
/// Held (per transaction) by the instance that analyzes, so instances do not queue up to do
/// the same work.
const LOCK_KEY: i64 = 0x0ac1_7001;

#[derive(QueryableByName)]
struct Stale {
    #[diesel(sql_type = Text)]
    relname: String,
}

#[derive(QueryableByName)]
struct Taken {
    #[diesel(sql_type = Bool)]
    taken: bool,
}

/// Analyzes this schema's tables whose statistics fell behind (see the module); returns their
/// names. Nothing on SQLite, whose planner keeps no statistics unless asked to, nor while
/// another instance is at it.
pub fn refresh(conn: &mut DbConn) -> Result<Vec<String>, DbError> {
    let DbConn::Pg(c) = conn else { return Ok(Vec::new()) };
    c.transaction(|c| {
        let lock = diesel::sql_query("SELECT pg_try_advisory_xact_lock($1) AS taken").bind::<BigInt, _>(LOCK_KEY);
        if !lock.get_result::<Taken>(c)?.taken {
            return Ok(Vec::new());
        }
        let stale: Vec<Stale> = diesel::sql_query(
            "SELECT relname::text AS relname FROM pg_stat_user_tables \
             WHERE schemaname = current_schema() AND n_mod_since_analyze >= $1 \
               AND n_mod_since_analyze * 2 > n_live_tup ORDER BY relname",
        )
        .bind::<BigInt, _>(MIN_CHANGED)
        .load(c)?;
        for t in &stale {
            diesel::sql_query(format!("ANALYZE \"{}\"", t.relname.replace('"', "\"\""))).execute(c)?;
        }
        Ok(stale.into_iter().map(|t| t.relname).collect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::schema::instance_secrets as s;
    use diesel::prelude::*;

    /// A table that grew from nothing is analyzed once, and not again until it has doubled.
    #[test]
    fn a_grown_table_is_analyzed_once_until_it_doubles() {
        let Some(scratch) = crate::db::ScratchPg::create("statistics") else { return };
        {
            let mut conn = crate::db::establish(&scratch.url).unwrap();
            crate::db::migrate(&mut conn).unwrap();
            let insert = |conn: &mut DbConn, from: usize, to: usize| {
                for k in from..to {
                    diesel::insert_into(s::table)
                        .values((s::name.eq(format!("row-{k}")), s::value.eq("v")))
                        .execute(conn)
                        .unwrap();
                }
            };
            // The statistics collector reports changes asynchronously: wait for them.
            let seen = |conn: &mut DbConn| {
                for _ in 0..100 {
                    let stale = refresh(conn).unwrap();
                    if !stale.is_empty() {
                        return stale;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                Vec::new()
            };
            insert(&mut conn, 0, 1_500);
            assert!(seen(&mut conn).contains(&"instance_secrets".to_string()), "a table that grew is analyzed");
            insert(&mut conn, 1_500, 2_000);
            std::thread::sleep(std::time::Duration::from_millis(1_000));
            assert!(refresh(&mut conn).unwrap().is_empty(), "a third more rows is not yet stale");
            insert(&mut conn, 2_000, 3_600);
            assert!(
                seen(&mut conn).contains(&"instance_secrets".to_string()),
                "a table that doubled is analyzed again"
            );
        }
    }
}
