//! Follow-ups in the app: the queue (open, mine, overdue, unassigned, closed; per survey and
//! touchpoint) and one follow-up's page, where an analyst assigns it, writes notes, records
//! what came of it and closes it. Every change goes through the domain, which logs who made it.
use super::{render, Chrome, SignedIn};
use crate::domain::followups::{self, Change, ListFilter, Listed, LogEntry, Queue};
use crate::domain::{surveys, users as accounts, DomainError};
use crate::types::{FollowupAction, FollowupOutcome, FollowupState, TextEnum};
use crate::view;
use crate::web::error::PageError;
use crate::web::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

/// Follow-ups on one page of the queue.
const SHOWN: i64 = 200;

#[derive(Deserialize, Default)]
pub struct QueueQuery {
    queue: Option<String>,
    survey: Option<String>,
    touchpoint: Option<String>,
}

/// One follow-up as a line of the queue (and of the customer's page).
pub struct Line {
    pub link: String,
    pub customer: String,
    pub customer_link: String,
    pub survey: String,
    pub touchpoint: String,
    pub score: i32,
    pub out_of: i32,
    pub reason: String,
    pub comment: String,
    pub opened: String,
    pub closed: Option<String>,
    pub overdue: bool,
    pub assignee: Option<String>,
    pub outcome: Option<&'static str>,
}

impl Line {
    pub fn new(f: &Listed, c: &Chrome, tz: chrono_tz::Tz, now: i64, overdue_days: i64) -> Line {
        let x = &f.followup;
        let reason = match x.previous_score {
            Some(p) if x.reason == crate::types::FollowupReason::Drop => c.t1("followup-reason-drop", "from", p),
            _ => c.t("followup-reason-low_score"),
        };
        Line {
            link: format!("/app/followups/{}", x.id),
            customer_link: super::customer_link(&f.customer),
            customer: f.customer.clone(),
            survey: f.survey_name.clone(),
            touchpoint: f.touchpoint.clone().unwrap_or_default(),
            score: x.score,
            out_of: f.scale.range().1,
            reason,
            comment: f.comment.clone().unwrap_or_default(),
            opened: view::datetime(x.opened_at, &c.l, tz),
            closed: x.closed_at.map(|t| view::datetime(t, &c.l, tz)),
            overdue: x.is_overdue(now, overdue_days),
            assignee: f.assignee.clone(),
            outcome: x.outcome.map(|o| o.as_str()),
        }
    }
}

#[derive(Template)]
#[template(path = "app/followups.html")]
struct QueuePage {
    c: Chrome,
    current: &'static str,
    /// What an empty list says (per queue).
    empty_note: String,
    tabs: Vec<(&'static str, String, u64, bool)>,
    surveys: Vec<(String, String)>,
    touchpoints: Vec<String>,
    survey: String,
    touchpoint: String,
    lines: Vec<Line>,
    overdue_days: i64,
}

fn queue_of(word: Option<&str>) -> Queue {
    match word {
        Some("mine") => Queue::Mine,
        Some("overdue") => Queue::Overdue,
        Some("unassigned") => Queue::Unassigned,
        Some("closed") => Queue::Closed,
        _ => Queue::Open,
    }
}

fn queue_word(q: Queue) -> &'static str {
    match q {
        Queue::Open => "open",
        Queue::Mine => "mine",
        Queue::Overdue => "overdue",
        Queue::Unassigned => "unassigned",
        Queue::Closed => "closed",
    }
}

/// `GET /app/followups`.
pub async fn queue(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed: SignedIn,
    q: web::Query<QueueQuery>,
) -> Result<HttpResponse, PageError> {
    let q = q.into_inner();
    let l = signed.locale.clone();
    let (now, overdue_days, me) = (state.now_ms(), state.followup_overdue_days, signed.user.id);
    let queue = queue_of(q.queue.as_deref());
    let survey_slug = q.survey.clone().filter(|s| !s.is_empty());
    let touchpoint = q.touchpoint.clone().filter(|s| !s.is_empty());
    let (all, rows, counts, mine) = state
        .db
        .read(move |c| {
            let all = surveys::list(c)?;
            let survey_id = survey_slug.as_ref().and_then(|s| all.iter().find(|x| &x.slug == s)).map(|x| x.id);
            let filter =
                ListFilter { queue, user_id: Some(me), survey_id, touchpoint, now, overdue_days, limit: SHOWN };
            let rows = followups::list(c, &filter)?;
            let counts = followups::counts(c, now, overdue_days)?;
            let mine = followups::open_of(c, me)?.len() as i64;
            Ok::<_, DomainError>((all, rows, counts, mine))
        })
        .await
        .map_err(|e| PageError::from_domain(e, l.clone()))?;
    let c = Chrome::new(&signed, "followups", &req);
    let tz = signed.user.tz();
    let lines = rows.iter().map(|f| Line::new(f, &c, tz, now, overdue_days)).collect();
    let mut touchpoints: Vec<String> = all.iter().flat_map(|s| s.touchpoints.get().clone()).collect();
    touchpoints.sort();
    touchpoints.dedup();
    let here = queue_word(queue);
    let tabs = vec![
        ("open", c.t("followups-open"), counts.open.max(0) as u64, here == "open"),
        ("mine", c.t("followups-mine"), mine.max(0) as u64, here == "mine"),
        ("overdue", c.t("followups-overdue"), counts.overdue.max(0) as u64, here == "overdue"),
        ("unassigned", c.t("followups-unassigned"), counts.unassigned.max(0) as u64, here == "unassigned"),
        ("closed", c.t("followups-closed"), counts.closed_recently.max(0) as u64, here == "closed"),
    ];
    Ok(render(QueuePage {
        current: here,
        empty_note: c.t(&format!("followups-none-{here}")),
        tabs,
        surveys: all.iter().map(|s| (s.slug.clone(), s.name.clone())).collect(),
        touchpoints,
        survey: q.survey.unwrap_or_default(),
        touchpoint: q.touchpoint.unwrap_or_default(),
        lines,
        overdue_days,
        c,
    }))
}

