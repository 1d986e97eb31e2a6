import ComponentCore
import FoundationEssentials
import Glibc

/// SIGTERM turned into a call on a thread of its own.
///
/// A dispatch signal source registers its handler asynchronously, after the signal has been set
/// to be ignored, so a SIGTERM in between is lost and the process never stops. Here the handler
/// is in place (`sigaction`) before ``install(_:)`` returns; it only writes a byte to a pipe, the
/// one thing a signal handler may safely do, and the thread reading the pipe makes the call.
enum TerminationSignal {
    /// Calls `action` on each SIGTERM from now on, until ``uninstall()``.
    static func install(_ action: @escaping @Sendable () -> Void) {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { return }
        _ = fcntl(ends[1], F_SETFL, O_NONBLOCK)  // a burst of signals must never block the handler
        terminationPipeWriteEnd = ends[1]
        let readEnd = ends[0]
        DetachedThread.start(name: "wait-sigterm", purpose: "waiting for SIGTERM") {
            var byte: UInt8 = 0
            while true {
                let count = read(readEnd, &byte, 1)
                if count < 0, errno == EINTR { continue }
                guard count == 1 else { break }
                action()
            }
            close(readEnd)
        }
        var handler = sigaction()
        handler.__sigaction_handler.sa_handler = { _ in
            var byte: UInt8 = 1
            _ = write(terminationPipeWriteEnd, &byte, 1)
        }
        handler.sa_flags = SA_RESTART
        sigemptyset(&handler.sa_mask)
        sigaction(SIGTERM, &handler, nil)
    }

    /// SIGTERM ends the process again, and the thread ends.
    static func uninstall() {
        signal(SIGTERM, SIG_DFL)
        let writeEnd = terminationPipeWriteEnd
        terminationPipeWriteEnd = -1
        if writeEnd >= 0 { close(writeEnd) }
    }
}

/// Read by the signal handler, which can capture nothing. Written only while SIGTERM's handler is
/// not ours (before it is installed, after it is removed).
nonisolated(unsafe) private var terminationPipeWriteEnd: Int32 = -1
