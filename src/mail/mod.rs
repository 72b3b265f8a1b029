//! acht's own email: the mail server it sends through, and the messages it composes (survey
//! invitations, scheduled reports). Which message goes when is the outbox's business
//! (src/domain/outbox.rs, src/jobs/mail.rs); this module only composes and hands over.
pub mod digest;
pub mod invitation;
pub mod report;

use crate::config::{Branding, Settings};
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::Mailbox;
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// A message that waits longer than this for the server is given up for this attempt.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// The mail server and the sender acht mails as.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The instance's branding (shared with its pages: a change shows in both).
    pub branding: crate::config::BrandingCell,
}

/// Why a message did not go; `permanent` when the server refused it with 5xx.
#[derive(Debug, Clone)]
pub struct SendFailure {
    pub permanent: bool,
    pub code: Option<i32>,
    pub detail: String,
    /// The message may have reached the server: a connection was made but no reply came (a
    /// drop, a lost reply, a timeout), so a retry may deliver a second copy. A reply (4xx, 5xx),
    /// a refused connection or a TLS failure means it did not.
    pub may_have_reached: bool,
}

impl Mailer {
    /// The mailer the settings describe; None when no mail server is set (acht then mails
    /// nothing and the company sends the links itself).
    pub fn from_settings(s: &Settings) -> Result<Option<Mailer>, String> {
        let Some(url) = &s.smtp_url else { return Ok(None) };
        let from_text = s
            .mail_from
            .as_deref()
            .ok_or("ACHT_SMTP_URL is set: ACHT_MAIL_FROM must say who mails, e.g. 'Acme <survey@acme.example>'")?;
        let from: Mailbox =
            from_text.parse().map_err(|e| format!("ACHT_MAIL_FROM '{from_text}' is not an address: {e}"))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("ACHT_SMTP_URL is not a mail server address ({e}); e.g. smtp://127.0.0.1:25 or smtps://user:pass@mail.example.com"))?
            .timeout(Some(SMTP_TIMEOUT))
            .pool_config(PoolConfig::new().max_size(s.mail_concurrency.max(1) as u32).idle_timeout(Duration::from_secs(30)))
            .build();
        Ok(Some(Mailer { transport, from, branding: crate::config::BrandingCell::new(Branding::from_settings(s)?) }))
    }

    pub fn from(&self) -> &Mailbox {
        &self.from
    }

    /// A full `Message-ID` from its stable local part (the outbox row's), in the sender's domain.
    pub fn message_id(&self, local: &str) -> String {
        format!("<{local}@{}>", self.from.email.domain())
    }

    /// Hands a message to the mail server.
    pub async fn send(&self, message: Message) -> Result<(), SendFailure> {
        self.transport.send(message).await.map(|_| ()).map_err(|e| SendFailure {
            permanent: e.is_permanent(),
            code: e.status().and_then(|c| c.to_string().parse().ok()),
            may_have_reached: may_have_reached(&e),
            detail: error_chain(&e),
        })
    }
}

/// Whether a failed send may have delivered the message after all. lettre does not say at
/// which step a network error came, so any after the connection was made counts (a drop during
/// RCPT is counted too: the count may be high, never low).
fn may_have_reached(e: &lettre::transport::smtp::Error) -> bool {
    let replied = e.is_transient() || e.is_permanent();
    // lettre's connection errors (the server could not be reached) name themselves first.
    let not_connected = e.to_string().starts_with("Connection error");
    !(replied || not_connected || e.is_client() || e.is_tls() || e.is_transport_shutdown())
}

/// An error with its causes, in one line ("connection refused" sits in the source).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// `List-Unsubscribe` (RFC 2369): where a mail program's unsubscribe button goes.
#[derive(Debug, Clone)]
pub struct ListUnsubscribe(pub String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.to_string()))
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058): the button may unsubscribe
/// with one POST, without a page in between.
#[derive(Debug, Clone)]
pub struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribePost)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".into())
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834): out-of-office replies stay away.
#[derive(Debug, Clone)]
pub struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".into())
    }
}
