//! Concurrent writers on one database answer no error for valid requests: batches that name the
//! same customers and interactions in different orders (which deadlocked on PostgreSQL), and
//! many answers to one survey on one day (which all update the same counters).
use crate::common::{self, TestApp};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde_json::{json, Value};

const CLIENTS: usize = 4;
const BATCHES: usize = 5;
const BATCH: usize = 250;
const POOL: usize = 300;

/// Four clients each send five batches of 250 interactions at once. Every batch names customers
/// from one pool of 300 in its own random order, with an address that changes per batch (so
/// known customers are updated, not only read), and a fifth of its interactions are ids other
/// clients send too. Every request is answered 200, every interaction is stored once, and each
/// client's answer for a shared id is the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn overlapping_batches_all_succeed() {
    on_every_backend!(overlapping_batches_on);
}

async fn overlapping_batches_on(app: &TestApp) {
    app.create_survey("service", "grade10", &["support"]).await;
    let mut clients = tokio::task::JoinSet::new();
    for client in 0..CLIENTS {
        let (http, url, key) = (app.client.clone(), app.url("/api/v1/interactions/batch"), app.api_key.clone());
        clients.spawn(async move {
            let mut rng = rand::rngs::StdRng::seed_from_u64(client as u64);
            let mut shared_answers = Vec::new();
            for batch in 0..BATCHES {
                let mut pool: Vec<usize> = (0..POOL).collect();
                pool.shuffle(&mut rng);
                let items: Vec<Value> = pool[..BATCH]
                    .iter()
                    .enumerate()
                    .map(|(k, &c)| {
                        // Every fifth interaction is one all clients send in this batch round.
                        let id = if k % 5 == 0 { format!("shared-{batch}-{c}") } else { format!("own-{client}-{batch}-{k}") };
                        json!({"id": id, "touchpoint": "support",
                               "customer": {"id": format!("c-{c}"), "email": format!("c{c}.b{batch}@example.com"), "locale": "nl"}})
                    })
                    .collect();
                let r = http.post(&url).bearer_auth(&key).json(&json!({"interactions": items})).send().await.unwrap();
                let status = r.status();
                let body: Value = r.json().await.unwrap();
                assert_eq!(status, 200, "client {client}, batch {batch}: {body}");
                for (item, result) in items.iter().zip(body["results"].as_array().unwrap()) {
                    if item["id"].as_str().unwrap().starts_with("shared-") {
                        shared_answers.push((item["id"].clone(), result["decision"].clone()));
                    }
                }
            }
            shared_answers
        });
    }
    let mut decisions = std::collections::HashMap::new();
    while let Some(done) = clients.join_next().await {
        for (id, decision) in done.expect("client") {
            let first = decisions.entry(id.to_string()).or_insert_with(|| decision.clone());
            assert_eq!(*first, decision, "{id}: one decision for an interaction, whoever asked");
        }
    }
    let (interactions, customers) = app
        .db
        .read(|c| {
            use acht::db::schema::{customers, interactions};
            use diesel::prelude::*;
            let i: i64 = interactions::table.count().get_result(c)?;
            let k: i64 = customers::table.count().get_result(c)?;
            Ok::<_, acht::db::DbError>((i, k))
        })
        .await
        .unwrap();
    let own = CLIENTS * BATCHES * (BATCH - BATCH.div_ceil(5));
    let shared = decisions.len();
    assert_eq!(interactions as usize, own + shared, "each interaction stored once");
    assert!(customers as usize <= POOL, "each customer stored once: {customers}");
    common::assert_rollups_rebuild_equal(app).await;
}

const ANSWERS: usize = 400;
const ANSWERING: usize = 16;

/// 400 customers answer one survey on one day at once, 16 at a time, by the form (counted at
/// once): every post is answered 200, each answer counts once, and after every one changes its
/// score (a delta below zero for the old score) the figures, folded or not, equal a rebuild.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_answers_to_one_survey_on_one_day_all_count() {
    on_every_backend!(many_answers_on);
}

async fn many_answers_on(app: &TestApp) {
    answer_at_once(app, app).await;
}

/// Two instances on one PostgreSQL take the answers in turn while both fold the rollup changes
/// at the same moments: nothing is folded twice or lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_take_answers_and_fold_at_once() {
    let Some(database) = common::postgres() else { return };
    let second = database.second_instance();
    let off = |s: &mut acht::config::Settings| s.jobs = acht::config::Switch::Off;
    let a = TestApp::spawn_with(database, off).await;
    let b = TestApp::spawn_with(second, off).await;
    answer_at_once(&a, &b).await;
}

