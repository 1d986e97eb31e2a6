import Logging
import Synchronization

/// What every part of the running sandbox shares.
final class SandboxCore: Sendable {
    let credentials: SandboxCredentials
    let store: SandboxStore
    /// Content templates a send's ContentSid names.
    let contents = ContentTemplates()
    let faults = FaultRegistry()
    let traffic = TrafficStats()
    let webhooks: WebhookDispatcher
    /// How long each API request waits before it is answered.
    let latency: ResponseLatency
    /// Seconds per lifecycle step (0: a message reaches its final status at once).
    let step: Double
    /// Numbers whose messages fail or go undelivered instead of being delivered.
    let deliveryFailures: DeliveryFailures
    /// The time the API reports and compares: the machine's, shifted by the configured offset.
    let clock: SandboxClock
    let logger: Logger
    /// Calls, recordings and what running calls do.
    let voice: VoiceServices
    /// Verify's services and verifications.
    let verify: VerifyStore
    /// Verify creates and checks still being worked on (held by a fault).
    let verifyInFlight = VerifyInFlight()

    init(
        credentials: SandboxCredentials, store: SandboxStore, step: Double, latency: ResponseLatency, webhookClient: WebhookClientSettings,
        clockOffsetMilliseconds: Int = 0, voiceStore: VoiceStore? = nil, verifyStore: VerifyStore? = nil, logger: Logger
    ) {
        self.credentials = credentials
        self.verify = verifyStore ?? VerifyStore()
        self.voice = VoiceServices(store: voiceStore ?? VoiceStore())
        self.store = store
        self.step = step
        self.latency = latency
        self.logger = logger
        self.deliveryFailures = DeliveryFailures()
        self.clock = SandboxClock(offsetMilliseconds: clockOffsetMilliseconds)
        self.webhooks = WebhookDispatcher(settings: webhookClient, authToken: credentials.authToken, logger: logger)
    }

    /// Unix seconds now, by the sandbox's clock.
    var now: Double { clock.now }
}

/// To numbers whose messages end `undelivered` or `failed` (with an error code) instead of `delivered`.
final class DeliveryFailures: Sendable {
    /// Built in: `+15005559010` goes undelivered (30003), `+15005559011` fails (30008).
    static let builtIn: [String: StoredMessage.Outcome] = [
        "+15005559010": .undelivered(errorCode: 30003),
        "+15005559011": .failed(errorCode: 30008),
    ]

    private let configured = Synchronization.Mutex<[String: StoredMessage.Outcome]>(DeliveryFailures.builtIn)

    func outcome(for to: String) -> StoredMessage.Outcome {
        configured.withLock { $0[to] } ?? .delivered
    }

    func set(_ outcome: StoredMessage.Outcome?, for number: String) {
        configured.withLock { $0[number] = outcome }
    }

    func reset() { configured.withLock { $0 = Self.builtIn } }
}
