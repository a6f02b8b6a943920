@testable import DeskCore
import Foundation
import Testing

/// The JSON the commands print (`--json`): one writer into one buffer (issue 11),
/// pretty-printed with two spaces, keys in order, control characters escaped.
@Suite struct JSONValueTests {
    static let value = JSONValue.object([
        ("id", .string("retail-jp-1")),
        ("n", .number(42)),
        ("x", .number(1.5)),
        ("ok", .bool(true)),
        ("none", .null),
        ("empty", .array([])),
        ("nothing", .object([])),
        ("text", .string("\"quoted\" \\ 改行\n\u{1B}[31m\u{202E}")),
        ("list", .array([.string("a"), .object([("k", .array([.number(1)]))])])),
    ])

    @Test func prettyPrintedExactly() {
        let expected = """
            {
              "id": "retail-jp-1",
              "n": 42,
              "x": 1.5,
              "ok": true,
              "none": null,
              "empty": [],
              "nothing": {},
              "text": "\\"quoted\\" \\\\ 改行\\n\\u001b[31m\\u202e",
              "list": [
                "a",
                {
                  "k": [
                    1
                  ]
                }
              ]
            }
            """
        #expect(Self.value.rendered() == expected)
        // Indented as an element of an outer array, as `queue --json` writes each one.
        var out = ""
        Self.value.write(into: &out, indent: "  ")
        #expect(out == expected.replacingOccurrences(of: "\n", with: "\n  "))
    }

    /// The byte-level fast check agrees with the scalar rule for every scalar of
    /// the Basic Multilingual Plane and beyond, alone and inside other text.
    @Test func theFastCheckAgreesWithTheScalarRule() {
        let scalars = (0..<0x11_0000).lazy.filter { $0 < 0xD800 || $0 > 0xDFFF }.filter { $0 < 0x3000 || $0 % 97 == 0 }
        for value in scalars {
            let scalar = Unicode.Scalar(UInt32(value))!
            let expected = !(scalar == "\"" || scalar == "\\" || SafeText.isControl(scalar))
            let text = "案件 " + String(Character(scalar)) + " é"
            #expect(JSONValue.needsNoEscape(String(Character(scalar))) == expected, "U+\(String(value, radix: 16))")
            #expect(JSONValue.needsNoEscape(text) == expected, "U+\(String(value, radix: 16)) in text")
        }
    }

    @Test func readBackByFoundation() throws {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(Self.value.rendered().utf8)) as? [String: Any])
        #expect(object["text"] as? String == "\"quoted\" \\ 改行\n\u{1B}[31m\u{202E}")
        #expect((object["list"] as? [Any])?.count == 2)
        #expect(Self.value.jsonText.hasPrefix("{\"id\":\"retail-jp-1\",\"n\":42,"))
    }
}
