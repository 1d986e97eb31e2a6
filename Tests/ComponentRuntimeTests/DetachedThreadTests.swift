import ComponentCore
import Glibc
import Testing

/// Threads are named, as `top -H` and a debugger show them, cut to the kernel's 15 bytes.
@Suite struct DetachedThreadTests {
    @Test func aThreadCarriesItsName() async {
        let name = await withCheckedContinuation { (continuation: CheckedContinuation<String, Never>) in
            DetachedThread.start(name: "detached-name-check", purpose: "the test") {
                continuation.resume(returning: Self.ownName())
            }
        }
        #expect(name == "detached-name-c")
    }

    static func ownName() -> String {
        let descriptor = open("/proc/thread-self/comm", O_RDONLY)
        guard descriptor >= 0 else { return "" }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = read(descriptor, &buffer, buffer.count)
        return String(decoding: buffer[..<max(count, 0)], as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
    }
}
