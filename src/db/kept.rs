//! Statements kept prepared on PostgreSQL: updates of one column on a set of rows by id, and
//! inserts of any number of rows in one statement.
//!
//! Diesel prepares a statement once per connection only when its query type has a static id;
//! it never gives an `UPDATE` one, so PostgreSQL parsed and planned `UPDATE invitations SET
//! status = $1 WHERE id = ANY($2)` again for every group of answers (measured with
//! pg_stat_statements during form posts: 61 µs of planning per call, more than the update
//! itself). [`kept_update!`] writes such an update as its own query type with a static id, so
//! it is prepared once; on PostgreSQL the ids are one bound array, so its text never changes.
//! SQLite gets diesel's own update (its `IN (…)` lists a parameter per id, and it parses in
//! microseconds, in process).

/// Makes the caller's `Kept` (a struct of one statement's values) a PostgreSQL statement that
/// diesel keeps prepared: a static query id, the SQL and binds `$walk` writes to `$out` from
/// `$this`, and `execute`. The one place both macros below get that from.
macro_rules! kept_statement {
    (|$this:ident, $out:ident| $walk:block) => {
        impl diesel::query_builder::QueryId for Kept<'_> {
            type QueryId = Kept<'static>;
            const HAS_STATIC_QUERY_ID: bool = true;
        }
        impl diesel::query_builder::QueryFragment<diesel::pg::Pg> for Kept<'_> {
            fn walk_ast<'b>(
                &'b self,
                mut $out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
            ) -> diesel::QueryResult<()> {
                let $this = self;
                $walk
            }
        }
        impl diesel::query_dsl::RunQueryDsl<diesel::PgConnection> for Kept<'_> {}
    };
}
pub(crate) use kept_statement;

