package home

import "porthole/runbooks/journal"

// RevertMsg asks to revert changes a past window synced (r on a past window).
type RevertMsg struct{ Window journal.WindowSummary }
