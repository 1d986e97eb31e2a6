import Foundation

/// The media of a recording, generated on request: the sandbox records no sound, so the file is a
/// stand-in, valid and as long as the recording up to ``maximumSeconds`` (the recording's
/// `duration` is unaffected): a long call must not make each download generate gigabytes.
enum RecordingMedia {
    /// The longest media generated, in seconds.
    static let maximumSeconds = 60

    /// A WAV file (RIFF, PCM, 8 kHz, mono, 16-bit) of `seconds` (at most ``maximumSeconds``) of a quiet 440 Hz tone.
    static func wav(seconds: Int) -> [UInt8] {
        let rate = 8000
        let samples = rate * min(max(0, seconds), maximumSeconds)
        let dataBytes = samples * 2
        var bytes: [UInt8] = []
        bytes.reserveCapacity(44 + dataBytes)
        func append(_ text: String) { bytes.append(contentsOf: Array(text.utf8)) }
        func append32(_ value: Int) { withUnsafeBytes(of: UInt32(value).littleEndian) { bytes.append(contentsOf: $0) } }
        func append16(_ value: Int) { withUnsafeBytes(of: UInt16(value).littleEndian) { bytes.append(contentsOf: $0) } }
        append("RIFF")
        append32(36 + dataBytes)
        append("WAVE")
        append("fmt ")
        append32(16)
        append16(1)  // PCM
        append16(1)  // mono
        append32(rate)
        append32(rate * 2)  // bytes per second
        append16(2)  // block align
        append16(16)  // bits per sample
        append("data")
        append32(dataBytes)
        for index in 0..<samples {
            let sample = Int16(3000 * sin(2 * Double.pi * 440 * Double(index) / Double(rate)))
            withUnsafeBytes(of: sample.littleEndian) { bytes.append(contentsOf: $0) }
        }
        return bytes
    }

    /// An MP3 of silent MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz: 417 bytes and 26 ms each),
    /// enough of them for `seconds` (at most ``maximumSeconds``).
    static func mp3(seconds: Int) -> [UInt8] {
        let frame: [UInt8] = [0xFF, 0xFB, 0x90, 0x64] + Array(repeating: 0, count: 413)
        let count = max(1, Int((Double(min(max(0, seconds), maximumSeconds)) * 44_100 / 1152).rounded(.up)))
        return Array(Array(repeating: frame, count: count).joined())
    }
}
