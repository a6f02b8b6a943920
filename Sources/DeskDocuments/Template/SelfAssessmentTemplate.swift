import DeskCore

/// A blank self-assessment for partners to fill in (`competency template`, PRODUCT.md §4
/// and §9), in any of the four encodings, in the tenant's language.
///
/// Pure: a checklist and a language in, the document's bytes out. Every encoding is
/// written from one ``TemplateForm``, has every key of the canonical form, four case
/// studies with every technical item of the checklist, and reads back through
/// ``SelfAssessmentReader`` without a problem into a document with nothing filled in
/// but `schema` and `program`.
///
/// - YAML: the canonical form with empty values; comments say what each key means,
///   each technical item's title and the delivery models it applies to, and the
///   accepted answer words.
/// - JSON: the same keys, every value null (JSON has no comments).
/// - CSV: `path,value`, one row per canonical path, UTF-8 with a BOM (so Excel reads
///   it as UTF-8), CRLF line ends, RFC 4180 quoting; `#` rows name each section and
///   technical item.
/// - XLSX: sheet `Self-Assessment` (path, value, and what the field means) and sheet
///   `Technical` (item id, title, the answers for case studies 1–4 in C–F, their
///   evidence in G–J, applicability in K, which the reader does not read).
public enum SelfAssessmentTemplate {
    /// The template's bytes.
    public static func render(checklist: Checklist, language: TextLanguage, format: DocumentFormat)
        throws(TemplateError)
        -> [UInt8]
    {
        let form = TemplateForm(checklist: checklist, language: language)
        switch format {
        case .yaml: return Array(form.yaml().utf8)
        case .json: return Array(form.json().utf8)
        case .csv: return form.csv()
        case .xlsx: return try form.xlsx()
        }
    }

    /// A file name for the template: `retail-technology-self-assessment.xlsx`.
    public static func fileName(for checklist: Checklist, format: DocumentFormat) -> String {
        let safe = checklist.id.unicodeScalars.map {
            $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" ? String($0) : "-"
        }.joined()
        return "\(safe)-self-assessment.\(format.rawValue)"
    }
}

/// Why a template could not be written.
public struct TemplateError: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }
}
