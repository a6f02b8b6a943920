import Foundation

/// Text in a legacy charset, encoded by the C library's `iconv` program: an
/// encoder independent of the decoders under test (CP932 as Excel on Japanese
/// Windows saves CSV, KOI8-R, ISO-2022-JP…).
public enum LegacyEncoding {
    public static func encode(_ text: String, as charset: String) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["iconv", "-f", "UTF-8", "-t", charset]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteInapplicableStringEncoding) }
        return Array(data)
    }
}
