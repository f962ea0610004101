// Package journal is a window's record: an append-only JSONL file per window
// (fsynced, locked to one process), read back as a WindowState for resume,
// `porthole log` and the report, with the redactor that keeps secrets out of
// it and out of porthole's log. It also holds the vocabulary the journal
// records and the engine (package runbooks, above it) speaks: step states,
// gate kinds, levels and the typed window Facts.
package journal