async fn answer_at_once(a: &TestApp, b: &TestApp) {
    a.create_survey("service", "grade10", &["support"]).await;
    let items: Vec<Value> = (0..ANSWERS)
        .map(|k| {
            let (channel, plan) = (["phone", "chat"][k % 2], ["basic", "pro"][k % 2]);
            json!({"id": format!("i{k}"), "touchpoint": "support", "channel": channel,
                   "customer": {"id": format!("c{k}"), "email": format!("c{k}@example.com"), "locale": "nl",
                                "attributes": {"plan": plan}}})
        })
        .collect();
    let r = a.post_json("/api/v1/interactions/batch", &json!({"interactions": items})).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    let pages: Vec<String> = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| common::path_of(o["invitation"]["survey_url"].as_str().expect("invited")))
        .collect();
    let survey_id = a.db.read(|c| acht::domain::surveys::get(c, "service")).await.unwrap().id;
    for round in 0..2 {
        let mut answering = tokio::task::JoinSet::new();
        for worker in 0..ANSWERING {
            let mine: Vec<(String, String)> = pages
                .iter()
                .enumerate()
                .filter(|(k, _)| k % ANSWERING == worker)
                .map(|(k, page)| {
                    let app = if k % 2 == 0 { a } else { b };
                    (app.url(page), (1 + (k + round * 3) % 10).to_string())
                })
                .collect();
            let client = a.client.clone();
            answering.spawn(async move {
                for (url, score) in mine {
                    let r = client.post(&url).form(&[("score", score.as_str())]).send().await.unwrap();
                    assert_eq!(r.status(), 200, "{url}: {}", r.text().await.unwrap());
                }
            });
        }
        // Both instances fold while the answers come in.
        while !answering.is_empty() {
            tokio::join!(acht::jobs::fold_rollups(&a.state), acht::jobs::fold_rollups(&b.state));
            if let Some(done) = answering.try_join_next() {
                done.expect("answers");
            } else {
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
        }
        let filter = acht::domain::figures::Filter { from_day: 0, to_day: i64::MAX / 2, ..Default::default() };
        let f = filter.clone();
        let seen = a.db.read(move |c| acht::domain::figures::days(c, survey_id, &f)).await.unwrap();
        assert_eq!(seen.values().map(|d| d.answers()).sum::<u64>(), ANSWERS as u64, "round {round}: each answer once");
        assert_eq!(seen.values().map(|d| d.responded).sum::<u64>(), ANSWERS as u64);
        common::assert_rollups_rebuild_equal(a).await;
        tokio::join!(acht::jobs::fold_rollups(&a.state), acht::jobs::fold_rollups(&b.state));
        let left = a.db.read(acht::domain::rollups::has_deltas).await.unwrap();
        assert!(!left, "round {round}: everything folded");
        let f = filter.clone();
        let folded = a.db.read(move |c| acht::domain::figures::days(c, survey_id, &f)).await.unwrap();
        assert_eq!(seen, folded, "round {round}: the same figures before and after the fold");
        common::assert_rollups_rebuild_equal(a).await;
    }
}

/// On PostgreSQL the answers that arrive while a writer is busy are committed together (fewer
/// transactions than answers: rows committed at once share their `xmin`), and a forged link in
/// such a group fails alone: every genuine click is stored with its score, every forged one
/// gets the friendly 404. With the group writers switched off (`db_answer_writers = 0`) every
/// answer is its own transaction, which this test tells apart.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn answers_on_postgresql_commit_in_groups_and_a_forged_link_fails_alone() {
    let Some(database) = common::postgres() else { return };
    let app = TestApp::spawn(database).await;
    app.create_survey("service", "grade10", &["support"]).await;
    const N: usize = 240;
    let items: Vec<Value> = (0..N)
        .map(|k| {
            json!({"id": format!("g{k}"), "touchpoint": "support",
                        "customer": {"id": format!("g{k}"), "email": format!("g{k}@example.com")}})
        })
        .collect();
    let r = app.post_json("/api/v1/interactions/batch", &json!({"interactions": items})).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    // Each customer clicks score (k % 10) + 1; every fourth link is also tried forged (its
    // token's last hex digit changed: the id of a real invitation with a wrong signature).
    let mut clicks: Vec<(String, Option<i32>)> = Vec::new();
    for (k, o) in body["results"].as_array().unwrap().iter().enumerate() {
        let score = (k % 10) as i32 + 1;
        let path = common::path_of(o["invitation"]["score_urls"][k % 10]["url"].as_str().expect("invited"));
        if k % 4 == 0 {
            let (token, rest) = path.trim_start_matches("/s/").split_once('/').unwrap();
            let last = token.chars().last().unwrap();
            let forged = format!("{}{}", &token[..token.len() - 1], if last == '0' { '1' } else { '0' });
            clicks.push((format!("/s/{forged}/{rest}"), None));
        }
        clicks.push((path, Some(score)));
    }
    let mut answering = tokio::task::JoinSet::new();
    for worker in 0..32 {
        let mine: Vec<(String, Option<i32>)> = clicks.iter().skip(worker).step_by(32).cloned().collect();
        let (client, base) = (app.client.clone(), app.url(""));
        answering.spawn(async move {
            for (path, score) in mine {
                let r = client.get(format!("{base}{path}")).send().await.unwrap();
                let want = if score.is_some() { 200 } else { 404 };
                assert_eq!(r.status(), want, "{path}");
            }
        });
    }
    while let Some(done) = answering.join_next().await {
        done.expect("clicks");
    }
    let (stored, transactions) = app
        .db
        .read(|c| {
            use diesel::RunQueryDsl;
            #[derive(diesel::QueryableByName)]
            struct Row {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                answers: i64,
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                transactions: i64,
            }
            let r: Row = diesel::sql_query(
                "SELECT count(*) AS answers, count(DISTINCT xmin::text) AS transactions FROM responses",
            )
            .get_result(c)
            .map_err(acht::db::DbError::from)?;
            Ok::<_, acht::db::DbError>((r.answers as usize, r.transactions as usize))
        })
        .await
        .unwrap();
    eprintln!("{N} answers committed in {transactions} transactions");
    assert_eq!(stored, N, "every genuine click stored once, no forged one");
    assert!(transactions * 4 <= N * 3, "{N} answers were committed in {transactions} transactions: not grouped");
    let scores: Vec<(String, i32)> = app
        .db
        .read(|c| {
            use acht::db::schema::{customers, responses};
            use diesel::prelude::*;
            responses::table
                .inner_join(customers::table)
                .select((customers::external_id, responses::score))
                .load(c)
                .map_err(acht::db::DbError::from)
        })
        .await
        .unwrap();
    for (customer, score) in scores {
        let k: usize = customer.trim_start_matches('g').parse().unwrap();
        assert_eq!(score, (k % 10) as i32 + 1, "{customer}'s own score");
    }
    common::assert_rollups_rebuild_equal(&app).await;
}

