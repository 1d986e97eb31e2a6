@testable import ComponentHost
import TestSupport
import Testing

/// The engine front end's command line read by hand reads as Argument Parser reads it, and leaves
/// to Argument Parser every form it does not know.
@Suite(.timingInsensitive) struct EngineCommandLineTests {
    @Test(arguments: [
        ["invoke"],
        ["invoke", "--request", "send.json"],
        ["invoke", "--request=send.json", "--pretty"],
        ["invoke", "--pretty", "--request", "send.json", "--base-url", "http://127.0.0.1:8080", "--sandbox"],
        ["trigger", "--base-url=http://127.0.0.1:8080"],
        ["data-source", "--sandbox", "--request", "a=b.json"],
        ["check"],
        ["check", "--request", "connection.json", "--sandbox"],
        ["serve"],
        ["serve", "--concurrency", "1000", "--sandbox"],
        ["serve", "--concurrency=1", "--base-url", "http://127.0.0.1:1"],
        ["serve", "--concurrency", "10000"],
        ["manifest"],
        ["manifest", "--compact"],
    ])
    func plainFormsReadAsArgumentParserReadsThem(arguments: [String]) throws {
        let plain = try #require(EngineCommandLine.plain(arguments))
        #expect(plain == (try EngineCommandLine.parsedByArgumentParser(arguments)))
    }

    @Test(arguments: [
        [], ["invoke", "--help"], ["invoke", "-h"], ["help", "invoke"], ["--version"], ["mcp"], ["docs"], ["validate"],
        ["invoke", "--request"], ["invoke", "--request", "--pretty"], ["invoke", "--request", "a", "--request", "b"],
        ["invoke", "extra"], ["invoke", "--pretty=yes"], ["invoke", "--compact"], ["invoke", "--concurrency", "4"],
        ["serve", "--concurrency", "0"], ["serve", "--concurrency", "10001"], ["serve", "--concurrency", "many"],
        ["serve", "--request", "a.json"], ["serve", "--pretty"], ["manifest", "--sandbox"], ["manifest", "--base-url", "x"],
        ["invoke", "--", "--request"], ["invoke", "--sandbox", "--sandbox"],
    ])
    func otherFormsAreLeftToArgumentParser(arguments: [String]) {
        #expect(EngineCommandLine.plain(arguments) == nil)
    }

    @Test func mistakesGetArgumentParsersMessages() {
        #expect(throws: (any Error).self) { try EngineCommandLine.parse(["serve", "--concurrency", "0"]) }
        #expect(throws: (any Error).self) { try EngineCommandLine.parse(["invoke", "--request"]) }
        #expect(throws: (any Error).self) { try EngineCommandLine.parse(["invoke", "extra"]) }
    }

    @Test func theRestIsRunByArgumentParsersCommands() throws {
        guard case .parsed(let command) = try EngineCommandLine.parse(["docs"]) else {
            Issue.record("docs should be left to its command")
            return
        }
        #expect(command is DocsCommand)
    }
}