/// `$vis fn $name(conn, value, ids)`: `UPDATE $table SET $column = value WHERE id = ANY(ids)`,
/// kept prepared on PostgreSQL (see the module). `$sql_ty` is the column's SQL type and `$ty`
/// the Rust type of its value; returns the rows updated.
macro_rules! kept_update {
    ($(#[$doc:meta])* $vis:vis fn $name:ident($table:ident . $column:ident : $sql_ty:ty = $ty:ty)) => {
        $(#[$doc])*
        $vis fn $name(conn: &mut $crate::db::DbConn, value: $ty, ids: &[i64]) -> diesel::QueryResult<usize> {
            use diesel::prelude::*;
            use $crate::db::schema::$table;

            struct Kept<'a> {
                value: $ty,
                ids: &'a [i64],
            }
            $crate::db::kept_statement!(|this, out| {
                out.push_sql(concat!("UPDATE ", stringify!($table), " SET ", stringify!($column), " = "));
                out.push_bind_param::<$sql_ty, _>(&this.value)?;
                out.push_sql(" WHERE id = ANY(");
                out.push_bind_param::<diesel::sql_types::Array<diesel::sql_types::BigInt>, _>(this.ids)?;
                out.push_sql(")");
                Ok(())
            });

            match conn {
                $crate::db::DbConn::Pg(c) => Kept { value, ids }.execute(c),
                $crate::db::DbConn::Sqlite(c) => {
                    diesel::update($table::table.filter($table::id.eq_any(ids))).set($table::$column.eq(value)).execute(c)
                }
            }
        }
    };
}
pub(crate) use kept_update;

/// `$vis fn $name(conn, rows)`: inserts `rows` (of a model whose fields are named as `$table`'s
/// columns) and returns how many. On PostgreSQL it is one statement whatever their number: each
/// column is bound as one array, `INSERT INTO $table (…) SELECT * FROM unnest($1, …, $n)`, whose
/// text never changes, so it is prepared once per connection. `insert_rows!`, by contrast, writes
/// 11 rows as statements of 8, 2 and 1 rows, and a group of answers is a handful of rows into
/// each of three tables: on PostgreSQL every statement is a round trip and an executor started
/// (measured during form posts: 16 statements per group of 11 answers). SQLite, in process,
/// keeps `insert_rows!`. `$ty` is each field's Rust type; every field must be named.
///
/// With `on_conflict_do_nothing_returning($key: $key_ty)` it returns the keys of the rows
/// it inserted, skipping those another transaction holds (PostgreSQL waits for it to commit).
/// Rows go in in the given order (PostgreSQL inserts a function scan's rows as `unnest` yields
/// them, in array order, and never in parallel), so inserts of overlapping keys in one sorted
/// order wait for each other in that order only. On SQLite, with its one writer, nobody inserts
/// meanwhile: the caller must know the rows are new (a key already stored fails the insert),
/// and every key is returned.
macro_rules! unnest_insert {
    ($(#[$doc:meta])* $vis:vis fn $name:ident($model:ident => $table:ident { $($fields:tt)* })) => {
        $(#[$doc])*
        $vis fn $name(conn: &mut $crate::db::DbConn, rows: &[$model]) -> diesel::QueryResult<usize> {
            use diesel::prelude::*;
            $crate::db::unnest_insert!(@kept $model => $table { $($fields)* } "");
            if rows.is_empty() {
                return Ok(0);
            }
            if let $crate::db::DbConn::Pg(c) = conn {
                return Kept::new(rows).execute(c);
            }
            $crate::db::insert_rows!(conn, $crate::db::schema::$table::table, rows)
        }
    };
    ($(#[$doc:meta])* $vis:vis fn $name:ident($model:ident => $table:ident { $($fields:tt)* })
        on_conflict_do_nothing_returning($key:ident: $key_ty:ty)) => {
        $(#[$doc])*
        $vis fn $name(conn: &mut $crate::db::DbConn, rows: &[$model]) -> diesel::QueryResult<Vec<$key_ty>> {
            use diesel::prelude::*;
            $crate::db::unnest_insert!(@kept $model => $table { $($fields)* }
                concat!(" ON CONFLICT (", stringify!($key), ") DO NOTHING RETURNING ", stringify!($key)));
            impl diesel::query_builder::Query for Kept<'_> {
                type SqlType = <$crate::db::schema::$table::$key as diesel::Expression>::SqlType;
            }
            if rows.is_empty() {
                return Ok(Vec::new());
            }
            if let $crate::db::DbConn::Pg(c) = conn {
                return Kept::new(rows).load(c);
            }
            $crate::db::insert_rows!(conn, $crate::db::schema::$table::table, rows)?;
            Ok(rows.iter().map(|r| r.$key.clone()).collect())
        }
    };
    // The statement both forms run on PostgreSQL, `$tail` after the unnest.
    (@kept $model:ident => $table:ident { $first:ident: $first_ty:ty $(, $col:ident: $ty:ty)* $(,)? } $tail:expr) => {
        use diesel::sql_types::Array;
        use $crate::db::schema::$table;

        struct Kept<'a> {
            $first: Vec<&'a $first_ty>,
            $($col: Vec<&'a $ty>,)*
        }
        impl<'a> Kept<'a> {
            fn new(rows: &'a [$model]) -> Kept<'a> {
                Kept {
                    $first: rows.iter().map(|r| &r.$first).collect(),
                    $($col: rows.iter().map(|r| &r.$col).collect(),)*
                }
            }
        }
        $crate::db::kept_statement!(|this, out| {
            out.push_sql(concat!(
                "INSERT INTO ", stringify!($table), " (", stringify!($first $(, $col)*), ") SELECT * FROM unnest("
            ));
            out.push_bind_param::<Array<<$table::$first as diesel::Expression>::SqlType>, _>(&this.$first)?;
            $(
                out.push_sql(", ");
                out.push_bind_param::<Array<<$table::$col as diesel::Expression>::SqlType>, _>(&this.$col)?;
            )*
            out.push_sql(")");
            out.push_sql($tail);
            Ok(())
        });

        // Every field named, or this fails to compile: no column is left out of the insert.
        let _every_field = |r: &$model| {
            let $model { $first: _, $($col: _),* } = r;
        };
    };
}
pub(crate) use unnest_insert;

#[cfg(test)]
mod tests {
    use crate::db::models::{insert_evidence, AnswerEvent};
    use crate::db::schema::answer_events;
    use crate::db::{prepared_statements, DbConn, ScratchPg};
    use crate::types::{InvitationStatus, Signal};
    use diesel::prelude::*;

    kept_update!(fn set_status(invitations.status: diesel::sql_types::Text = InvitationStatus));

    /// The update is prepared once: its second call is found in the connection's statement
    /// cache, and PostgreSQL lists one prepared statement for it.
    #[test]
    fn an_update_by_ids_is_prepared_once_on_postgresql() {
        let Some(scratch) = ScratchPg::create("kept") else { return };
        let mut conn = crate::db::establish(&scratch.url).unwrap();
        crate::db::migrate(&mut conn).unwrap();
        for _ in 0..3 {
            assert_eq!(set_status(&mut conn, InvitationStatus::Answered, &[1, 2, 3]).unwrap(), 0);
        }
        let prepared = prepared_statements(&mut conn, "UPDATE invitations");
        assert_eq!(prepared, vec!["UPDATE invitations SET status = $1 WHERE id = ANY($2)".to_string()]);
    }

    /// Groups of any size go in as one statement each, prepared once, every value as given
    /// (NULLs included); on SQLite through `insert_rows!`. An answer's evidence, say.
    #[test]
    fn rows_of_any_number_are_one_kept_insert() {
        let event = |id: i64| AnswerEvent {
            id,
            invitation_id: 10 + id,
            kind: Signal::Form,
            score: (id % 2 == 0).then_some(8),
            source: Some(format!("10.0.0.{id}")),
            user_agent: None,
            fetch_meta: Some("same-origin".into()),
            accept_language: id % 3 == 0,
            since_sent_ms: 1_000 + id,
            visible_ms: None,
            created_at: 2_000 + id,
        };
        let check = |conn: &mut DbConn| {
            assert_eq!(insert_evidence(conn, &[]).unwrap(), 0);
            assert_eq!(insert_evidence(conn, &(1..=3).map(event).collect::<Vec<_>>()).unwrap(), 3);
            assert_eq!(insert_evidence(conn, &(4..=8).map(event).collect::<Vec<_>>()).unwrap(), 5);
            let stored: Vec<AnswerEvent> =
                answer_events::table.order(answer_events::id).select(AnswerEvent::as_select()).load(conn).unwrap();
            let expected: Vec<AnswerEvent> = (1..=8).map(event).collect();
            assert_eq!(format!("{stored:?}"), format!("{expected:?}"));
        };
        let mut sqlite = crate::db::establish("sqlite://:memory:").unwrap();
        crate::db::migrate(&mut sqlite).unwrap();
        // The rows name no invitation that exists: references are not what is tested here (on
        // PostgreSQL the evidence's reference is unchecked anyway).
        diesel::sql_query("PRAGMA foreign_keys = OFF").execute(&mut sqlite).unwrap();
        check(&mut sqlite);

        let Some(scratch) = ScratchPg::create("unnest") else { return };
        let mut conn = crate::db::establish(&scratch.url).unwrap();
        crate::db::migrate(&mut conn).unwrap();
        check(&mut conn);
        let prepared = prepared_statements(&mut conn, "INSERT INTO answer_events");
        assert_eq!(prepared.len(), 1, "{prepared:?}");
        assert!(
            prepared[0].ends_with("SELECT * FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"),
            "{prepared:?}"
        );
    }
}
