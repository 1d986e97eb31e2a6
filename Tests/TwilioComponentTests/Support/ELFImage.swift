import Foundation

/// What an ELF64 little-endian executable links: its `DT_NEEDED` libraries and the names in its
/// symbol tables, read from the file itself (no readelf or nm needed).
struct ELFImage {
    let needed: [String]
    /// The names of `.symtab` (kept by `strip --strip-debug`) and `.dynsym`.
    let symbols: [String]

    struct FormatError: Error, CustomStringConvertible {
        var description: String
    }

    init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FormatError(description: "\(path) cannot be read: build it first.")
        }
        (needed, symbols) = try data.withUnsafeBytes { bytes in try Self.read(bytes, path: path) }
    }

    /// The `DT_NEEDED` entries and symbol names of the ELF image in `bytes`.
    private static func read(_ bytes: UnsafeRawBufferPointer, path: String) throws -> (needed: [String], symbols: [String]) {
        guard bytes.count > 64, Array(bytes[0..<4]) == [0x7F, 0x45, 0x4C, 0x46], bytes[4] == 2, bytes[5] == 1 else {
            throw FormatError(description: "\(path) is not a 64-bit little-endian ELF file.")
        }
        func integer<T: FixedWidthInteger>(_ offset: Int, _: T.Type = T.self) throws -> T {
            guard offset >= 0, offset + MemoryLayout<T>.size <= bytes.count else {
                throw FormatError(description: "\(path): an ELF structure points past the end of the file (offset \(offset)).")
            }
            return T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
        }
        func string(_ offset: Int) -> String {
            guard offset >= 0, offset < bytes.count else { return "" }
            let start = bytes.baseAddress! + offset
            let length = strnlen(start.assumingMemoryBound(to: CChar.self), bytes.count - offset)
            return String(decoding: UnsafeRawBufferPointer(start: start, count: length), as: UTF8.self)
        }

        struct Section {
            var type: UInt32
            var offset: Int
            var size: Int
            var link: Int
            var entrySize: Int
        }
        let sectionTable = Int(try integer(0x28, UInt64.self))
        let sectionEntrySize = Int(try integer(0x3A, UInt16.self))
        let sectionCount = Int(try integer(0x3C, UInt16.self))
        var sections: [Section] = []
        for index in 0..<sectionCount {
            let base = sectionTable + index * sectionEntrySize
            sections.append(
                Section(
                    type: try integer(base + 4), offset: Int(try integer(base + 0x18, UInt64.self)),
                    size: Int(try integer(base + 0x20, UInt64.self)), link: Int(try integer(base + 0x28, UInt32.self)),
                    entrySize: Int(try integer(base + 0x38, UInt64.self))))
        }
        let dynamicType: UInt32 = 6
        let symbolTableTypes: Set<UInt32> = [2, 11]  // SHT_SYMTAB, SHT_DYNSYM
        var needed: [String] = []
        var symbols: [String] = []
        for section in sections where section.link < sections.count {
            let strings = sections[section.link].offset
            if section.type == dynamicType {
                for entry in stride(from: section.offset, to: section.offset + section.size, by: 16) {
                    let tag: UInt64 = try integer(entry)
                    if tag == 0 { break }
                    if tag == 1 { needed.append(string(strings + Int(try integer(entry + 8, UInt64.self)))) }  // DT_NEEDED
                }
            } else if symbolTableTypes.contains(section.type), section.entrySize == 24 {
                for entry in stride(from: section.offset, to: section.offset + section.size, by: 24) {
                    let name = Int(try integer(entry, UInt32.self))
                    if name != 0 { symbols.append(string(strings + name)) }
                }
            }
        }
        return (needed, symbols)
    }
}
