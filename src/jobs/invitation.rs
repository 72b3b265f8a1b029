//! The invitation job: compose a survey email in the customer's language and send it, unless it
//! must not go any more (unsubscribed, erased, answered, expired).
use super::worker::{no_mail_server, send, Delivery};
use crate::domain::queue::{self, Outcome};
use crate::domain::DomainError;
use crate::mail::invitation;
use crate::types::JobState;

impl Delivery {
    pub(super) async fn invitation(
        &self,
        invitation_id: i64,
        id_local: &str,
    ) -> Result<(Outcome, Option<i64>), DomainError> {
        let m = self.db.read(move |c| queue::invitation_mail(c, invitation_id)).await?;
        let expires_at = Some(m.invitation.expires_at);
        if let Some((state, detail)) = m.stop(self.clock.now_ms()) {
            return Ok((Outcome::Stopped { state, detail }, expires_at));
        }
        let Some(mailer) = &self.mailer else { return Ok((no_mail_server(), expires_at)) };
        let view = invitation::view(mailer, &self.base_url, &self.secret, &m);
        let to = m.email.clone().unwrap_or_default();
        let message = match invitation::compose(mailer, &view, &to, mailer.message_id(id_local)) {
            Ok(message) => message,
            Err(detail) => return Ok((Outcome::Stopped { state: JobState::Failed, detail }, expires_at)),
        };
        Ok((send(mailer, message).await, expires_at))
    }
}
