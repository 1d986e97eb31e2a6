import Foundation

/// A state file that several processes may share (two run-action commands at once, or a running
/// sandbox and a run-action): every change is read, made and written under one exclusive `flock`
/// on `<path>.lock`, starting from what the file holds then, so no process writes back a stale
/// copy of what another changed or deleted. Writes are atomic (a temporary file renamed over it),
/// so a reader without the lock sees the old file or the new one, never half of one.
/// What a state file holds: a version, then the records.
protocol VersionedState: Decodable {
    var version: Int { get }
}

struct SharedStateFile: Sendable {
    /// Which version of the file was last seen: a rename gives a new inode, a write a new time.
    struct Stamp: Sendable, Equatable {
        var inode: UInt64
        var modified: Date
        var size: UInt64
    }

    let path: String

    /// Runs `body` holding the exclusive lock (created with the file's directory when missing).
    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        let lock = open(path + ".lock", O_CREAT | O_RDWR, 0o644)
        if lock >= 0 { flock(lock, LOCK_EX) }
        defer {
            if lock >= 0 {
                flock(lock, LOCK_UN)
                close(lock)
            }
        }
        return try body()
    }

    /// The version of the file now; `nil` when there is none.
    func stamp() -> Stamp? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }
        return Stamp(
            inode: (attributes[.systemFileNumber] as? NSNumber)?.uint64Value ?? 0,
            modified: attributes[.modificationDate] as? Date ?? .distantPast, size: (attributes[.size] as? NSNumber)?.uint64Value ?? 0)
    }

    /// The file's bytes, or `nil` when there is no file.
    /// - Throws: ``SandboxStateError`` when it exists but cannot be read.
    func contents() throws(SandboxStateError) -> Data? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SandboxStateError(path: path, reason: "it cannot be read (check its permissions)")
        }
        return data
    }

    /// The file decoded as `Contents`, with the stamp of the version read (taken first, so a write
    /// in between makes it older than the contents, never newer); `nil` when there is no file.
    /// - Throws: ``SandboxStateError`` when it cannot be read, is not `what`, or is not version 1.
    func decoded<Contents: VersionedState>(_: Contents.Type, what: String) throws(SandboxStateError) -> (Contents, Stamp?)? {
        let stamp = stamp()
        guard let data = try contents() else { return nil }
        let decoded: Contents
        do {
            decoded = try JSONDecoder().decode(Contents.self, from: data)
        } catch {
            throw SandboxStateError(path: path, reason: "it is not \(what) (\(error))")
        }
        guard decoded.version == 1 else {
            throw SandboxStateError(path: path, reason: "it has version \(decoded.version), and this sandbox reads version 1")
        }
        return (decoded, stamp)
    }

    /// Replaces the file with `data`; the stamp of what was written, or `nil` when it could not be.
    func write(_ data: Data) -> Stamp? {
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            return nil
        }
        return stamp()
    }
}
