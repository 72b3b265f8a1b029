//! The command line as a user runs it: imports, surveys, the demo world.
mod common;

use common::{acht_cli as acht, acht_ok as ok};
use diesel::prelude::*;

fn count(url: &str, table: &str) -> i64 {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = acht::db::establish(url).unwrap();
    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}")).get_result::<N>(&mut conn).unwrap().n
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn csv_import_reports_bad_lines_and_writes_nothing_of_a_bad_file() {
    for (backend, url, _dir) in common::backends() {
        eprintln!("import on {backend:?}");
        let tmp = common::sqlite_url().1;
        common::cli_survey(&url, "service", "grade10");
        common::cli_survey(&url, "effort", "ces7");
        let customers = write(
            &tmp.0,
            "customers.csv",
            "customer_id,email,locale,first_seen_at,churned_at\n\
             C1,c1@example.test,nl,2023-01-01T00:00:00Z,\n\
             C2,c2@example.test,en,2023-02-01T00:00:00Z,2024-03-01T12:00:00Z\n\
             C3,,nl,2023-03-01T00:00:00Z,\n",
        );
        let out = ok(&url, &["import", "customers", &customers]);
        assert!(out.contains("3 new"), "{out}");
        assert_eq!(count(&url, "customers"), 3);

        let bad = write(
            &tmp.0,
            "bad.csv",
            "customer_id,survey,score,answered_at,comment\n\
             C1,service,8,2023-05-01T10:00:00Z,Prima\n\
             C1,service,11,2023-05-01T10:00:00Z,\n\
             C2,nosuch,5,2023-05-01T10:00:00Z,\n\
             C2,effort,4,yesterday,\n\
             C9,effort,4,2023-05-01T10:00:00Z,\n\
             C3,effort,4\n",
        );
        let out = acht(&url, &["import", "responses", &bad]);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        for needle in
            ["line 3: score 11", "line 4: survey 'nosuch'", "line 5: answered_at", "line 6: customer 'C9'", "line 7"]
        {
            assert!(err.contains(needle), "'{needle}' in: {err}");
        }
        assert!(!err.contains("line 2"), "the good line is not reported: {err}");
        assert_eq!(count(&url, "responses"), 0, "nothing of a failed import is written");

        let good = write(
            &tmp.0,
            "good.csv",
            "customer_id,survey,score,answered_at,comment\n\
             C1,service,8,2023-05-01T10:00:00Z,\"Snel, en \"\"vriendelijk\"\"\"\n\
             C2,effort,2,2023-06-01T10:00:00Z,\n",
        );
        let out = ok(&url, &["import", "responses", &good]);
        assert!(out.contains("imported 2 responses"), "{out}");
        let mut conn = acht::db::establish(&url).unwrap();
        use acht::db::schema::responses::dsl::*;
        let stored: Vec<Option<String>> = responses.select(comment).order(score.desc()).load(&mut conn).unwrap();
        assert_eq!(stored, vec![Some("Snel, en \"vriendelijk\"".to_string()), None]);

        let header = write(&tmp.0, "header.csv", "who,what\nC1,8\n");
        let out = acht(&url, &["import", "responses", &header]);
        assert!(String::from_utf8_lossy(&out.stderr).contains("line 1: expected header"));
    }
}

#[test]
fn the_demo_world_is_deterministic_by_seed() {
    let (a, _da) = common::sqlite_url();
    let (b, _db) = common::sqlite_url();
    let out_a = ok(&a, &["demo", "--customers", "1500", "--seed", "3"]);
    let out_b = ok(&b, &["demo", "--customers", "1500", "--seed", "3"]);
    assert_eq!(out_a, out_b);
    assert_eq!(count(&a, "customers"), 1500);
    assert!(count(&a, "responses") > 3000);
    let surveys = ok(&a, &["survey", "list"]);
    assert!(surveys.contains("service\tgrade10") && surveys.contains("effort\tces7"), "{surveys}");
}

#[test]
fn unknown_scales_and_duplicate_surveys_are_refused_clearly() {
    let (url, _d) = common::sqlite_url();
    let out = acht(
        &url,
        &["survey", "create", "--slug", "x", "--scale", "grade11", "--question-nl", "a", "--question-en", "b"],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown value 'grade11'") && err.contains("grade10, ces7, nps11, csat5"), "{err}");
    common::cli_survey(&url, "x", "nps11");
    let out = acht(
        &url,
        &["survey", "create", "--slug", "x", "--scale", "nps11", "--question-nl", "a", "--question-en", "b"],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
}

#[test]
fn analysis_inputs_load_in_one_query_per_table_on_both_backends() {
    for (backend, url, _dir) in common::backends() {
        eprintln!("analysis inputs on {backend:?}");
        let tmp = common::sqlite_url().1;
        common::cli_service_survey(&url);
        let customers = write(
            &tmp.0,
            "c.csv",
            "customer_id,email,locale,first_seen_at,churned_at\nA,,nl,2023-01-01T00:00:00Z,2024-01-01T00:00:00Z\nB,,en,2023-01-01T00:00:00Z,\nC,,nl,2023-01-01T00:00:00Z,\n",
        );
        ok(&url, &["import", "customers", &customers]);
        let responses = write(
            &tmp.0,
            "r.csv",
            "customer_id,survey,score,answered_at,comment\nB,service,9,2023-03-01T00:00:00Z,\nA,service,6,2023-02-01T00:00:00Z,\nA,service,7,2023-01-15T00:00:00Z,\n",
        );
        ok(&url, &["import", "responses", &responses]);
        let mut conn = acht::db::establish(&url).unwrap();
        let data = acht::domain::retention::load(&mut conn, "service", i64::MAX).unwrap();
        assert_eq!(data.customers.len(), 2, "only customers who answered");
        assert_eq!(data.responses.len(), 3);
        let a = data.customers.iter().find(|c| c.churned_at.is_some()).unwrap();
        let a_scores: Vec<i32> = data.responses.iter().filter(|r| r.customer_id == a.id).map(|r| r.score).collect();
        assert_eq!(a_scores, vec![7, 6], "in time order");
    }
}
