import FoundationEssentials
import Glibc

/// How a front end's process ends once its answer is written.
enum ProcessExit {
    /// Flushes standard I/O and ends the process without running `atexit` handlers.
    ///
    /// libcurl's event-loop thread may still be tidying a finished transfer (resetting its handle,
    /// reading a TLS session ticket) when the answer is out. `exit` would run OpenSSL's `atexit`
    /// cleanup beside it, freeing state that thread is using: a crash after a correct answer, seen
    /// now and then on cold sends over TLS. Nothing of ours needs an `atexit` handler, and skipping
    /// them also shortens every one-shot command.
    static func now(_ code: Int32) -> Never {
        fflush(nil)
        _exit(code)
    }
}
