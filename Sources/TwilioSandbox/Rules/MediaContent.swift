import Foundation

/// The media the sandbox serves for a message's `MediaUrl`: it fetches nothing, so the content
/// type comes from the URL's extension and the bytes are a tiny valid file of that type, the same
/// on every request.
enum MediaContent {
    /// The content type Twilio would report for `url`, from its path's extension.
    static func contentType(of url: String) -> String {
        let path = URL(string: url)?.path ?? url
        switch (path as NSString).pathExtension.lowercased() {
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "gif": return "image/gif"
        case "pdf": return "application/pdf"
        case "mp4": return "video/mp4"
        default: return "application/octet-stream"
        }
    }

    /// The bytes of a media item of `contentType`; for an unknown type, bytes derived from `url`.
    static func bytes(contentType: String, url: String) -> [UInt8] {
        switch contentType {
        case "image/png": return png
        case "image/jpeg": return jpeg
        case "image/gif": return gif
        case "application/pdf": return Array(pdf.utf8)
        case "video/mp4": return mp4
        default: return Array("sandbox media for \(url)\n".utf8)
        }
    }

    /// A 1×1 transparent PNG (IHDR, one zlib-compressed IDAT row, IEND, each with its CRC).
    static let png: [UInt8] = hex(
        "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000b4944415478da636000020000050001e9fadcd80000000049454e44ae426082"
    )

    /// A 1×1 grey baseline JPEG: a flat quantisation table, one-symbol Huffman tables, and a scan
    /// of one block whose DC difference and AC run are both zero.
    static let jpeg: [UInt8] =
        [0xFF, 0xD8, 0xFF, 0xDB, 0x00, 0x43, 0x00] + Array(repeating: 1, count: 64)
        + [0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x01, 0x00, 0x01, 0x01, 0x01, 0x11, 0x00]
        + [0xFF, 0xC4, 0x00, 0x14, 0x00, 0x01] + Array(repeating: 0, count: 15) + [0x00]
        + [0xFF, 0xC4, 0x00, 0x14, 0x10, 0x01] + Array(repeating: 0, count: 15) + [0x00]
        + [0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, 0x3F, 0xFF, 0xD9]

    /// A 1×1 white GIF89a.
    static let gif: [UInt8] = hex(
        "47494638396101000100800000ffffff00000021f90401000000002c00000000010001000002024401003b")

    /// A one-page PDF with no content.
    static let pdf = """
        %PDF-1.4
        1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
        2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
        3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] >> endobj
        trailer << /Root 1 0 R >>
        %%EOF

        """

    /// An MP4 of an `ftyp` box (isom) and an empty `mdat` box.
    static let mp4: [UInt8] =
        [0x00, 0x00, 0x00, 0x14] + Array("ftypisom".utf8) + [0x00, 0x00, 0x02, 0x00] + Array("isom".utf8)
        + [0x00, 0x00, 0x00, 0x08] + Array("mdat".utf8)

    private static func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex, let next = text.index(index, offsetBy: 2, limitedBy: text.endIndex) {
            if let byte = UInt8(text[index..<next], radix: 16) { bytes.append(byte) }
            index = next
        }
        return bytes
    }
}
