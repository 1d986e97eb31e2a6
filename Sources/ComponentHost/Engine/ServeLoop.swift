import ComponentCore
import ComponentRuntime
import FoundationEssentials
import Glibc
import Synchronization

/// `serve`: JSON-lines requests on standard input, answered on standard output as they finish,
/// each answer carrying its request's `id`. Runs up to `concurrency` requests at once through one
/// session, so HTTP connections are reused across requests.
enum ServeLoop {
    static func run(_ component: HostedComponent, concurrency: Int, target: EngineTarget, environment: [String: String], io: HostIO) async
        -> Int32
    {
        let session: EngineSession
        do {
            session = try await EngineSession.start(
                component, target: target, environment: environment, io: io, label: "\(component.commandName) serve",
                concurrency: concurrency)
        } catch {
            io.writeErr(error.message + "\n")
            return error.exitCode
        }
        let reader = LineReader(fileDescriptor: STDIN_FILENO, window: concurrency)
        let writer = AnswerWriter(io: io)

        // SIGTERM: take no more lines, finish and answer the ones taken, exit 0.
        TerminationSignal.install {
            io.writeErr("\(component.commandName) serve: SIGTERM; finishing the requests already taken, then exiting.\n")
            reader.stop()
        }

        reader.start()
        await withDiscardingTaskGroup { group in
            for await line in reader.lines {
                group.addTask {
                    writer.write(await answer(line, session: session))
                    reader.release()
                }
            }
        }
        TerminationSignal.uninstall()
        await session.stop()
        let final = writer.tally
        io.writeErr(
            "\(component.commandName) serve: answered \(final.answered) requests (\(final.failed) failed, \(final.unreadable) unreadable).\n"
        )
        return 0
    }

    struct Answer {
        var json: JSONValue
        var failed: Bool
        var unreadable: Bool
    }

    /// Writes answers one whole line at a time, and counts them.
    final class AnswerWriter: Sendable {
        let io: HostIO
        private let state = Mutex(Tally())

        init(io: HostIO) {
            self.io = io
        }

        func write(_ answer: Answer) {
            var line = JSONWriter.bytes(from: answer.json)
            line.append(UInt8(ascii: "\n"))
            let text = String(decoding: line, as: UTF8.self)
            state.withLock { tally in
                io.writeOut(text)
                tally.count(answer)
            }
        }

        var tally: Tally { state.withLock { $0 } }
    }

    struct Tally {
        var answered = 0
        var failed = 0
        var unreadable = 0

        mutating func count(_ answer: Answer) {
            answered += 1
            if answer.failed { failed += 1 }
            if answer.unreadable { unreadable += 1 }
        }
    }

    /// The answer line for one input line: the result envelope with the request's `id` first.
    static func answer(_ line: LineReader.Line, session: EngineSession) async -> Answer {
        let request: EngineRequest
        switch line {
        case .tooLong(let length):
            let error = ComponentError(
                .protocol, code: "request_too_large",
                message:
                    "A request line of \(length) bytes is over the limit of \(LineReader.defaultMaximumLength) bytes; send large values by reference."
            )
            return Answer(json: envelope(id: .null, error.envelope), failed: true, unreadable: true)
        case .text(let bytes):
            do {
                request = try EngineRequest.parse(bytes, expected: nil)
            } catch {
                return Answer(json: envelope(id: error.id, error.error.envelope), failed: true, unreadable: true)
            }
        }
        let result = await session.respond(request)
        return Answer(json: envelope(id: request.id, result.envelope), failed: result.error != nil, unreadable: false)
    }

    static func envelope(id: JSONValue, _ envelope: JSONValue) -> JSONValue {
        var object: JSONObject = ["id": id]
        for (key, value) in envelope.objectValue ?? [:] { object[key] = value }
        return .object(object)
    }
}
