import Glibc

/// Another executable of this install: the one in the same directory as this process's own, else
/// the first on `PATH`, and `execve` into it.
package enum SiblingExecutable {
    /// The executable `name` beside `/proc/self/exe` (symbolic links resolved), else in a `PATH`
    /// directory; `nil` when neither has one. Never a bare name, which would resolve against the
    /// current directory.
    package static func locate(_ name: String, path: String? = environmentPath()) -> String? {
        if let own = ownDirectory() {
            let beside = own + name
            if access(beside, X_OK) == 0 { return beside }
        }
        // An empty PATH entry means the current directory: skipped for the same reason.
        for directory in (path ?? "").split(separator: ":") where directory.hasPrefix("/") {
            let candidate = "\(directory)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// The directory of this process's executable, ending in `/`; `nil` if it cannot be read.
    package static func ownDirectory() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        let own = String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let slash = own.lastIndex(of: "/") else { return nil }
        return String(own[...slash])
    }

    package static func environmentPath() -> String? {
        getenv("PATH").map { String(cString: $0) }
    }

    /// Replaces the process image; returns `errno` only when that failed. The calling thread's
    /// signal mask is cleared first: `execve` keeps it, and a thread that blocks SIGTERM or SIGINT
    /// (as the serve loop's may) would otherwise leave the new program deaf to them.
    package static func exec(_ path: String, arguments: [String], environment: [String: String]) -> Int32 {
        fflush(nil)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var none = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, nil)
        execve(path, argv, envp)
        return errno
    }
}
