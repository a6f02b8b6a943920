import DeskMail
import Foundation

/// libFuzzer's entry point: called once per generated input.
///
/// `MessageReader.read` promises never to trap, whatever the bytes: it either
/// returns a message (with `problems` for damage) or throws `MessageReadError`
/// for bytes that are not a message. Both outcomes are fine here; a trap, an
/// AddressSanitizer report, a hang or runaway memory is what libFuzzer reports.
///
/// The pointer is optional because C allows a null `Data` with a zero `Size`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    do {
        let message = try MessageReader.read(bytes)
        consume(message)
    } catch {
        consume(error.reason)
    }
    // libFuzzer reserves non-zero return values; 0 means "input processed".
    return 0
}

/// Walks every decoded field, so a value that is built lazily or holds
/// malformed storage is actually read (and would trap here, under the fuzzer).
private func consume(_ message: ParsedMessage) {
    var checksum = 0
    for text in [message.subject, message.messageID, message.automaticReply].compactMap({ $0 }) {
        checksum &+= walk(text)
    }
    if let from = message.from {
        checksum &+= walk(from.address) &+ walk(from.displayName ?? "") &+ walk(from.formatted)
        checksum &+= walk(from.localPart) &+ walk(from.domain ?? "")
    }
    for date in [message.date, message.receivedAt].compactMap({ $0 }) {
        checksum &+= Int(date.timeIntervalSince1970.bitPattern & 0xFFFF)
    }
    for problem in message.problems {
        checksum &+= walk(problem)
    }
    blackHole(checksum)
}

private func consume(_ reason: String) {
    blackHole(walk(reason))
}

/// Reads every Unicode scalar and every UTF-8 byte of `text`.
private func walk(_ text: String) -> Int {
    var sum = 0
    for scalar in text.unicodeScalars { sum &+= Int(scalar.value) }
    for byte in text.utf8 { sum &+= Int(byte) }
    return sum
}

/// Keeps the optimizer (with `FUZZ_CONFIGURATION=release`) from dropping the
/// reads above as unused.
@_optimize(none)
private func blackHole(_ value: Int) {}
