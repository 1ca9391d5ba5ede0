//! A small HTTP/1.1 server on 127.0.0.1 that lies as it is told: each request is recorded and
//! answered by a closure with bytes (a forged, huge or echoing body, a redirect), or held open
//! without an answer (a hang), or answered a byte at a time (a drip). Stopped when dropped,
//! with every held connection let go.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// A request as the liar saw it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    /// Header names lowercased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// How to answer.
pub enum Reply {
    /// These bytes, then the connection closed.
    Bytes(Vec<u8>),
    /// No answer until the liar is dropped.
    Hang,
    /// The status line and headers, then the body a byte at a time, `every` apart, until the
    /// liar is dropped.
    Drip(Duration),
}

/// A JSON answer with `status`.
pub fn json_reply(status: u16, body: &str) -> Reply {
    Reply::Bytes(
        format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )
}

/// A redirect to `to`.
pub fn redirect(to: &str) -> Reply {
    Reply::Bytes(
        format!("HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .into_bytes(),
    )
}

type Answer = dyn Fn(&Request) -> Reply + Send + Sync;

pub struct Liar {
    pub port: u16,
    requests: Arc<Mutex<Vec<Request>>>,
    stop: Arc<(Mutex<bool>, Condvar)>,
    stopped: Arc<AtomicBool>,
}

impl Liar {
    pub fn start(answer: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Liar {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests: Arc<Mutex<Vec<Request>>> = Arc::default();
        let stop: Arc<(Mutex<bool>, Condvar)> = Arc::default();
        let stopped = Arc::new(AtomicBool::new(false));
        let answer: Arc<Answer> = Arc::new(answer);
        let (reqs, stop2, stopped2) = (requests.clone(), stop.clone(), stopped.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stopped2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (reqs, stop, answer) = (reqs.clone(), stop2.clone(), answer.clone());
                std::thread::spawn(move || serve(conn, &reqs, &stop, &*answer));
            }
        });
        Liar {
            port,
            requests,
            stop,
            stopped,
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for Liar {
    fn drop(&mut self) {
        self.stopped.store(true, Ordering::SeqCst);
        let (lock, cv) = &*self.stop;
        *lock.lock().unwrap() = true;
        cv.notify_all();
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Blocks until the liar is dropped, or `d` passed; whether it was dropped.
fn held(stop: &(Mutex<bool>, Condvar), d: Duration) -> bool {
    let (lock, cv) = stop;
    let g = lock.lock().unwrap();
    let (g, _) = cv.wait_timeout_while(g, d, |s| !*s).unwrap();
    *g
}

fn serve(
    conn: TcpStream,
    reqs: &Mutex<Vec<Request>>,
    stop: &(Mutex<bool>, Condvar),
    answer: &Answer,
) {
    // One request per connection: every answer closes it.
    let Some(req) = read_request(&conn) else {
        return;
    };
    reqs.lock().unwrap().push(req.clone());
    let mut conn = conn;
    match answer(&req) {
        Reply::Bytes(b) => {
            let _ = conn.write_all(&b);
        }
        Reply::Hang => {
            held(stop, Duration::from_secs(600));
        }
        Reply::Drip(every) => {
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n";
            if conn.write_all(head.as_bytes()).is_ok() {
                while !held(stop, every) && conn.write_all(b" ").is_ok() {}
            }
        }
    }
}

/// One request from `conn`: its line, headers and body (by `Content-Length`).
fn read_request(conn: &TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(conn.try_clone().ok()?);
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let (method, path) = (
        parts.next().unwrap_or("").to_string(),
        parts.next().unwrap_or("").to_string(),
    );
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        path,
        headers,
        body,
    })
}
