//! The digest job: read an assignee's open follow-ups and send them their morning email, unless
//! their account was disabled or nothing is open any more.
use super::worker::{no_mail_server, send, Delivery};
use crate::domain::queue::Outcome;
use crate::domain::{digests, DomainError};
use crate::mail::digest;
use crate::types::JobState;

impl Delivery {
    pub(super) async fn digest(&self, run_id: i64, id_local: &str) -> Result<Outcome, DomainError> {
        let (now, overdue_days) = (self.clock.now_ms(), self.overdue_days);
        let content = self.db.read(move |c| digests::content(c, run_id, now, overdue_days)).await?;
        if content.disabled {
            return Ok(Outcome::Stopped { state: JobState::Suppressed, detail: "the account is disabled".into() });
        }
        if content.open.is_empty() {
            return Ok(Outcome::Stopped { state: JobState::Suppressed, detail: "nothing is open any more".into() });
        }
        let Some(mailer) = &self.mailer else { return Ok(no_mail_server()) };
        let view = digest::view(mailer, &self.base_url, &content, now, overdue_days);
        match digest::compose(mailer, &view, &content.email, mailer.message_id(id_local)) {
            Ok(message) => Ok(send(mailer, message).await),
            Err(detail) => Ok(Outcome::Stopped { state: JobState::Failed, detail }),
        }
    }
}
