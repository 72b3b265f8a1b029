//! The command line as a user runs it: imports, surveys, the demo world.
use crate::common;

use crate::common::{acht_cli as acht, acht_ok as ok};
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
    for database in common::databases() {
        let backend = database.backend;
        let url = database.url.clone();
        eprintln!("import on {backend:?}");
        let tmp = common::scratch();
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
    let _da = common::sqlite();
    let a = _da.url.clone();
    let _db = common::sqlite();
    let b = _db.url.clone();
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
    let _d = common::sqlite();
    let url = _d.url.clone();
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
    for database in common::databases() {
        let backend = database.backend;
        let url = database.url.clone();
        eprintln!("analysis inputs on {backend:?}");
        let tmp = common::scratch();
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

/// A quoted field may span lines (a comment typed with Enter): the bad line named is the file's
/// line, not the record's number, in both imports.
#[test]
fn bad_lines_after_a_multi_line_field_are_named_by_their_file_line() {
    let database = common::sqlite();
    let url = database.url.clone();
    let dir = common::scratch();
    common::cli_service_survey(&url);
    let customers = write(
        &dir.0,
        "customers.csv",
        "customer_id,email,locale,first_seen_at,churned_at\n\
         C1,c1@example.test,nl,2023-01-01T00:00:00Z,\n\
         \"C\n2\",c2@example.test,nl,2023-01-01T00:00:00Z,\n\
         C3,c3@example.test,xx,2023-01-01T00:00:00Z,\n\
         C4,c4@example.test,nl,not-a-time,\n",
    );
    let out = acht(&url, &["import", "customers", &customers]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("line 5: locale 'xx'") && err.contains("line 6: first_seen_at"), "{err}");
    assert_eq!(err.matches("line ").count(), 2, "only the two bad lines: {err}");

    let customers = write(
        &dir.0,
        "good-customers.csv",
        "customer_id,email,locale,first_seen_at,churned_at\nC1,c1@example.test,nl,2023-01-01T00:00:00Z,\n",
    );
    ok(&url, &["import", "customers", &customers]);
    let responses = write(
        &dir.0,
        "responses.csv",
        "customer_id,survey,score,answered_at,comment\n\
         C1,service,8,2023-05-01T10:00:00Z,\"Eerste regel,\ntweede regel\nderde regel\"\n\
         C1,service,11,2023-05-02T10:00:00Z,\n\
         C1,service,7,2023-05-03T10:00:00Z,\"nog een\r\nmet CR LF\"\n\
         C1,service,x,2023-05-04T10:00:00Z,\n",
    );
    let out = acht(&url, &["import", "responses", &responses]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 5: score 11") && err.contains("line 8: score 'x'"), "{err}");
    assert_eq!(err.matches("line ").count(), 2, "only the two bad lines: {err}");
    assert_eq!(count(&url, "responses"), 0);
}

/// Times in an import lie between 2000-01-01 and a day from now (`--time-ahead-hours`): a
/// time before 2000 or past the tolerance is a line error naming its field, and nothing is
/// imported; with `--time-ahead-hours 0`, an hour ahead is refused too.
#[test]
fn import_times_outside_2000_to_a_day_ahead_are_line_errors() {
    let database = common::sqlite();
    let url = database.url.clone();
    let dir = common::scratch();
    let at = |hours: i64| (chrono::Utc::now() + chrono::Duration::hours(hours)).to_rfc3339();
    let customers = write(
        &dir.0,
        "customers.csv",
        &format!(
            "customer_id,email,locale,first_seen_at,churned_at\n\
             C1,c1@example.test,nl,2023-01-01T00:00:00Z,\n\
             C2,c2@example.test,nl,1999-12-30T23:59:59Z,\n\
             C3,c3@example.test,nl,{},\n\
             C4,c4@example.test,nl,2023-01-01T00:00:00Z,{}\n\
             C5,c5@example.test,nl,{},\n",
            at(25),
            at(48),
            at(1)
        ),
    );
    let out = acht(&url, &["import", "customers", &customers]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    for named in ["line 3: first_seen_at", "line 4: first_seen_at", "line 5: churned_at"] {
        assert!(err.contains(named), "{named}: {err}");
    }
    assert!(err.contains("between 2000-01-01 and 24 hours from now"), "{err}");
    assert_eq!(err.matches("line ").count(), 3, "an hour ahead is taken: {err}");
    assert_eq!(count(&url, "customers"), 0);
    let out = acht(&url, &["--time-ahead-hours", "0", "import", "customers", &customers]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 6: first_seen_at"), "with no tolerance an hour ahead is refused: {err}");

    common::cli_service_survey(&url);
    let good = write(
        &dir.0,
        "good.csv",
        "customer_id,email,locale,first_seen_at,churned_at\nC1,c1@example.test,nl,2023-01-01T00:00:00Z,\n",
    );
    ok(&url, &["import", "customers", &good]);
    let responses = write(
        &dir.0,
        "responses.csv",
        &format!(
            "customer_id,survey,score,answered_at,comment\nC1,service,8,{},\nC1,service,8,0001-01-01T00:00:00Z,\n",
            at(30)
        ),
    );
    let out = acht(&url, &["import", "responses", &responses]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 2: answered_at") && err.contains("line 3: answered_at"), "{err}");
    assert_eq!(count(&url, "responses"), 0);
}

/// `acht mail status | head`: a reader that goes away ends the command quietly (SIGPIPE, as
/// other Unix tools), never with a panic and a backtrace.
#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    use std::os::unix::process::ExitStatusExt;
    let database = common::sqlite();
    let url = database.url.clone();
    common::cli_survey(&url, "service", "grade10");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_acht"))
        .env("DATABASE_URL", &url)
        .args(["survey", "list"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked") && !stderr.contains("Broken pipe"), "{stderr}");
    const SIGPIPE: i32 = 13;
    assert!(out.status.success() || out.status.signal() == Some(SIGPIPE), "{:?}", out.status);
}

/// `acht user disable|enable|set-role|reset-password`: what the Users page does, for a shell.
#[test]
fn accounts_are_managed_from_the_command_line() {
    let database = common::sqlite();
    let url = database.url.clone();
    ok(&url, &["user", "create", "--email", "ana@acme.example", "--role", "analyst"]);
    assert!(ok(&url, &["user", "disable", "ana@acme.example"]).contains("disabled ana@acme.example"));
    assert!(
        ok(&url, &["user", "list"]).contains("ana@acme.example\tanalyst\t")
            && ok(&url, &["user", "list"]).contains("disabled")
    );
    ok(&url, &["user", "enable", "ana@acme.example"]);
    assert!(!ok(&url, &["user", "list"]).contains("disabled"));
    assert!(ok(&url, &["user", "set-role", "ana@acme.example", "admin"]).contains("is now admin"));
    let out = ok(&url, &["user", "reset-password", "ana@acme.example"]);
    assert!(out.contains("password (shown once): "), "{out}");
    let missing = common::acht_cli(&url, &["user", "disable", "nobody@acme.example"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("not found"));
}
