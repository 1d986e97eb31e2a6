import Synchronization

/// What the party a call rings does.
enum CalleeBehaviour: String, Sendable, CaseIterable {
    /// Picks up (a person: `AnsweredBy=human` with machine detection).
    case answer
    case busy
    case noAnswer = "no-answer"
    /// The call cannot be connected.
    case failed
    /// An answering machine picks up (`AnsweredBy=machine_start`, or `machine_end_beep` with
    /// `DetectMessageEnd`).
    case machine
}

/// How each number behaves when called: built-in magic numbers, plus numbers a test configured.
final class CalleeBehaviours: Sendable {
    /// Built in: `+15005559020` is busy, `+15005559021` does not answer, `+15005559022` fails,
    /// `+15005559023` is an answering machine. Every other number answers.
    static let builtIn: [String: CalleeBehaviour] = [
        "+15005559020": .busy, "+15005559021": .noAnswer, "+15005559022": .failed, "+15005559023": .machine,
    ]

    private let configured = Mutex<[String: CalleeBehaviour]>(CalleeBehaviours.builtIn)

    func behaviour(of number: String) -> CalleeBehaviour {
        configured.withLock { $0[number] } ?? .answer
    }

    func set(_ behaviour: CalleeBehaviour, for number: String) {
        configured.withLock { $0[number] = behaviour }
    }

    func reset() { configured.withLock { $0 = Self.builtIn } }
}
