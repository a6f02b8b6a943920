import Testing

@Suite struct DeskOutgoingPlaceholder {}
