import DeskCore
import Foundation

/// A tenant's archive: original bytes under `YYYY/MM/`, unreadable files under `quarantine/`.
///
/// Archive names are derived from the content hash and the inbox name, so
/// archiving the same file twice (after a crash) writes the same path with the
/// same bytes, and two different files never collide.
public struct ArchiveFolder: Sendable {
    public let root: URL

    public init(root: URL) { self.root = root }

    public var quarantine: URL { root.appendingPathComponent("quarantine") }

    /// The archive path, relative to `root`, for a file received on `date`.
    public func relativePath(for sourceName: String, sha256: String, receivedOn date: LocalDate) -> String {
        let month = date.month < 10 ? "0\(date.month)" : "\(date.month)"
        return "\(date.year)/\(month)/\(sha256.prefix(16))-\(Self.safeName(sourceName))"
    }

    /// Stores original bytes durably at `relativePath`; a complete earlier copy is kept.
    public func store(_ bytes: [UInt8], at relativePath: String) throws(FileOperationError) {
        let url = root.appendingPathComponent(relativePath)
        if let existing = try? DurableFile.read(url), existing == bytes { return }
        try DurableFile.write(bytes, to: url)
    }

    /// Moves an unreadable file out of the inbox with a reason file beside it.
    ///
    /// The reason is written first: a crash between the two steps leaves the
    /// file in the inbox (retried) rather than in quarantine without a reason.
    @discardableResult
    public func quarantine(_ file: URL, reason: String, at now: Date) throws(FileOperationError) -> URL {
        let stamp = Int(now.timeIntervalSince1970)
        // The random part keeps two same-named files quarantined in one second apart.
        let name = "\(stamp)-\(UUID().uuidString.prefix(8).lowercased())-\(Self.safeName(file.lastPathComponent))"
        let destination = quarantine.appendingPathComponent(name)
        let text = """
            file: \(file.path)
            quarantined: \(ISO8601DateFormatter().string(from: now))
            reason: \(reason)

            """
        try DurableFile.write(Array(text.utf8), to: quarantine.appendingPathComponent(name + ".reason.txt"))
        try DurableFile.move(file, to: destination)
        return destination
    }

    /// A file name that cannot escape the archive or confuse a shell.
    public static func safeName(_ name: String) -> String {
        var cleaned = String(
            name.unicodeScalars.map { scalar -> Character in
                if scalar == "/" || scalar == "\\" || scalar.value < 0x20 || scalar.value == 0x7F { return "_" }
                return Character(scalar)
            })
        while cleaned.hasPrefix(".") { cleaned.removeFirst() }
        if cleaned.isEmpty { cleaned = "message" }
        // Keep names well under NAME_MAX (255 bytes) after the hash prefix.
        while cleaned.utf8.count > 180 { cleaned.removeLast() }
        return cleaned
    }
}
