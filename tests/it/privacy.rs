//! A customer's right of access: the export (API and command line) holds every row of every
//! table that names the customer (their id, their invitations' ids, their external id or
//! address in any column), and nothing of anyone else's. The rows are found by scanning every
//! column of every table, not by the export's own queries.
use crate::common::smtp::SmtpServer;
use crate::common::{self, TestApp};
use acht::config::{Settings, Switch};
use acht::jobs::worker::Delivery;
use acht::mail::Mailer;
use diesel::RunQueryDsl;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const HOUR_MS: i64 = 3_600_000;

fn mail_settings(s: &mut Settings, smtp_url: &str) {
    s.smtp_url = Some(smtp_url.to_string());
    s.mail_from = Some("Acme Support <survey@acme.example>".into());
    s.company_name = Some("Acme".into());
    s.jobs = Switch::Off;
}

/// An app that mails to `smtp`, and its outbox sender (run by hand).
async fn app_mailing_to(database: common::Database, smtp: &SmtpServer) -> (TestApp, Delivery) {
    let app = TestApp::spawn_with(database, |s| mail_settings(s, &smtp.url())).await;
    let mut settings = Settings::for_database(&app.database_url);
    mail_settings(&mut settings, &smtp.url());
    let delivery = Delivery::new(&app.state, Mailer::from_settings(&settings).unwrap(), &settings);
    (app, delivery)
}

#[tokio::test]
async fn an_export_holds_every_row_that_names_the_customer() {
    for database in common::databases() {
        let Some(smtp) = SmtpServer::start() else { return };
        let (app, delivery) = app_mailing_to(database, &smtp).await;
        export_scenario(&app, &delivery).await;
    }
}

