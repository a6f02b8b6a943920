import DeskCore
import Foundation
import Logging

/// A tenant's partner registry, re-read whenever its file changes (PRODUCT.md §4.4).
///
/// Contract — reads: the registry CSV. The modification time and size are checked
/// on every use, so an export dropped over the old file applies to the next
/// message without a restart. A broken export is logged with its line and the
/// last good registry stays in use; with none, matching finds nobody (and each
/// submission says the registry could not be read).
public final class RegistryCache: @unchecked Sendable {
    // @unchecked: all mutable state is guarded by `lock`.
    private let url: URL
    private let logger: Logger
    private let lock = NSLock()
    private var loaded: (registry: PartnerRegistry, stamp: String)?
    private var lastError: (message: String, stamp: String)?

    public init(url: URL, logger: Logger) {
        self.url = url
        self.logger = logger
    }

    /// The current registry, or the reason there is none.
    public func current() -> Result<PartnerRegistry, DeskError> {
        lock.withLock {
            let stamp = Self.stamp(of: url)
            if let loaded, loaded.stamp == stamp { return .success(loaded.registry) }
            if let lastError, lastError.stamp == stamp {
                return loaded.map { .success($0.registry) } ?? .failure(.failed(lastError.message))
            }
            do {
                let data = try Data(contentsOf: url)
                guard let text = String(data: data, encoding: .utf8) else {
                    throw DeskError.failed("\(url.path): not UTF-8 text")
                }
                let registry = try PartnerRegistry(csv: text)
                loaded = (registry, stamp)
                lastError = nil
                logger.info("partner registry loaded", metadata: ["registry": "\(url.path)", "partners": "\(registry.partners.count)"])
                return .success(registry)
            } catch {
                let message = "cannot read the partner registry \(url.path): \(error)"
                lastError = (message, stamp)
                logger.error("partner registry unreadable; keeping the last good one", metadata: ["error": "\(message)"])
                return loaded.map { .success($0.registry) } ?? .failure(.failed(message))
            }
        }
    }

    private static func stamp(of url: URL) -> String {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path) else { return "missing" }
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(modified)-\(attributes[.size] as? Int ?? -1)"
    }
}