/// One line of a follow-up's history.
pub struct Step {
    pub at: String,
    pub actor: String,
    pub action: &'static str,
    pub assignee: Option<String>,
    pub outcome: Option<String>,
    pub note: Option<String>,
}

impl Step {
    pub fn new((e, assignee): &(LogEntry, Option<String>), l: &crate::i18n::Locale, tz: chrono_tz::Tz) -> Step {
        Step {
            at: view::datetime(e.at, l, tz),
            actor: e.actor.clone(),
            action: e.action.as_str(),
            assignee: assignee.clone().filter(|_| e.action == FollowupAction::Assigned),
            outcome: e.outcome.clone(),
            note: e.note.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "app/followup.html")]
struct FollowupPage {
    c: Chrome,
    line: Line,
    open: bool,
    steps: Vec<Step>,
    people: Vec<(String, bool)>,
    outcomes: Vec<&'static str>,
    saved: bool,
}

#[derive(Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

/// `GET /app/followups/{id}`.
pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed: SignedIn,
    id: web::Path<String>,
    q: web::Query<SavedQuery>,
) -> Result<HttpResponse, PageError> {
    let l = signed.locale.clone();
    let id: i64 = id.parse().map_err(|_| PageError::not_found(l.clone()))?;
    let (now, overdue_days) = (state.now_ms(), state.followup_overdue_days);
    let ((listed, log), users) = state
        .db
        .read(move |c| Ok::<_, DomainError>((followups::detail(c, id)?, accounts::list(c)?)))
        .await
        .map_err(|e| PageError::from_domain(e, l.clone()))?;
    let c = Chrome::new(&signed, "followups", &req);
    let tz = signed.user.tz();
    let assignee = listed.assignee.clone();
    let people = users
        .into_iter()
        .filter(|u| u.disabled_at.is_none())
        .map(|u| {
            let chosen = assignee.as_deref() == Some(u.email.as_str());
            (u.email, chosen)
        })
        .collect();
    let page = FollowupPage {
        line: Line::new(&listed, &c, tz, now, overdue_days),
        open: listed.followup.state == FollowupState::Open,
        steps: log.iter().map(|s| Step::new(s, &c.l, tz)).collect(),
        people,
        outcomes: FollowupOutcome::ALL.iter().map(|o| o.as_str()).collect(),
        saved: q.saved.is_some(),
        c,
    };
    Ok(render(page))
}

#[derive(Deserialize)]
pub struct ChangeForm {
    csrf: String,
    /// `assign`, `note`, `close` or `reopen`.
    action: String,
    #[serde(default)]
    assignee: Option<String>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    outcome: Option<String>,
}

/// `POST /app/followups/{id}`: one change from the page's forms, then back to the page.
pub async fn act(
    state: web::Data<AppState>,
    signed: SignedIn,
    id: web::Path<String>,
    form: web::Form<ChangeForm>,
) -> Result<HttpResponse, PageError> {
    signed.check_csrf(&form.csrf)?;
    let l = signed.locale.clone();
    let id: i64 = id.parse().map_err(|_| PageError::not_found(l.clone()))?;
    let form = form.into_inner();
    let note = form.note.filter(|n| !n.trim().is_empty());
    let change = match form.action.as_str() {
        "assign" => Change { assignee: Some(form.assignee.unwrap_or_default()), ..Change::default() },
        "note" => Change { note: Some(note.ok_or_else(|| PageError::bad_form(l.clone()))?), ..Change::default() },
        "close" => {
            let outcome = form.outcome.as_deref().and_then(|o| FollowupOutcome::parse(o).ok());
            let outcome = outcome.ok_or_else(|| PageError::bad_form(l.clone()))?;
            Change { note, outcome: Some(outcome), ..Change::default() }
        }
        "reopen" => Change { state: Some(followups::Reopen::Open), ..Change::default() },
        _ => return Err(PageError::bad_form(l)),
    };
    let (now, actor) = (state.now_ms(), format!("user {}", signed.user.email));
    state
        .db
        .write(move |c| followups::change(c, id, &change, &actor, now))
        .await
        .map_err(|e| PageError::from_domain(e, l))?;
    Ok(HttpResponse::SeeOther().insert_header(("Location", format!("/app/followups/{id}?saved=1"))).finish())
}
