import DeskCore
import DeskStore
import Foundation

/// What changed between two revisions of one application: the checks whose
/// status flipped and the document fields whose value changed.
public struct RevisionComparison: Sendable, Equatable {
    public struct Flip: Sendable, Equatable {
        public let id: String
        public let from: CheckResult.Status?
        public let to: CheckResult.Status?
    }

    public struct FieldChange: Sendable, Equatable {
        /// Canonical key path, list positions from 1 (`case_studies.3.go_live`).
        public let path: String
        public let from: String?
        public let to: String?
    }

    public let flipped: [Flip]
    public let changed: [FieldChange]

    public init(previous: SubmissionRecord, current: SubmissionRecord) {
        let before = Dictionary(previous.checkList.map { ($0.id, $0.status) }, uniquingKeysWith: { first, _ in first })
        let after = Dictionary(current.checkList.map { ($0.id, $0.status) }, uniquingKeysWith: { first, _ in first })
        let order = current.checkList.map(\.id) + previous.checkList.map(\.id).filter { after[$0] == nil }
        flipped = order.compactMap { id in before[id] == after[id] ? nil : Flip(id: id, from: before[id], to: after[id]) }

        let old = Self.flatten(previous.documentJSON)
        let new = Self.flatten(current.documentJSON)
        changed = Set(old.keys).union(new.keys).sorted(by: Self.pathOrder).compactMap { path in
            old[path] == new[path] ? nil : FieldChange(path: path, from: old[path], to: new[path])
        }
    }

    /// `{"a": {"b": [1, 2]}}` → `a.b.1 = 1`, `a.b.2 = 2`.
    static func flatten(_ json: String?) -> [String: String] {
        guard let json, let object = try? JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed]) else {
            return [:]
        }
        var result: [String: String] = [:]
        func walk(_ value: Any, _ path: String) {
            switch value {
            case let dictionary as [String: Any]:
                for (key, child) in dictionary { walk(child, path.isEmpty ? key : "\(path).\(key)") }
            case let array as [Any]:
                for (index, child) in array.enumerated() { walk(child, "\(path).\(index + 1)") }
            case is NSNull:
                break
            default:
                result[path] = "\(value)"
            }
        }
        walk(object, "")
        return result
    }

    /// Paths sort as people read them: numeric positions numerically.
    static func pathOrder(_ a: String, _ b: String) -> Bool {
        let left = a.split(separator: ".")
        let right = b.split(separator: ".")
        for (x, y) in zip(left, right) where x != y {
            if let i = Int(x), let j = Int(y) { return i < j }
            return x < y
        }
        return left.count < right.count
    }
}
