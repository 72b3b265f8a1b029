//! A real headless Chromium, driven through chromedriver with fantoccini: one browser per test,
//! with its own profile, user agent and window size.
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::process::{Child, Command, Stdio};

pub const PHONE_UA: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 \
     (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
pub const DESKTOP_UA: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
     Chrome/126.0.0.0 Safari/537.36";

/// A phone-sized and a desktop-sized viewport.
pub const PHONE: (u32, u32) = (390, 844);
pub const DESKTOP: (u32, u32) = (1366, 900);

pub struct Browser {
    pub client: Client,
    driver: Driver,
    _profile: super::TempDir,
    /// Where downloads land.
    pub downloads: std::path::PathBuf,
}

/// chromedriver, ended with the Chromium it started when dropped (its own process group:
/// killing the driver alone would leave Chromium running and writing into the profile being
/// removed). Held from the moment it starts, so a failing start leaves nothing running.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn find_chrome() -> Option<(&'static str, &'static str)> {
    let chromium =
        ["/usr/bin/chromium", "/usr/bin/chromium-browser"].into_iter().find(|p| std::path::Path::new(p).exists())?;
    let driver = ["/usr/bin/chromedriver"].into_iter().find(|p| std::path::Path::new(p).exists())?;
    Some((chromium, driver))
}

