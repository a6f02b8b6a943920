#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Converts bytes in a legacy encoding to Unicode text with the C library's iconv.
///
/// A fresh conversion descriptor is opened per call: `iconv_t` carries shift
/// state and is not safe to share between threads, and opening one is cheap
/// next to reading a message file.
struct IconvDecoder: Sendable {
    /// The outcome of one conversion.
    struct Output: Sendable {
        /// The decoded text; undecodable bytes appear as U+FFFD.
        var text: String
        /// How many undecodable sequences were replaced.
        var replacedSequences: Int
    }

    /// iconv's name for the source encoding, e.g. `CP932`.
    let encodingName: String

    /// Whether the C library knows how to convert from `encodingName` to UTF-8.
    static func isSupported(_ encodingName: String) -> Bool {
        guard let descriptor = open(encodingName) else { return false }
        _ = iconv_close(descriptor)
        return true
    }

    private static func open(_ encodingName: String) -> iconv_t? {
        // iconv_open reports failure as `(iconv_t) -1`, not NULL.
        guard let descriptor = iconv_open("UTF-8", encodingName), Int(bitPattern: descriptor) != -1 else {
            return nil
        }
        return descriptor
    }

    /// Decodes all of `bytes`. An undecodable byte becomes U+FFFD and decoding
    /// resumes at the next byte, so one bad byte never loses the rest of the text.
    /// Returns nil only when iconv cannot convert from this encoding at all.
    func decode(_ bytes: some Collection<UInt8>) -> Output? {
        guard let descriptor = Self.open(encodingName) else { return nil }
        defer { _ = iconv_close(descriptor) }

        let input = UnsafeMutableBufferPointer<CChar>.allocate(capacity: max(bytes.count, 1))
        defer { input.deallocate() }
        var inputCount = 0
        for byte in bytes {
            input[inputCount] = CChar(bitPattern: byte)
            inputCount += 1
        }

        let chunkSize = 16 * 1024
        let chunk = UnsafeMutableBufferPointer<CChar>.allocate(capacity: chunkSize)
        defer { chunk.deallocate() }

        var result: [UInt8] = []
        result.reserveCapacity(inputCount + inputCount / 2)
        var replaced = 0
        let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]

        var inPointer: UnsafeMutablePointer<CChar>? = input.baseAddress
        var inLeft = inputCount
        var finished = false
        while !finished {
            var outPointer: UnsafeMutablePointer<CChar>? = chunk.baseAddress
            var outLeft = chunkSize
            // With no input left, a nil input pointer asks a stateful decoder
            // (ISO-2022-*, UTF-7) to flush whatever it still holds.
            let status =
                inLeft > 0
                ? iconv(descriptor, &inPointer, &inLeft, &outPointer, &outLeft)
                : iconv(descriptor, nil, nil, &outPointer, &outLeft)
            let failure = status == -1 ? errno : 0
            let produced = chunkSize - outLeft
            if produced > 0 {
                result.append(contentsOf: UnsafeRawBufferPointer(start: chunk.baseAddress, count: produced))
            }
            if status != -1 {
                if inLeft == 0 && inPointer == nil { finished = true }
                if inLeft == 0 { inPointer = nil }
                continue
            }
            switch failure {
            case E2BIG:
                continue  // output chunk full: it was copied out above, go on
            case EILSEQ:
                result.append(contentsOf: replacement)
                replaced += 1
                inPointer = inPointer.map { $0 + 1 }
                inLeft -= 1
                if inLeft == 0 { inPointer = nil }
            case EINVAL:
                // An incomplete multibyte sequence at the very end of the input.
                result.append(contentsOf: replacement)
                replaced += 1
                finished = true
            default:
                result.append(contentsOf: replacement)
                replaced += 1
                finished = true
            }
        }
        return Output(text: String(decoding: result, as: UTF8.self), replacedSequences: replaced)
    }
}
