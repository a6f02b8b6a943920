import DeskCore

extension TemplateForm {
    /// The canonical form as JSON: every key, every blank value null.
    func json() -> String {
        Self.jsonValue(.group(nodes)).rendered() + "\n"
    }

    private static func jsonValue(_ shape: Node.Shape) -> JSONValue {
        switch shape {
        case .value(let preset): return .optionalString(preset)
        case .group(let children): return .object(children.map { ($0.key, jsonValue($0.shape)) })
        case .list(_, let items): return .array(items.map { jsonValue(.group($0)) })
        case .technicalItem: return .object([("answer", .null), ("evidence", .null)])
        }
    }
}
