import DeskCore
import Foundation

/// The words partners use for the canonical form's fixed values (PRODUCT.md §4.1):
/// slugs, their Japanese labels, and answer words, matched regardless of letter
/// case, full-width forms, surrounding spaces and `-`/`_`/space variants.
enum DocumentVocabulary {
    /// The matching key of a written word: NFKC (full-width to ASCII), lower case,
    /// with spaces, `-` and `_` removed, so `Web Chat`, `web_chat` and `ｗｅｂ－ｃｈａｔ` meet.
    static func matchingKey(_ written: String) -> String {
        // ASCII is its own NFKC form: fold it without Foundation's normalisation.
        if written.utf8.allSatisfy({ $0 < 0x80 }) {
            var key: [UInt8] = []
            key.reserveCapacity(written.utf8.count)
            for byte in written.utf8 where !(byte == 0x20 || (0x09...0x0D).contains(byte) || byte == 0x2D || byte == 0x5F) {
                key.append((0x41...0x5A).contains(byte) ? byte + 0x20 : byte)
            }
            return String(decoding: key, as: UTF8.self)
        }
        return unicodeMatchingKey(written)
    }

    /// `matchingKey` by NFKC for any text (the ASCII fast path must agree with it).
    static func unicodeMatchingKey(_ written: String) -> String {
        let folded = written.precomposedStringWithCompatibilityMapping.lowercased()
        var key = String.UnicodeScalarView()
        for scalar in folded.unicodeScalars where !scalar.properties.isWhitespace && scalar != "-" && scalar != "_" {
            key.append(scalar)
        }
        return String(key)
    }

    /// A closed set of slugs with the other words that mean each one.
    struct SlugSet: Sendable {
        let slugs: [String]
        private let table: [String: String]

        init(_ entries: [(slug: String, synonyms: [String])]) {
            slugs = entries.map(\.slug)
            var table: [String: String] = [:]
            for entry in entries {
                for word in [entry.slug] + entry.synonyms { table[DocumentVocabulary.matchingKey(word)] = entry.slug }
            }
            self.table = table
        }

        /// The slug `written` means, or nil when it is none of them.
        func slug(for written: String) -> String? { table[DocumentVocabulary.matchingKey(written)] }

        /// The slug, else the text as written (trimmed): a check can then quote it.
        func normalise(_ written: String) -> String {
            slug(for: written) ?? written.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    // Seed 1.3, with the seed's Japanese labels.
    static let segments = SlugSet([
        ("customer-engagement", ["カスタマーエンゲージメント"]),
        ("merchandising-and-planning", ["企業商品と計画"]),
        ("supply-chain-and-distribution", ["サプライチェーンと流通"]),
        ("physical-digital-virtual-stores", ["実店舗とデジタルストアおよび仮想ストア"]),
        ("advanced-retail-data-science", ["高度な小売データサイエンス"]),
        ("core-retail-business-applications", ["コアとなる小売ビジネスアプリケーション"]),
    ])

    static let deliveries = SlugSet([
        ("saas", ["SaaS", "Software as a Service"]),
        ("customer-deployed", ["顧客デプロイ型", "顧客デプロイ"]),
    ])

    static let tiers = SlugSet([
        ("registered", ["レジスタード"]),
        ("select", ["セレクト"]),
        ("advanced", ["アドバンスト", "アドバンスド"]),
        ("premier", ["プレミア"]),
    ])

    static let stages = SlugSet([
        ("production", ["本番", "本番稼働", "本番環境"]),
        ("pilot", ["パイロット"]),
        ("poc", ["PoC", "proof of concept", "概念実証"]),
    ])

    static let publicationKinds = SlugSet([
        ("case-study", ["導入事例", "事例", "ケーススタディ"]),
        ("whitepaper", ["ホワイトペーパー", "white paper"]),
        ("blog", ["ブログ", "blog post"]),
    ])

    static let supportChannels = SlugSet([
        ("web-chat", ["chat", "ウェブチャット", "Webチャット", "チャット"]),
        ("phone", ["telephone", "電話"]),
        ("email", ["e-mail", "mail", "メール", "電子メール", "Eメール"]),
    ])

    static let reviewerRoles = SlugSet([
        ("psa", ["partner solutions architect"]),
        ("pdr", ["partner development representative"]),
        ("pdm", ["partner development manager"]),
    ])

    // Seed 2.1: the competencies a case study may be reused from.
    static let competencies = SlugSet([
        ("digital-customer-experience", []),
        ("data-analytics", []),
        ("iot", []),
        ("migration", []),
        ("machine-learning", []),
    ])

    static let coSellAnswers = SlugSet([
        ("yes", answerWords[.yes] ?? []),
        ("no", answerWords[.no] ?? []),
        ("explained", ["説明", "説明あり", "explanation"]),
    ])

    /// Every word that answers a technical item or a yes/no question.
    static let answerWords: [Answer: [String]] = [
        .yes: ["yes", "y", "true", "はい", "適合", "○", "〇", "◯"],
        .no: ["no", "n", "false", "いいえ", "不適合", "×", "✕"],
        .notApplicable: ["n/a", "na", "not applicable", "該当なし", "対象外", "該当しない"],
    ]

    private static let answerTable: [String: Answer] = {
        var table: [String: Answer] = [:]
        for (answer, words) in answerWords {
            for word in words { table[matchingKey(word)] = answer }
        }
        return table
    }()

    /// The answer `written` means: `yes/no/n/a`, `true/false`, `はい/いいえ/該当なし`, `適合/不適合`, `Y/N`.
    static func answer(_ written: String) -> Answer? { answerTable[matchingKey(written)] }

    /// The truth value `written` means: the yes/no answer words, and `1`/`0`.
    static func flag(_ written: String) -> Bool? {
        switch answer(written) {
        case .yes: return true
        case .no: return false
        case .notApplicable: return nil
        case nil:
            switch matchingKey(written) {
            case "1": return true
            case "0": return false
            default: return nil
            }
        }
    }
}