/// A batch of answers that change already stored ones (a person's form post after their
/// click) is written back in statements of 128 rows: 130 answers, half with a comment, are all
/// stored as the form sent them, and those without a comment keep none (NULL).
#[tokio::test]
async fn a_batch_of_changed_answers_is_written_back_whole() {
    on_every_backend!(changed_answers_written_back);
}

async fn changed_answers_written_back(app: &TestApp) {
    use acht::domain::answers::{record_batch, Answer, Sender, Signalled};
    app.create_survey("service", "grade10", &["support"]).await;
    const N: usize = 130;
    let items: Vec<Value> = (0..N)
        .map(|k| json!({"id": format!("w{k}"), "touchpoint": "support", "customer": {"id": format!("w{k}"), "email": format!("w{k}@example.com")}}))
        .collect();
    let body: Value =
        app.post_json("/api/v1/interactions/batch", &json!({"interactions": items})).await.json().await.unwrap();
    let mut tokens = Vec::new();
    for o in body["results"].as_array().unwrap() {
        let path = common::path_of(o["invitation"]["score_urls"][7]["url"].as_str().expect("invited"));
        assert_eq!(app.client.get(app.url(&path)).send().await.unwrap().status(), 200, "clicked 8");
        tokens.push(path.trim_start_matches("/s/").split_once('/').unwrap().0.to_string());
    }
    let now = app.clock.now() + 5_000;
    let batch: Vec<Signalled> = tokens
        .iter()
        .enumerate()
        .map(|(k, token)| Signalled {
            token: token.clone(),
            answer: Answer { score: Some(3), comment: (k % 2 == 0).then(|| format!("comment {k}")) },
            signal: acht::types::Signal::Form,
            sender: Sender {
                address: Some("192.0.2.1".into()),
                user_agent: Some("a phone".into()),
                ..Sender::default()
            },
            visible_ms: None,
            now,
            rules: Default::default(),
        })
        .collect();
    let results = app.db.write(move |c| record_batch(c, &batch)).await.unwrap();
    assert!(results.iter().all(Result::is_ok), "every answer taken: {results:?}");
    let stored: Vec<(i32, Option<String>, acht::types::AnswerState)> = app
        .db
        .read(|c| {
            use acht::db::schema::responses::dsl::*;
            use diesel::prelude::*;
            responses.order(id).select((score, comment, state)).load(c).map_err(acht::domain::DomainError::from)
        })
        .await
        .unwrap();
    assert_eq!(stored.len(), N);
    assert!(stored.iter().all(|(s, _, st)| *s == 3 && *st == acht::types::AnswerState::Counted), "{stored:?}");
    let mut comments: Vec<String> = stored.iter().filter_map(|(_, c, _)| c.clone()).collect();
    comments.sort();
    let mut expected: Vec<String> = (0..N).filter(|k| k % 2 == 0).map(|k| format!("comment {k}")).collect();
    expected.sort();
    assert_eq!(comments, expected, "the comments sent, and none where none was sent");
}
