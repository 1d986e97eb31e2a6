import Foundation
import TestSupport
import Testing

/// `twilio-component` links FoundationEssentials only: no full Foundation, no ICU (its data alone
/// is 30 MB). `mcp`, whose SDK needs Foundation, is served by `twilio-mcp` beside it.
@Suite(.timingInsensitive) struct LeanExecutableTests {
    static let forbiddenLibraries = [
        "libFoundation.so", "libFoundationInternationalization.so", "lib_FoundationICU.so", "libFoundationNetworking.so",
        "libFoundationXML.so",
    ]
    /// ICU's collation and break iterators, its data blob, the Swift module wrapping it, and any
    /// symbol of the `Foundation` module itself (FoundationEssentials' are `$s20FoundationEssentials`).
    static let forbiddenSymbolParts = ["ucol_", "ubrk_", "_FoundationICU", "icudt", "$s10Foundation"]
    /// The optimized build `make release` makes, when there is one.
    static let releasePath = PythonPeer.root.appendingPathComponent(".build-static/release/twilio-component").path

    /// Whether the release build is at least as new as the debug one under test: an older one may
    /// predate the sources it would be checked against.
    static var releaseIsCurrent: Bool {
        func modified(_ path: String) -> Date? {
            (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
        }
        guard let release = modified(releasePath), let debug = modified(EngineTool.path) else { return false }
        return release >= debug
    }

    static func forbiddenNeeded(_ image: ELFImage) -> [String] {
        image.needed.filter { forbiddenLibraries.contains($0) }
    }

    @Test func theEngineExecutableNeedsNoFoundationNorICU() throws {
        let image = try ELFImage(path: EngineTool.path)
        #expect(image.needed.contains("libc.so.6"), "the dynamic section was not read: \(image.needed)")
        let back = Self.forbiddenNeeded(image)
        #expect(
            back.isEmpty,
            "twilio-component links \(back.joined(separator: ", ")) again: a target it depends on imports Foundation (use FoundationEssentials) or a package brought it in. NEEDED: \(image.needed.joined(separator: ", "))"
        )
    }

    /// The same reading finds Foundation where it is expected, so the check above can fail.
    @Test func theMCPExecutableIsWhereFoundationIs() throws {
        let image = try ELFImage(path: ProcessRunner.product("twilio-mcp"))
        #expect(image.needed.contains("libFoundation.so"), "\(image.needed)")
    }

    @Test(
        .enabled(if: FileManager.default.fileExists(atPath: releasePath), "no release build in .build-static (make release)"),
        .enabled(if: releaseIsCurrent, "the release build in .build-static is older than .build/debug's: run make release to check it")
    )
    func theReleaseExecutableHasNoICUNorFoundationSymbol() throws {
        let image = try ELFImage(path: Self.releasePath)
        #expect(image.symbols.count > 1000, "the symbol table was not read: \(image.symbols.count) symbols")
        #expect(Self.forbiddenNeeded(image).isEmpty, "\(image.needed)")
        var found: [String: [String]] = [:]
        for symbol in image.symbols {
            for part in Self.forbiddenSymbolParts where symbol.contains(part) { found[part, default: []].append(symbol) }
        }
        let report = found.sorted { $0.key < $1.key }.map {
            "\($0.value.count) × \($0.key) (\($0.value.prefix(3).joined(separator: ", ")))"
        }
        let clean = found.isEmpty
        #expect(
            clean,
            "the release twilio-component carries Foundation or ICU again (rebuild with make release if it is stale): \(report.joined(separator: "; "))"
        )
    }

    @Test func mcpWithoutItsSiblingSaysWhatToInstall() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let alone = directory.appendingPathComponent("twilio-component").path
        try FileManager.default.copyItem(atPath: EngineTool.path, toPath: alone)
        let output = try await ProcessRunner.run(alone, ["mcp"], environment: ["PATH": "/usr/bin:/bin"])
        #expect(output.exitCode == 64)
        #expect(
            output.stderr.contains("runs the twilio-mcp executable, which is neither beside this one (\(directory.path)/) nor on PATH"),
            "\(output.stderr)")
        #expect(output.stderr.contains("`make install` put twilio-mcp beside"), "\(output.stderr)")
        #expect(output.stderr.contains("The pip wheel carries twilio-component only"), "\(output.stderr)")
        #expect(output.stdout.isEmpty)
    }

    /// Without one beside it, `mcp` runs the first twilio-mcp on PATH, with the same arguments and
    /// no signal blocked, so that SIGTERM reaches it (the stand-in reports its own mask; the thread
    /// that makes the call, one of the concurrency pool's, blocks nearly all of them).
    @Test func mcpFallsBackToPathWithSignalsUnblocked() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let alone = directory.appendingPathComponent("alone")
        let onPath = directory.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: alone, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: onPath, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: EngineTool.path, toPath: alone.appendingPathComponent("twilio-component").path)
        let standIn = onPath.appendingPathComponent("twilio-mcp").path
        // Read by the shell itself: a forked `grep` could catch it mid-fork, with every signal blocked.
        let script = """
            #!/bin/sh
            echo "args: $*"
            while read -r line; do case "$line" in SigBlk*) echo "$line";; esac; done < /proc/self/status

            """
        try script.write(toFile: standIn, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: standIn)
        let output = try await ProcessRunner.run(
            alone.appendingPathComponent("twilio-component").path, ["mcp", "--sandbox"],
            environment: ["PATH": "\(onPath.path):/usr/bin:/bin"])
        #expect(output.exitCode == 0, "\(output.stderr)")
        #expect(output.stdout.contains("args: mcp --sandbox"), "\(output.stdout)")
        #expect(output.stdout.contains("SigBlk:\t0000000000000000"), "\(output.stdout)")
    }

    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lean-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }
}
