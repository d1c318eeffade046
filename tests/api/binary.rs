//! The `wevion` binary as a child process, for the tests that run it beside in-process apps.

use crate::helpers::wait_until;
use std::{sync::Arc, time::Duration};

/// The `wevion` binary running as a child process, its output collected as it comes.
pub struct Binary {
    pub child: tokio::process::Child,
    pub output: Arc<std::sync::Mutex<String>>,
    readers: Vec<tokio::task::JoinHandle<()>>,
}

impl Binary {
    /// Starts `wevion args…` with `envs` and waits until a log line contains `ready`; returns it
    /// with the first `127.0.0.1:PORT` address that line names (the binary binds port 0).
    pub async fn start(args: &[&str], envs: &[(&str, String)], ready: &str) -> (Self, std::net::SocketAddr) {
        use tokio::io::{AsyncBufReadExt, BufReader};
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_wevion"));
        command.args(args).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).kill_on_drop(true);
        for (k, v) in envs {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("wevion starts");
        let output = Arc::new(std::sync::Mutex::new(String::new()));
        let (found, mut address) = tokio::sync::mpsc::unbounded_channel::<String>();
        let mut readers = Vec::new();
        for stream in [
            Box::new(child.stdout.take().expect("stdout")) as Box<dyn tokio::io::AsyncRead + Unpin + Send>,
            Box::new(child.stderr.take().expect("stderr")),
        ] {
            let (output, found, ready) = (output.clone(), found.clone(), ready.to_owned());
            readers.push(tokio::spawn(async move {
                let mut lines = BufReader::new(stream).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    if line.contains(&ready) {
                        let _ = found.send(line.clone());
                    }
                    output.lock().unwrap().push_str(&(line + "\n"));
                }
            }));
        }
        let line = wait_until("the binary's ready line", Duration::from_secs(30), || {
            let line = match address.try_recv() {
                Ok(line) => Some(line),
                Err(tokio::sync::mpsc::error::TryRecvError::Empty) => None,
                Err(tokio::sync::mpsc::error::TryRecvError::Disconnected) => {
                    panic!("the binary stopped before its ready line:\n{}", output.lock().unwrap())
                }
            };
            async move { line }
        })
        .await;
        let start = line.find("127.0.0.1:").expect("the ready line names an address");
        let addr: String = line[start..].chars().take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':').collect();
        (Self { child, output, readers }, addr.parse().expect("an address"))
    }

    /// Stops the process and returns everything it printed.
    pub async fn stop(mut self) -> String {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
        // The readers finish once the pipes close.
        for reader in self.readers {
            let _ = reader.await;
        }
        let out = self.output.lock().unwrap().clone();
        out
    }
}

// ---- waiting --------------------------------------------------------------------------------
