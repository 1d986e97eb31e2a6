import Glibc

/// A detached POSIX thread, without Foundation's `Thread`: what blocking loops (libcurl's, reading standard input, waiting for signals) run on.
package enum DetachedThread {
    private final class Body: Sendable {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    /// Starts `body` on a new thread named `name` (as `top` and `gdb` show it; at most 15 bytes, the
    /// kernel's limit, longer is cut); `purpose` names it in the message if none can be had.
    package static func start(name: String, purpose: String, _ body: @escaping @Sendable () -> Void) {
        let context = Unmanaged.passRetained(
            Body {
                setOwnName(name)
                body()
            }
        ).toOpaque()
        var thread = pthread_t()
        let created = pthread_create(
            &thread, nil,
            { context in
                Unmanaged<Body>.fromOpaque(context!).takeRetainedValue().run()
                return nil
            }, context)
        guard created == 0 else {
            fatalError(
                "\(purpose): a thread could not be created (\(String(cString: strerror(created)))); the process is out of threads or memory."
            )
        }
        pthread_detach(thread)
    }

    /// Names the calling thread through `/proc/thread-self/comm` (`pthread_setname_np` is not
    /// visible to Swift without `_GNU_SOURCE`); a name is a convenience, so failure is ignored.
    private static func setOwnName(_ name: String) {
        let descriptor = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        let bytes = Array(name.utf8.prefix(15))
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }
}
