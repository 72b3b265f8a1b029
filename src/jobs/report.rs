//! The report job: read a report run's figures, draw its charts and send it to its subscriber,
//! unless the subscription ended or the account was disabled.
use super::worker::{no_mail_server, send, Delivery};
use crate::domain::queue::Outcome;
use crate::domain::{reports, DomainError};
use crate::i18n::Locale;
use crate::mail::report;
use crate::types::JobState;

impl Delivery {
    pub(super) async fn report(&self, run_id: i64, id_local: &str) -> Result<Outcome, DomainError> {
        let Some(mailer) = &self.mailer else { return Ok(no_mail_server()) };
        let sub = self.db.read(move |c| reports::subscription_of_run(c, run_id)).await?;
        if sub.disabled_at.is_some() {
            return Ok(Outcome::Stopped { state: JobState::Suppressed, detail: "the subscription ended".into() });
        }
        // An address whose acht account is disabled gets no reports (its person left, say).
        let email = sub.email.clone();
        if self.db.read(move |c| crate::domain::users::is_disabled(c, &email)).await? {
            return Ok(Outcome::Stopped { state: JobState::Suppressed, detail: "the account is disabled".into() });
        }
        let locale = Locale::negotiate(&sub.locale);
        let l = locale.clone();
        let data = self.db.read(move |c| reports::data(c, run_id, &l)).await?;
        // Charts are drawn to PNG here: CPU work, off the async threads.
        let (mailer_c, base, message_id) = (mailer.clone(), self.base_url.clone(), mailer.message_id(id_local));
        let secret = self.secret.clone();
        let composed =
            tokio::task::spawn_blocking(move || report::compose(&mailer_c, &base, &secret, &data, &locale, message_id))
                .await;
        match composed {
            Ok(Ok(message)) => Ok(send(mailer, message).await),
            Ok(Err(detail)) => Ok(Outcome::Stopped { state: JobState::Failed, detail }),
            Err(e) => Ok(Outcome::Stopped { state: JobState::Failed, detail: format!("composing failed: {e}") }),
        }
    }
}
