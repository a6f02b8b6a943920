import Foundation
import Testing

/// The bytes of a file in `Tests/EndToEndTests/Fixtures/` (see its README).
func fixture(_ name: String) throws -> Data {
    let url = try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"))
    return try Data(contentsOf: url)
}
