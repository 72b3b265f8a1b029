//! Kill the server with SIGKILL in the middle of a recording load: every answer that got a
//! success response must be in the database afterwards.
use crate::common;

use acht::domain::answers;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_answers_survive_sigkill() {
    for database in common::databases() {
        let backend = database.backend;
        let url = database.url.clone();
        eprintln!("SIGKILL durability on {backend:?}");
        kill_during_load(&url).await;
    }
}

async fn kill_during_load(url: &str) {
    common::cli_service_survey(url);
    let key = common::acht_ok(url, &["apikey", "create", "crash"]).trim().to_string();
    let mut server = common::server::Server::start(url, &[]);
    let base = server.base.clone();
    let client = reqwest::Client::new();
    let batch: Vec<Value> = (0..1000)
        .map(|i| json!({"id": format!("k{i}"), "touchpoint": "support", "customer": {"id": format!("kc{i}"), "email": format!("k{i}@example.test")}}))
        .collect();
    let r: Value = client
        .post(format!("{base}/api/v1/interactions/batch"))
        .bearer_auth(&key)
        .json(&json!({ "interactions": batch }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let links: Vec<(String, i64)> = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, res)| {
            let score = (i % 10 + 1) as i64;
            (res["invitation"]["score_urls"][score as usize - 1]["url"].as_str().unwrap().to_string(), score)
        })
        .collect();

    let acked: Arc<Mutex<Vec<(String, i64)>>> = Arc::default();
    let mut clients = vec![];
    for chunk in links.chunks(links.len() / 32) {
        let chunk = chunk.to_vec();
        let acked = acked.clone();
        let client = client.clone();
        clients.push(tokio::spawn(async move {
            for (link, score) in chunk {
                match client.get(&link).send().await {
                    Ok(r) if r.status().is_success() => acked.lock().unwrap().push((link, score)),
                    _ => break,
                }
            }
        }));
    }
    // Kill once a good part of the load was acknowledged, while the rest is in flight.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while acked.lock().unwrap().len() < links.len() / 4 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    server.kill(); // SIGKILL
    for c in clients {
        let _ = c.await;
    }
    let acked = acked.lock().unwrap().clone();
    assert!(!acked.is_empty(), "some answers were acknowledged before the kill");
    assert!(acked.len() < links.len(), "the kill came in the middle of the load");
    let mut conn = acht::db::establish(url).unwrap();
    for (link, score) in &acked {
        let token = link.rsplit('/').nth(1).unwrap();
        let invite = answers::find(&mut conn, token).unwrap();
        let response = invite.response.unwrap_or_else(|| panic!("acknowledged answer for {link} was lost"));
        assert_eq!(i64::from(response.score), *score);
    }
    eprintln!("{} acknowledged answers, all stored; killed with {} unanswered", acked.len(), links.len() - acked.len());
}