/// The port chromedriver says it listens on; its stdout is drained afterwards.
fn driver_port(child: &mut Child) -> u16 {
    use std::io::BufRead;
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let port = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| {
            l.split("started successfully on port ").nth(1).and_then(|p| p.trim_end_matches('.').parse().ok())
        })
        .expect("chromedriver names its port");
    std::thread::spawn(move || lines.for_each(drop));
    port
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session, or None (the test skips) when
    /// Chromium is absent and the run is not strict.
    /// A person's browser: the pages cannot tell it is driven by WebDriver (no
    /// `navigator.webdriver`), as a person's own browser is not.
    pub async fn start(user_agent: &str, size: (u32, u32)) -> Option<Browser> {
        Self::launch(user_agent, size, false).await
    }

    /// A scanner's automated browser: `navigator.webdriver` is set, as WebDriver, Puppeteer and
    /// Playwright set it.
    pub async fn start_automated(user_agent: &str, size: (u32, u32)) -> Option<Browser> {
        Self::launch(user_agent, size, true).await
    }

    async fn launch(user_agent: &str, (width, height): (u32, u32), automated: bool) -> Option<Browser> {
        let Some((chromium, driver)) = find_chrome() else {
            return super::skip("Chromium/chromedriver are not installed (apt-get install chromium chromium-driver)");
        };
        // Port 0: chromedriver takes a free port and says which ("… started successfully on
        // port N."), so no port is picked beforehand and raced for.
        use std::os::unix::process::CommandExt;
        let child = Command::new(driver)
            .arg("--port=0")
            .process_group(0)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let mut driver = Driver(child);
        let port = driver_port(&mut driver.0);
        let base = format!("http://127.0.0.1:{port}");
        super::wait_until_up(&reqwest::Client::new(), &format!("{base}/status")).await;
        let profile = super::scratch();
        let downloads = profile.0.join("downloads");
        std::fs::create_dir_all(&downloads).unwrap();
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--hide-scrollbars", format!("--window-size={width},{height}"),
                         format!("--user-data-dir={}", profile.0.display()),
                         format!("--user-agent={user_agent}"),
                         if automated { "--enable-automation" } else { "--disable-blink-features=AutomationControlled" }],
                "prefs": {"download.default_directory": downloads.display().to_string(),
                          "download.prompt_for_download": false}
            }
        });
        let caps: serde_json::Map<String, serde_json::Value> = serde_json::from_value(caps).unwrap();
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector).capabilities(caps).connect(&base).await.expect("webdriver session");
        // Headless Chromium ignores --window-size for the viewport on some versions: set it too.
        client.set_window_size(width, height).await.expect("window size");
        Some(Browser { client, driver, _profile: profile, downloads })
    }

    pub async fn go(&self, url: &str) {
        self.client.goto(url).await.unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    /// The element, found again while the page it was on is being replaced (a form that was
    /// just sent): an element of the old page is "stale", and the new page has it soon.
    async fn with_element<T, F, Fut>(&self, css: &str, act: F) -> T
    where
        F: Fn(fantoccini::elements::Element) -> Fut,
        Fut: std::future::Future<Output = Result<T, fantoccini::error::CmdError>>,
    {
        for _ in 0..50 {
            let el = self.client.wait().for_element(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
            match act(el).await {
                Ok(v) => return v,
                Err(e) if e.to_string().contains("stale element") => {
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                Err(e) => panic!("{css}: {e}"),
            }
        }
        panic!("{css}: the element kept going stale for 5 s")
    }

    pub async fn text(&self, css: &str) -> String {
        self.with_element(css, |el| async move { el.text().await }).await
    }

    pub async fn fill(&self, css: &str, value: &str) {
        self.with_element(css, |el| async move {
            el.clear().await?;
            el.send_keys(value).await
        })
        .await
    }

    pub async fn click(&self, css: &str) {
        self.with_element(css, |el| async move { el.click().await }).await
    }

    pub async fn select(&self, css: &str, value: &str) {
        let el = self.client.wait().for_element(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
        el.select_by_value(value).await.unwrap_or_else(|e| panic!("select {value} in {css}: {e}"));
    }

    pub async fn url(&self) -> String {
        self.client.current_url().await.unwrap().to_string()
    }

    /// Waits (up to 10 s) until the address contains `part`, e.g. after a form was sent.
    pub async fn wait_url(&self, part: &str) -> String {
        for _ in 0..100 {
            let url = self.url().await;
            if url.contains(part) {
                return url;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the address never contained {part}: {}", self.url().await);
    }

    pub async fn count(&self, css: &str) -> usize {
        self.client.find_all(Locator::Css(css)).await.unwrap().len()
    }

    /// A full-page screenshot saved under `target/screenshots/` (a test artefact).
    pub async fn screenshot(&self, name: &str) -> std::path::PathBuf {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        // Grow the window to the page's height so the screenshot shows all of it.
        let height = self
            .client
            .execute("return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)", vec![])
            .await
            .ok()
            .and_then(|v| v.as_u64())
            .unwrap_or(900)
            .min(6000) as u32;
        let (width, old_height) = {
            let r = self.client.get_window_rect().await.unwrap();
            (r.2 as u32, r.3 as u32)
        };
        let _ = self.client.set_window_size(width, height.max(old_height)).await;
        let png = self.client.screenshot().await.unwrap();
        let _ = self.client.set_window_size(width, old_height).await;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }

    /// Waits until a file whose name starts with `prefix` has fully downloaded; returns its text.
    pub async fn downloaded(&self, prefix: &str) -> String {
        for _ in 0..200 {
            if let Some(entry) = std::fs::read_dir(&self.downloads).unwrap().flatten().find(|e| {
                let n = e.file_name().to_string_lossy().to_string();
                n.starts_with(prefix) && !n.ends_with(".crdownload")
            }) {
                return std::fs::read_to_string(entry.path()).unwrap();
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("no download starting with {prefix} in {}", self.downloads.display());
    }

    /// What sticks out of the window sideways or scrolls sideways inside its own box: the page,
    /// or any visible element (tag, class and where its right edge or scroll width lies).
    pub async fn overflow(&self) -> Vec<String> {
        let js = "const out = []; const w = window.innerWidth; \
            if (document.documentElement.scrollWidth > w) out.push('page ' + document.documentElement.scrollWidth + ' > ' + w); \
            for (const e of document.querySelectorAll('body *')) { \
              const r = e.getBoundingClientRect(); if (r.width <= 1 || r.height <= 1) continue; \
              const s = getComputedStyle(e); if (s.visibility === 'hidden') continue; \
              const scrolls = (s.overflowX === 'auto' || s.overflowX === 'scroll') && e.scrollWidth > e.clientWidth + 1; \
              if (r.right > w + 1 || scrolls) out.push(e.tagName.toLowerCase() + '.' + e.className + ' right ' + Math.round(r.right) + ' scroll ' + e.scrollWidth); } \
            return out.slice(0, 12);";
        let found = self.client.execute(js, vec![]).await.expect("the overflow script runs");
        found.as_array().unwrap().iter().map(|v| v.as_str().unwrap_or("").to_string()).collect()
    }

    /// axe-core's violations on the current page (`source` is axe.min.js), as
    /// "rule (impact): where" lines; empty when the page passes.
    pub async fn axe(&self, source: &str) -> Vec<String> {
        // Run as the WebDriver script itself: a page's Content-Security-Policy does not apply to it.
        self.client.execute(&format!("{source}\n;return true;"), vec![]).await.expect("axe-core loads");
        let run = "const done = arguments[arguments.length - 1]; \
            axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map(v => \
              v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')))) \
              .catch(e => done(['axe failed: ' + e]));";
        let found = self.client.execute_async(run, vec![]).await.expect("axe-core runs");
        found.as_array().unwrap().iter().map(|v| v.as_str().unwrap_or("").to_string()).collect()
    }

    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}
