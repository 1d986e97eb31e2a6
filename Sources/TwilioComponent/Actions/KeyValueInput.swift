/// One pair of a `keyvaluelist` input, as the runtime hands it to a handler: in order, repeats kept.
struct KeyValueInput: Decodable, Sendable {
    var key: String
    var value: String
}
