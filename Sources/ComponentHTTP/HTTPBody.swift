public import ComponentCore
public import FoundationEssentials

/// What a request carries.
public enum HTTPBody: Sendable, Hashable {
    /// Nothing.
    case none
    /// Raw bytes with an optional content type.
    case bytes(Data, contentType: String?)
    /// `application/x-www-form-urlencoded`; repeated names are kept (`tag=a&tag=b`).
    case form([(String, String)])
    /// `application/json`.
    case json(JSONValue)
    /// `multipart/form-data`: plain fields and files.
    case multipart([MultipartPart])

    public static func == (lhs: HTTPBody, rhs: HTTPBody) -> Bool {
        switch (lhs, rhs) {
        case (.none, .none): true
        case (.bytes(let a, let x), .bytes(let b, let y)): a == b && x == y
        case (.form(let a), .form(let b)): a.elementsEqual(b) { $0 == $1 }
        case (.json(let a), .json(let b)): a == b
        case (.multipart(let a), .multipart(let b)): a == b
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .none: hasher.combine(0)
        case .bytes(let data, let type):
            hasher.combine(data)
            hasher.combine(type)
        case .form(let fields):
            for (name, value) in fields {
                hasher.combine(name)
                hasher.combine(value)
            }
        case .json(let value): hasher.combine(value)
        case .multipart(let parts): hasher.combine(parts)
        }
    }
}

/// One part of a `multipart/form-data` body.
public struct MultipartPart: Sendable, Hashable {
    /// The form field name.
    public var name: String
    /// The file name, for file parts; `nil` for plain fields.
    public var fileName: String?
    /// The part's content type; plain fields usually have none.
    public var contentType: String?
    /// The part's bytes.
    public var data: Data

    /// A plain text field.
    public static func field(_ name: String, _ value: String) -> MultipartPart {
        MultipartPart(name: name, fileName: nil, contentType: nil, data: Data(value.utf8))
    }

    /// A file.
    public static func file(_ name: String, fileName: String, contentType: String, data: Data) -> MultipartPart {
        MultipartPart(name: name, fileName: fileName, contentType: contentType, data: data)
    }

    /// A part.
    public init(name: String, fileName: String?, contentType: String?, data: Data) {
        self.name = name
        self.fileName = fileName
        self.contentType = contentType
        self.data = data
    }
}
