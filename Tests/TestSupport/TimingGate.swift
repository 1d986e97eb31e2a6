public import Testing

/// Keeps timing measurements away from the rest of the suite. Tests run in parallel on a
/// two-core machine; an assertion such as "a 1 s timeout fires within 20 %" cannot hold while a
/// hundred other tests compete for the CPU. So every suite carries a gate trait:
/// `.timingSensitive` tests run only while no `.timingInsensitive` test does, and once one is
/// waiting, no new insensitive test starts until the sensitive ones are done. Sensitive tests
/// may run together: they mostly wait on clocks.
public actor TimingGate {
    public enum Kind: Sendable { case sensitive, insensitive }

    public static let shared = TimingGate()

    private var running: [Kind: Int] = [:]
    private var sensitiveWaiting = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    private func mayEnter(_ kind: Kind) -> Bool {
        switch kind {
        case .sensitive: (running[.insensitive] ?? 0) == 0
        case .insensitive: (running[.sensitive] ?? 0) == 0 && sensitiveWaiting == 0
        }
    }

    private func enter(_ kind: Kind) async {
        if kind == .sensitive { sensitiveWaiting += 1 }
        while !mayEnter(kind) {
            await withCheckedContinuation { waiting.append($0) }
        }
        if kind == .sensitive { sensitiveWaiting -= 1 }
        running[kind, default: 0] += 1
    }

    private func leave(_ kind: Kind) {
        running[kind, default: 0] -= 1
        let woken = waiting
        waiting = []
        for continuation in woken { continuation.resume() }
    }

    /// Runs `body` as a test of `kind`.
    public nonisolated func run(_ kind: Kind, _ body: @Sendable () async throws -> Void) async throws {
        await enter(kind)
        do {
            try await body()
        } catch {
            await leave(kind)
            throw error
        }
        await leave(kind)
    }
}

/// The trait that runs a test (or every test of a suite) under ``TimingGate``.
public struct TimingGateTrait: TestTrait, SuiteTrait, TestScoping {
    let kind: TimingGate.Kind

    public var isRecursive: Bool { true }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        // Only test cases take the gate, and a sensitive test in an insensitive suite takes it as sensitive.
        let marksSensitive = test.traits.contains { ($0 as? TimingGateTrait)?.kind == .sensitive }
        guard testCase != nil, kind == .sensitive || !marksSensitive else { return try await function() }
        try await TimingGate.shared.run(kind, function)
    }
}

extension Trait where Self == TimingGateTrait {
    /// The test measures elapsed time: it runs apart from the insensitive tests.
    public static var timingSensitive: Self { TimingGateTrait(kind: .sensitive) }
    /// The test does not measure time: it runs with the others, apart from the sensitive ones.
    public static var timingInsensitive: Self { TimingGateTrait(kind: .insensitive) }
}