async fn export_scenario(app: &TestApp, delivery: &Delivery) {
    app.create_survey("service", "grade10", &["support", "billing"]).await;
    // Two customers with the same kind of history: c1's export must hold c1's and only c1's.
    let mut links = BTreeMap::new();
    for c in ["c1", "c2"] {
        let first = app.report(&format!("{c}-a"), c, "support", "nl").await;
        app.report(&format!("{c}-b"), c, "billing", "nl").await; // throttled by fatigue: stored all the same
        links.insert(c, first["invitation"]["score_urls"][3]["url"].as_str().unwrap().to_string());
        let r = app.post_json(&format!("/api/v1/customers/{c}/events"), &json!({"kind": "churn"})).await;
        assert!(r.status().is_success());
    }
    app.clock.advance_ms(HOUR_MS + 1000);
    assert_eq!(delivery.deliver_due().await.sent, 2, "both survey emails sent");
    for (c, link) in &links {
        let r = app.client.get(link).send().await.unwrap();
        assert_eq!(r.status(), 200, "{c} clicks a score");
        let page = common::path_of(link);
        let form = page.rsplit_once('/').unwrap().0.to_string();
        let r = app.client.post(app.url(&form)).form(&[("score", "4"), ("comment", "te traag")]).send().await.unwrap();
        assert_eq!(r.status(), 200, "{c} sends a comment");
    }

    // Their score 4 opens a follow-up each; an analyst notes c1's, naming their address.
    acht::jobs::fan_out(&app.state).await;
    let open: Vec<Value> = app.get_json("/api/v1/followups").await.json().await.unwrap();
    assert_eq!(open.len(), 2);
    let c1s = open.iter().find(|f| f["customer"] == "c1").unwrap()["id"].as_str().unwrap().to_string();
    let r = app
        .client
        .patch(app.url(&format!("/api/v1/followups/{c1s}")))
        .bearer_auth(&app.api_key)
        .json(&json!({"note": "Mailed c1@example.test: no answer yet"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let r = app.get_json("/api/v1/customers/c1/export").await;
    assert_eq!(r.status(), 200);
    let export: Value = r.json().await.unwrap();
    assert_eq!(export["customer"]["external_id"], "c1");

    let mentions = rows_naming(app, "c1").await;
    let section = |table: &str| match table {
        "customers" => Some("customer"),
        "customer_events" => Some("events"),
        "interactions" => Some("interactions"),
        "invitations" => Some("invitations"),
        "responses" => Some("answers"),
        "answer_events" => Some("answer_events"),
        "jobs" => Some("emails"),
        "job_attempts" => Some("email_attempts"),
        "audit_log" => Some("access_log"),
        "events" => Some("domain_events"),
        "followups" => Some("followups"),
        "followup_log" => Some("followup_log"),
        _ => None,
    };
    for (table, ids) in &mentions {
        let key = section(table).unwrap_or_else(|| panic!("table {table} names c1, and the export leaves it out"));
        let exported: Vec<String> = match &export[key] {
            Value::Array(rows) => rows.iter().map(|r| r["id"].to_string()).collect(),
            row => vec![row["id"].to_string()],
        };
        let mut exported = exported;
        exported.sort();
        assert_eq!(&exported, ids, "{table}: the export's rows are the rows that name c1");
    }
    for table in [
        "customers",
        "customer_events",
        "interactions",
        "invitations",
        "responses",
        "answer_events",
        "jobs",
        "job_attempts",
        "events",
        "followups",
        "followup_log",
    ] {
        assert!(mentions.contains_key(table), "c1 has rows in {table} (the scenario left some)");
    }
    assert_eq!(export["interactions"].as_array().unwrap().len(), 2);
    assert_eq!(export["answers"][0]["comment"], "te traag");
    assert!(export["invitations"][0].get("token_hash").is_none(), "no token hash in an export");
    assert_eq!(export["access_log"][0]["actor"], "API key test", "this download, recorded before it was read");
    assert_eq!(export["access_log"][0]["action"], "customer_exported");

    // The command line prints the same rows.
    let cli: Value = serde_json::from_str(&common::acht_ok(&app.database_url, &["customer", "export", "c1"])).unwrap();
    for key in [
        "events",
        "interactions",
        "invitations",
        "answers",
        "answer_events",
        "emails",
        "email_attempts",
        "domain_events",
        "followups",
        "followup_log",
    ] {
        assert_eq!(cli[key], export[key], "{key}: the command line and the API agree");
    }
    let unknown = app.get_json("/api/v1/customers/nobody/export").await;
    assert_eq!(unknown.status(), 404);
}

#[derive(diesel::QueryableByName)]
struct Column {
    #[diesel(sql_type = diesel::sql_types::Text)]
    t: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    c: String,
}

/// Every column of every table (SQLite: full-text index tables and their shadow tables too),
/// by table and column name.
fn columns(c: &mut acht::db::DbConn) -> Result<Vec<Column>, acht::db::DbError> {
    let pg = matches!(c, acht::db::DbConn::Pg(_));
    Ok(diesel::sql_query(if pg {
        "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns \
         WHERE table_schema = 'public' ORDER BY 1, 2"
    } else {
        "SELECT m.name AS t, p.name AS c FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY 1, 2"
    })
    .load(c)?)
}

#[derive(diesel::QueryableByName)]
struct Id {
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: String,
}

/// For every table with a row naming the customer in any column (their id, an invitation's or a
/// follow-up's id as a whole value, their external id, or their address anywhere in a text), the ids of
/// those rows, sorted. Full-text index tables (copies of the answers) are left out.
async fn rows_naming(app: &TestApp, external_id: &str) -> BTreeMap<String, Vec<String>> {
    let external_id = external_id.to_string();
    app.db
        .read(move |c| {
            let columns: Vec<Column> =
                columns(c)?.into_iter().filter(|col| !col.t.contains("diesel") && !col.t.contains("fts")).collect();
            let who: Vec<Id> = diesel::sql_query(format!(
                "SELECT CAST(id AS TEXT) AS id FROM customers WHERE external_id = '{external_id}' \
                 UNION SELECT CAST(i.id AS TEXT) FROM invitations i JOIN customers k ON k.id = i.customer_id \
                 WHERE k.external_id = '{external_id}' \
                 UNION SELECT CAST(f.id AS TEXT) FROM followups f JOIN customers k ON k.id = f.customer_id \
                 WHERE k.external_id = '{external_id}'"
            ))
            .load(c)?;
            let values: Vec<String> =
                who.iter().map(|i| format!("'{}'", i.id)).chain([format!("'{external_id}'")]).collect();
            let mut by_table: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for col in &columns {
                by_table.entry(col.t.clone()).or_default().push(col.c.clone());
            }
            let mut out = BTreeMap::new();
            for (table, cols) in by_table {
                let named: Vec<String> = cols
                    .iter()
                    .map(|col| {
                        format!(
                            "CAST(\"{col}\" AS TEXT) IN ({}) OR CAST(\"{col}\" AS TEXT) LIKE '%{external_id}@example.test%'",
                            values.join(", ")
                        )
                    })
                    .collect();
                let key = if cols.iter().any(|c| c == "id") { "id" } else { &cols[0] };
                let mut ids: Vec<Id> = diesel::sql_query(format!(
                    "SELECT CAST(\"{key}\" AS TEXT) AS id FROM \"{table}\" WHERE {}",
                    named.join(" OR ")
                ))
                .load(c)?;
                if !ids.is_empty() {
                    ids.sort_by(|a, b| a.id.cmp(&b.id));
                    out.insert(table, ids.into_iter().map(|i| i.id).collect());
                }
            }
            Ok::<_, acht::db::DbError>(out)
        })
        .await
        .unwrap()
}

/// Erasure leaves none of the customer's personal data in any column of any table (full-text
/// index tables included): not their address, attributes, comment or browser, while their
/// scores still count. The audit log records it without any of those.
#[tokio::test]
async fn an_erasure_leaves_no_personal_data_in_any_table() {
    for database in common::databases() {
        let Some(smtp) = SmtpServer::start() else { return };
        let (app, delivery) = app_mailing_to(database, &smtp).await;
        erasure_scenario(&app, &delivery).await;
    }
}

const PERSONAL: [&str; 5] = ["e1@example.test", "Platinumkoopje", "Kerkstraat", "vreselijk traag", "ZeldzameBrowser"];

async fn erasure_scenario(app: &TestApp, delivery: &Delivery) {
    app.create_survey("service", "grade10", &["support"]).await;
    let item = json!({"id": "e1-a", "touchpoint": "support",
        "attributes": {"street": "Kerkstraat 1"},
        "customer": {"id": "e1", "email": "e1@example.test", "locale": "nl", "attributes": {"plan": "Platinumkoopje"}}});
    let r = app.post_json("/api/v1/interactions", &item).await;
    assert!(r.status().is_success());
    let out: Value = r.json().await.unwrap();
    app.clock.advance_ms(HOUR_MS + 1000);
    assert_eq!(delivery.deliver_due().await.sent, 1);
    let page = common::path_of(out["invitation"]["survey_url"].as_str().unwrap());
    let r = app
        .client
        .post(app.url(&page))
        .header("User-Agent", "Mozilla/5.0 ZeldzameBrowser/1.0")
        .form(&[("score", "2"), ("comment", "vreselijk traag")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // The 2 opens a follow-up, and an analyst's note names where the customer lives.
    acht::jobs::fan_out(&app.state).await;
    let open: Vec<Value> = app.get_json("/api/v1/followups").await.json().await.unwrap();
    let r = app
        .client
        .patch(app.url(&format!("/api/v1/followups/{}", open[0]["id"].as_str().unwrap())))
        .bearer_auth(&app.api_key)
        .json(&json!({"note": "Drove by the Kerkstraat: nobody home"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let before = cells_holding(app, &PERSONAL).await;
    assert!(before.iter().any(|(t, _, _)| t == "followup_log"), "the note holds the street: {before:?}");
    for word in PERSONAL {
        assert!(before.iter().any(|(_, _, w)| w == word), "{word} is stored before the erasure: {before:?}");
    }
    let r = app.client.delete(app.url("/api/v1/customers/e1")).bearer_auth(&app.api_key).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let after = cells_holding(app, &PERSONAL).await;
    assert!(after.is_empty(), "personal data left after the erasure (table, column, word): {after:?}");
    let open: Vec<Value> = app.get_json("/api/v1/followups").await.json().await.unwrap();
    assert!(open.is_empty(), "nobody is to call an erased customer: their follow-up closed");
    let closed: Vec<Value> = app.get_json("/api/v1/followups?state=closed").await.json().await.unwrap();
    assert_eq!(closed[0]["outcome"], "no_action");
    let answers = app.responses("").await;
    assert_eq!(answers["data"][0]["score"], 2, "the score stays: {answers}");
    let log: Vec<(String, String)> = app
        .db
        .read(|c| {
            use acht::db::schema::audit_log;
            use diesel::prelude::*;
            audit_log::table.select((audit_log::actor, audit_log::action)).load(c).map_err(acht::db::DbError::from)
        })
        .await
        .unwrap();
    assert_eq!(log, [("API key test".to_string(), "customer_erased".to_string())]);
}

/// Every (table, column, word) where a column of any table (full-text index tables too) holds
/// one of `words` anywhere in its text.
async fn cells_holding(app: &TestApp, words: &[&str]) -> Vec<(String, String, String)> {
    let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    app.db
        .read(move |c| {
            let columns = columns(c)?;
            let mut found = Vec::new();
            for col in &columns {
                for word in &words {
                    let ids: Vec<Id> = diesel::sql_query(format!(
                        "SELECT '1' AS id FROM \"{}\" WHERE CAST(\"{}\" AS TEXT) LIKE '%{word}%' LIMIT 1",
                        col.t, col.c
                    ))
                    .load(c)?;
                    if !ids.is_empty() {
                        found.push((col.t.clone(), col.c.clone(), word.clone()));
                    }
                }
            }
            Ok::<_, acht::db::DbError>(found)
        })
        .await
        .unwrap()
}
