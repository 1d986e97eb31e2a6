import ComponentCore
import ComponentRuntime

/// The sentences deleteMessage and redactMessage add to Twilio's refusals of a message it has not
/// finished with.
enum MessageLifeErrors {
    /// `error`, with what to do when Twilio refused because the message is still in flight.
    static func explained(_ error: ComponentError, action: String) -> ComponentError {
        guard error.code == 20009 else { return error }
        var explained = error
        explained.message +=
            " A message can be \(action) only once Twilio has finished with it (delivered, undelivered, failed or received), not while it is queued, scheduled or sending: wait a minute or two, then run it again."
        return explained
    }
}
