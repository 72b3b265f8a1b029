//! A real SMTP server on loopback for the tests: aiosmtpd (tests/smtp/server.py), one per
//! test, storing every accepted message as a file. It can be told to fail (refuse with 4xx/5xx,
//! drop the connection) through its plan file.
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

pub struct SmtpServer {
    pub port: u16,
    pub dir: PathBuf,
    plan: PathBuf,
    child: Child,
    /// Kept open: the server exits when it closes (the test process died).
    _stdin: ChildStdin,
    _scratch: super::TempDir,
}

impl SmtpServer {
    /// Starts a server on a port of its choosing (it binds port 0 and prints the port it got).
    /// None when Python or aiosmtpd is missing and the run is not strict (`.ci/run` installs
    /// them).
    pub fn start() -> Option<SmtpServer> {
        Self::start_with(&[])
    }

    /// [`SmtpServer::start`] with more arguments for `tests/smtp/server.py`.
    pub fn start_with(args: &[&str]) -> Option<SmtpServer> {
        let scratch = super::scratch();
        let dir = scratch.0.clone();
        let plan = dir.join("plan");
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp/server.py");
        let spawned = Command::new("python3")
            .args([script, "--dir"])
            .arg(dir.join("mail"))
            .args(["--port", "0", "--plan-file"])
            .arg(&plan)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn();
        let mut child = match spawned {
            Ok(c) => c,
            Err(e) => return super::skip(&format!("python3 cannot start the SMTP test server: {e}")),
        };
        let stdin = child.stdin.take().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let Some(port) = line.trim().strip_prefix("READY ").and_then(|p| p.parse().ok()) else {
            let _ = child.kill();
            return super::skip(&format!("the SMTP test server did not start (is aiosmtpd installed?): {line:?}"));
        };
        Some(SmtpServer { port, dir, plan, child, _stdin: stdin, _scratch: scratch })
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The next message attempts fail as `plan` says (e.g. "451,drop,554"), then all succeed.
    pub fn fail_next(&self, plan: &str) {
        let tmp = self.plan.with_extension("tmp");
        std::fs::write(&tmp, plan).unwrap();
        std::fs::rename(&tmp, &self.plan).unwrap();
    }

    /// Every message received so far, raw, oldest first.
    pub fn messages(&self) -> Vec<Vec<u8>> {
        let Ok(entries) = std::fs::read_dir(self.dir.join("mail")) else { return vec![] };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            // The server writes `.tmp-N.eml` and renames it: only finished messages count.
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .filter(|p| !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
            .collect();
        files.sort();
        files.iter().map(|f| std::fs::read(f).unwrap()).collect()
    }

    /// Waits until at least `n` messages arrived (at most `secs` seconds) and returns them all.
    pub async fn wait_for(&self, n: usize, secs: u64) -> Vec<Vec<u8>> {
        let until = Instant::now() + Duration::from_secs(secs);
        loop {
            let got = self.messages();
            if got.len() >= n || Instant::now() > until {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A received message, parsed.
pub struct Mail {
    pub raw: Vec<u8>,
}

impl Mail {
    pub fn parsed(&self) -> mailparse::ParsedMail<'_> {
        mailparse::parse_mail(&self.raw).expect("valid MIME")
    }

    pub fn header(&self, name: &str) -> Option<String> {
        use mailparse::MailHeaderMap;
        self.parsed().headers.get_first_value(name)
    }

    /// The decoded body of the first part of this MIME type.
    pub fn part(&self, mimetype: &str) -> Option<String> {
        let parsed = self.parsed();
        let found = parsed.parts().find(|p| p.ctype.mimetype == mimetype).map(|p| p.get_body().unwrap());
        found
    }

    /// Every part's MIME type, depth first.
    pub fn mimetypes(&self) -> Vec<String> {
        self.parsed().parts().map(|p| p.ctype.mimetype.clone()).collect()
    }
}

/// Every `href="…"` of an HTML text, in order.
pub fn hrefs(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|h| h.replace("&amp;", "&").replace("&#38;", "&"))
        .collect()
}
