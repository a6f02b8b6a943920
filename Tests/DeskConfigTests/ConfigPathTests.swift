@testable import DeskConfig
import DeskTesting
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Paths in config files are resolved as text: `..` never resolves a symbolic link
/// on the way (issue 7 #1, the shipped `../../Inbox/<tenant>`).
@Suite struct ConfigPathTests {
    @Test(arguments: [
        ("/a/b/../c", "/a/c"),
        ("/a/./b//c/", "/a/b/c"),
        ("/a/b/../../..", "/"),
        ("a/../../b", "../b"),
        ("./", "."),
        ("/work/Config/tenants/../../Inbox/retail-jp", "/work/Inbox/retail-jp"),
    ])
    func dotsAreRemovedAsText(_ path: String, _ expected: String) {
        #expect(ConfigFile.lexicallyNormalized(path) == expected)
    }

    @Test func aSymlinkedInboxKeepsItsOwnPathNotItsTarget() throws {
        let desk = try TemporaryDesk(name: "config-link")
        defer { desk.remove() }
        let elsewhere = desk.root.appendingPathComponent("Archive/retail-us")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        #expect(symlink(elsewhere.path, desk.inbox("retail-jp").path) == 0)
        let configuration = try DeskConfiguration.load(from: desk.configFile)
        let inbox = try #require(configuration.tenant("retail-jp")).inbox
        #expect(inbox.path == desk.inbox("retail-jp").path, "the link's own path, for O_NOFOLLOW to refuse")
    }
}
