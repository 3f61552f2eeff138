//! Running async cleanup from `Drop`: a short-lived thread with its own runtime, joined before
//! `drop` returns so the resource is gone when the test ends.

use std::future::Future;

pub(crate) fn run_blocking<F>(cleanup: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    let joined = std::thread::spawn(move || {
        match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime.block_on(cleanup),
            Err(error) => eprintln!("testkit: cannot start cleanup runtime: {error}"),
        }
    })
    .join();
    if joined.is_err() {
        eprintln!("testkit: cleanup thread panicked");
    }
}
