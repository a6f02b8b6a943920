import DeskConfig
import Foundation

/// The configuration that ships in the repository's `Config/`, loaded once for
/// tests that compute on the real calendars, checklists and pools.
public enum ShippedConfiguration {
    public static let value: DeskConfiguration = {
        do {
            return try DeskConfiguration.load(from: RepositoryPaths.root.appendingPathComponent("Config/competencyd.yaml"))
        } catch {
            fatalError("the shipped Config/ does not load: \(error)")
        }
    }()
}
