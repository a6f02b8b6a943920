import Crypto
import Foundation

/// A Message-ID (without angle brackets) for `local` on `domain`, the same for
/// the same arguments, so a message made again after a crash or a retry has the
/// id it had and a receiver (or the outbox) recognises the copy.
///
/// The local part keeps letters, digits and `. - _ +`; every other byte,
/// including `=` itself and a dot that would start, end or double a dot, is
/// written `=XX` (hex), so different inputs give different ids. A local part over
/// 200 characters is cut and ends with a hash of the whole. The domain keeps
/// letters, digits, `-` and `.` (lower-cased), `invalid` when nothing is left.
public func makeMessageID(local: String, domain: String) -> String {
    let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_+".utf8)
    let bytes = Array(local.utf8)
    let hex = Array("0123456789ABCDEF".utf8)
    var safe: [UInt8] = []
    for (index, byte) in bytes.enumerated() {
        let dotAllowed =
            byte == UInt8(ascii: ".") && index > 0 && index < bytes.count - 1 && safe.last != UInt8(ascii: ".")
        if allowed.contains(byte) || dotAllowed {
            safe.append(byte)
        } else {
            safe += [UInt8(ascii: "="), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
        }
    }
    var localPart = String(decoding: safe, as: UTF8.self)
    if localPart.isEmpty { localPart = "message" }
    if localPart.utf8.count > 200 {
        let digest = SHA256.hash(data: Data(local.utf8)).map { String(format: "%02x", $0) }.joined()
        let head = localPart.prefix(150).reversed().drop { $0 == "." }.reversed()
        localPart = String(head) + "." + digest.prefix(16)
    }
    let domainPart = domain.lowercased().unicodeScalars.filter {
        ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "."
    }
    let trimmed = String(String.UnicodeScalarView(domainPart)).split(separator: ".").joined(separator: ".")
    return localPart + "@" + (trimmed.isEmpty ? "invalid" : trimmed)
}
