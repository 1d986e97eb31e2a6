import ComponentCore
import Foundation

/// Moves a call through its lifecycle on the sandbox's `lifecycleStep`: queued → ringing (at once)
/// → a step later, as the callee behaves: in-progress, running its TwiML → completed; or busy, no-answer, failed,
/// canceled. Posts the status callbacks the call asked for and records the call when asked.
struct CallRunner: Sendable {
    let core: SandboxCore

    private var voice: VoiceServices { core.voice }

    /// Runs the call `sid` in the background.
    static func start(core: SandboxCore, call sid: String) {
        core.voice.controls.started(call: sid)
        core.voice.run { await CallRunner(core: core).run(sid) }
    }

    func run(_ sid: String) async {
        guard let call = voice.store.call(sid) else { return }
        defer { voice.controls.finished(call: sid) }
        if call.direction == "inbound" {
            await runInbound(call)
        } else {
            await runOutbound(call)
        }
    }

    private func runOutbound(_ call: StoredCall) async {
        let sid = call.sid
        let callbacks = CallStatusCallbacks(core: core)
        let waiting = CallWaiting(controls: voice.controls, sid: sid)
        await callbacks.post("initiated", call: sid)
        if await stopped(sid) { return }
        setStatus("ringing", call: sid)
        await callbacks.post("ringing", call: sid)
        _ = await waiting.wait(seconds: core.step)
        if await stopped(sid) { return }
        let behaviour = behaviour(of: call.to)
        switch behaviour {
        case .busy: return await end(sid, status: "busy")
        case .noAnswer: return await end(sid, status: "no-answer")
        case .failed: return await end(sid, status: "failed")
        case .answer, .machine: break
        }
        // An update may have ended the call since `stopped`: then it is not answered and runs nothing.
        guard await answer(sid, machine: behaviour == .machine) else { return await end(sid, status: "canceled") }
        if let digits = call.settings.sendDigits {
            voice.journal.record(["verb": "SendDigits", "digits": .string(digits)], call: sid)
        }
        let ending = await TwiMLInterpreter(core: core, sid: sid, answer: { true }).run(from: call.source, answered: true)
        await finish(sid, ending: ending)
    }

    private func runInbound(_ call: StoredCall) async {
        let sid = call.sid
        let core = core
        await CallStatusCallbacks(core: core).post("ringing", call: sid)
        let interpreter = TwiMLInterpreter(core: core, sid: sid) { await CallRunner(core: core).answer(sid, machine: false) }
        let ending = await interpreter.run(from: call.source, answered: false)
        await finish(sid, ending: ending)
    }

    private func behaviour(of address: String) -> CalleeBehaviour {
        voice.callees.behaviour(of: address)
    }

    /// Whether the call was canceled, hung up or removed meanwhile (then its ending is posted).
    private func stopped(_ sid: String) async -> Bool {
        guard let call = voice.store.call(sid) else { return true }
        if call.isFinished {
            await CallStatusCallbacks(core: core).post("completed", call: sid)
            return true
        }
        switch voice.controls.takeRequest(call: sid) {
        case .cancel?, .hangUp?:
            await end(sid, status: "canceled")
            return true
        case .redirect?, nil:
            return false
        }
    }

    /// The callee picks up, unless the call has ended meanwhile (an update canceled it): whether
    /// the call is now in progress. Only then is `answered` posted.
    func answer(_ sid: String, machine: Bool) async -> Bool {
        let now = core.now
        var answered = false
        voice.store.modifyCall(sid) { call in
            guard !call.isFinished else { return }
            call.status = "in-progress"
            call.startTime = now
            call.updatedAt = now
            if let detection = call.settings.machineDetection {
                call.answeredBy = machine ? (detection == "DetectMessageEnd" ? "machine_end_beep" : "machine_start") : "human"
            }
            answered = true
        }
        guard answered else { return false }
        voice.markAnswered(call: sid)
        await CallStatusCallbacks(core: core).post("answered", call: sid)
        return true
    }

    private func finish(_ sid: String, ending: CallEnding) async {
        switch ending {
        case .hungUp: await end(sid, status: "completed")
        case .failed(let code): await end(sid, status: "failed", errorCode: code)
        case .rejected(let reason): await end(sid, status: reason == "busy" ? "busy" : "no-answer")
        case .canceled: await end(sid, status: "canceled")
        }
    }

    /// Ends the call (unless an update already did), posts its `completed` callback and, for a
    /// call made with `Record=true`, makes its recording.
    private func end(_ sid: String, status: String, errorCode: Int? = nil) async {
        let now = core.now
        guard
            let call = voice.store.modifyCall(
                sid,
                { call in
                    guard !call.isFinished else { return }
                    call.status = call.startTime == nil && status == "completed" ? "canceled" : status
                    call.endTime = now
                    call.updatedAt = now
                    call.duration = call.startTime == nil ? 0 : voice.duration(of: call, now: now)
                    call.errorCode = errorCode
                })
        else { return }
        voice.forgetAnswer(call: sid)
        if call.settings.record, call.startTime != nil {
            let recording = makeRecording(
                call: call, duration: call.duration ?? 1, channels: call.settings.recordingChannels == "dual" ? 2 : 1, source: "OutboundAPI"
            )
            if let url = call.settings.recordingStatusCallback {
                await CallStatusCallbacks(core: core).postRecording(recording, url: url, method: "POST")
            }
        }
        await CallStatusCallbacks(core: core).post("completed", call: sid)
    }

    private func setStatus(_ status: String, call sid: String) {
        let now = core.now
        voice.store.modifyCall(sid) { call in
            guard !call.isFinished else { return }
            call.status = status
            call.updatedAt = now
        }
    }

    // MARK: Dial and recordings

    /// Rings `address` for a `<Dial>` of `parent` as a child call, and returns it ended: connected
    /// for a lifecycle step and completed, or busy, no-answer, failed.
    func ringChild(of parent: StoredCall, to address: String, callerId: String?) async -> StoredCall {
        let now = core.now
        let child = voice.store.insertCall { sequence in
            StoredCall(
                sid: CallsAPI.newSid("CA"), accountSid: parent.accountSid, sequence: sequence, direction: "outbound-dial",
                parentCallSid: parent.sid, to: address, from: callerId ?? parent.from,
                status: "ringing", createdAt: now, updatedAt: now, source: .inline("<Response/>"), settings: CallSettings())
        }
        voice.controls.started(call: child.sid)
        let waiting = CallWaiting(controls: voice.controls, sid: child.sid)
        _ = await waiting.wait(seconds: core.step)
        let behaviour = behaviour(of: address)
        switch behaviour {
        case .busy, .noAnswer, .failed:
            await end(child.sid, status: behaviour.rawValue)
        case .answer, .machine:
            if await answer(child.sid, machine: behaviour == .machine) { _ = await waiting.wait(seconds: core.step) }
            await end(child.sid, status: "completed")
        }
        voice.controls.finished(call: child.sid)
        return voice.store.call(child.sid) ?? child
    }

    /// Stores a recording of `call`.
    func makeRecording(call: StoredCall, duration: Int, channels: Int, source: String) -> StoredRecording {
        let now = core.now
        return voice.store.insertRecording { sequence in
            StoredRecording(
                sid: CallsAPI.newSid("RE"), accountSid: call.accountSid, callSid: call.sid, sequence: sequence, createdAt: now,
                startTime: now - Double(duration), duration: duration, channels: channels, source: source)
        }
    }
}
