//! The real `acht serve` as its own process: for what one process cannot show (two instances
//! on one database, a kill -9, the log a server writes). It binds port 0 and tells which port it
//! got, so no port is ever guessed and raced for.
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Server {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// What the server wrote to stderr (its log).
    pub log: PathBuf,
    child: Child,
    _dir: super::TempDir,
}

impl Server {
    /// Starts `acht serve --bind 127.0.0.1:0` on `database_url` with extra environment `env`
    /// and waits until it prints the address it listens on.
    pub fn start(database_url: &str, env: &[(&str, &str)]) -> Server {
        let dir = super::scratch();
        let log = dir.0.join("server.log");
        let child = Command::new(env!("CARGO_BIN_EXE_acht"))
            .env("DATABASE_URL", database_url)
            .env("ACHT_LOG", "warn")
            .envs(env.iter().copied())
            .args(["serve", "--bind", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("acht serve starts");
        // In the Server before it is waited for, so a server that never comes up is still killed.
        let mut server = Server { base: String::new(), log, child, _dir: dir };
        server.base = listening_address(&mut server.child, &server.log);
        server
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Kills the server with SIGKILL (no chance to clean up) and waits for it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends SIGTERM (an orchestrator's stop) and waits, at most `secs`, for the process to end.
    pub fn terminate(&mut self, secs: u64) -> std::process::ExitStatus {
        // SAFETY: a signal to our own child process, which has not been waited for yet.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        let until = Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < until, "acht serve did not stop within {secs} s of SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The server's log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Reads the server's stdout up to "acht is listening on http://…/" (at most 60 s), then keeps
/// draining it in a thread so the server never blocks on a full pipe.
fn listening_address(child: &mut Child, log: &std::path::Path) -> String {
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut tx = Some(tx);
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(rest) = line.strip_prefix("acht is listening on ") {
                let base = rest.split_whitespace().next().unwrap_or("").trim_end_matches('/').to_string();
                if let Some(tx) = tx.take() {
                    let _ = tx.send(base);
                }
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(base) = rx.recv_timeout(Duration::from_millis(100)) {
            return base;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("acht serve exited ({status}): {}", std::fs::read_to_string(log).unwrap_or_default());
        }
        assert!(Instant::now() < deadline, "acht serve printed no address within 60 s");
    }
}
