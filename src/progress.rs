//! A spinner on stderr for long runs on a terminal; silent otherwise.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Runs shorter than this never show anything.
const DELAY: Duration = Duration::from_millis(700);
const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/// Stops and clears its line when dropped.
pub struct Progress {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Progress {
    /// `enabled` should be "stderr is a terminal and not --quiet".
    pub fn start(enabled: bool, message: &'static str) -> Progress {
        let stop = Arc::new(AtomicBool::new(false));
        let handle = enabled.then(|| {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let started = Instant::now();
                let mut shown = false;
                let mut frame = 0;
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(80));
                    if started.elapsed() < DELAY {
                        continue;
                    }
                    let seconds = started.elapsed().as_secs_f32();
                    eprint!("\r{} {message} {seconds:.1}s", FRAMES[frame % FRAMES.len()]);
                    let _ = std::io::stderr().flush();
                    shown = true;
                    frame += 1;
                }
                if shown {
                    eprint!("\r\x1b[2K");
                    let _ = std::io::stderr().flush();
                }
            })
        });
        Progress { stop, handle }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}
